import {Cluster, Redis, type RedisOptions} from 'ioredis';
import {EngineUnavailableError} from '../engine-unavailable-error.js';
import {parseRedisAddress, type RedisAddress} from './redis-address.js';
import {defineScripts, scriptLua, type ScriptName} from './redis-scripts.js';
import {runReplicated, type ReplicaWait} from './replicated-script.js';
import {defined} from '../../../defined.js';

export {EngineUnavailableError};

/** What the Redis engine asks of its connections. */
export type RedisConnectionOptions = {
	/** Names the connections in Redis's CLIENT LIST (`natter:<nodeId>:cmd` / `:sub`). */
	nodeId: string;
	/** How long one call may take before it fails as unavailable, in ms. */
	commandTimeoutMs: number;
	log: (line: string) => void;
};

/** A single-server client or a cluster client: the commands the engine uses exist on both. */
export type RedisClient = Redis | Cluster;

/**
 * The Redis engine's two connections, and every request on the command one with the same
 * failure behaviour: refused at once while Redis is away, rejected (never replayed) when the
 * connection drops mid-call, and always as an `EngineUnavailableError` naming Redis and the request.
 * On a Redis Cluster (`redis+cluster://`) both are ioredis Cluster clients: commands go to the
 * master of their keys' slot, and the subscriber keeps one connection per master for sharded
 * pub/sub (SSUBSCRIBE), so a node hears only the shards of the channels it watches.
 */
export class RedisConnection {
	/** Scripts, cursors, PUBLISH, PING: one connection (per master), so requests of this node run in issue order. */
	readonly command: RedisClient;
	/** Pub/sub only (a subscribed connection can do nothing else). */
	readonly subscriber: RedisClient;
	/** `redis://host:port` without credentials, for messages. */
	readonly where: string;
	/** True on a Redis Cluster: events travel by SPUBLISH/SSUBSCRIBE (sharded pub/sub, Redis 7). */
	readonly sharded: boolean;
	private readonly run: ReturnType<typeof defineScripts>;

	constructor(url: string, options: RedisConnectionOptions) {
		const address = parseRedisAddress(url);
		this.where = describe(address);
		this.sharded = address.kind === 'cluster';
		// Fail fast instead of hanging: a call made while Redis is away is refused (see
		// unreachable()), and calls in flight when the connection drops are rejected rather than
		// resent after the reconnect, where a publish could land twice.
		const commandOptions: RedisOptions = {
			connectionName: `natter:${options.nodeId}:cmd`,
			maxRetriesPerRequest: 0,
			autoResendUnfulfilledCommands: false,
			commandTimeout: options.commandTimeoutMs,
			connectTimeout: 2000,
			retryStrategy: attempt => Math.min(attempt * 100, 2000),
		};
		// The subscriber keeps its SUBSCRIBEs until Redis is back; nothing on it is a user's request.
		const subscriberOptions: RedisOptions = {
			connectionName: `natter:${options.nodeId}:sub`,
			maxRetriesPerRequest: null,
			commandTimeout: undefined,
			autoResendUnfulfilledCommands: true,
			autoResubscribe: true,
			// ioredis writes a SUBSCRIBE during the connection handshake (Redis allows it while loading);
			// its reply puts the connection in subscriber mode, the ready check's INFO that follows is
			// then refused, and that tears the connection down. A subscriber has no use for the check.
			enableReadyCheck: false,
		};
		if (address.kind === 'cluster') {
			const auth = {...defined({username: address.username, password: address.password}), ...(address.tls ? {tls: {}} : {})};
			const cluster = (redisOptions: RedisOptions, sharded: boolean): Cluster =>
				new Cluster(address.nodes, {
					redisOptions: {...redisOptions, ...auth},
					shardedSubscribers: sharded,
					// A command whose connection closed under it may have run: never resend it to the
					// promoted replica (the sender is told `unavailable` and retries with its clientId).
					// MOVED/ASK/TRYAGAIN/CLUSTERDOWN replies mean it did not run, and those are retried.
					retryDelayOnFailover: 0,
					retryDelayOnClusterDown: 100,
					retryDelayOnTryAgain: 100,
					maxRedirections: 16,
					clusterRetryStrategy: attempt => Math.min(attempt * 100, 2000),
					// A failover changes which node serves a slot: learn it soon (the default is 5 s).
					slotsRefreshInterval: 1000,
				});
			this.command = cluster(commandOptions, false);
			this.subscriber = cluster(subscriberOptions, true);
		} else if (address.kind === 'sentinel') {
			this.command = new Redis(sentinelOptions(address, commandOptions));
			this.subscriber = this.command.duplicate(subscriberOptions);
		} else {
			this.command = new Redis(address.url, commandOptions);
			this.subscriber = this.command.duplicate(subscriberOptions);
		}
		reportOutages(this.command, 'commands', this.where, options.log);
		reportOutages(this.subscriber, 'events', this.where, options.log);
		this.run = defineScripts(this.command, this.sharded);
	}

	/** Publish an event on a channel: PUBLISH, or on a cluster SPUBLISH (to the shard of the channel's slot). */
	publish(what: string, channel: string, payload: string): Promise<number> {
		const {command} = this;
		return this.request(what, async () => Number(this.sharded ? await command.spublish(channel, payload) : await command.publish(channel, payload)));
	}

	/** Between connections (after a drop or a failed first connect): requests are refused at once rather than queued. */
	unreachable(): boolean {
		const status = this.command.status;
		return status === 'reconnecting' || status === 'close' || status === 'end';
	}

	/** Run one of the engine's scripts; `what` says what it was for ("publish to general"). */
	script(what: string, name: ScriptName, keys: string[], args: Array<string | number>): Promise<unknown> {
		return this.request(what, () => this.run(name, keys, args));
	}

	/**
	 * Run a script, then wait until `wait.replicas` replicas of its master have its writes (WAIT on
	 * the same connection, see runReplicated); fails as unavailable when fewer answer in time.
	 */
	scriptReplicated(what: string, name: ScriptName, keys: string[], args: Array<string | number>, wait: ReplicaWait): Promise<unknown> {
		return this.request(what, () => runReplicated(this.command, scriptLua(name, this.sharded), keys, args, wait));
	}

	/** Any other request on the command connection, with the same failure behaviour. */
	async request<T>(what: string, work: () => Promise<T>): Promise<T> {
		if (this.unreachable()) {
			throw new EngineUnavailableError(`${what} failed: Redis at ${this.where} is unreachable (${this.command.status}); nothing was done, retry later`);
		}
		try {
			return await work();
		} catch (error) {
			throw new EngineUnavailableError(`${what} failed: Redis at ${this.where} did not complete it (${(error as Error).message})`);
		}
	}

	/** Whether Redis answers PING now; while the first connection is being made, the PING waits for it. */
	async ping(): Promise<boolean> {
		if (this.unreachable()) return false;
		try {
			return (await this.command.ping()) === 'PONG';
		} catch {
			return false;
		}
	}

	async close(): Promise<void> {
		await Promise.all([quit(this.subscriber), quit(this.command)]);
	}
}

/** `protocol://host:port` of a Redis URL (or the cluster's seeds), without credentials. */
function describe(address: RedisAddress): string {
	if (address.kind === 'cluster') return `${address.tls ? 'rediss' : 'redis'}+cluster://${address.nodes.map(node => `${node.host}:${node.port}`).join(',')}`;
	if (address.kind === 'sentinel') return `${address.tls ? 'rediss' : 'redis'}+sentinel://${address.sentinels.map(node => `${node.host}:${node.port}`).join(',')}/${address.name}`;
	try {
		const parsed = new URL(address.url);
		return `${parsed.protocol}//${parsed.host}`;
	} catch {
		return 'the configured Redis';
	}
}

/**
 * ioredis's Sentinel mode: it asks the sentinels (in turn) where `name`'s master is, connects
 * there and checks its role; after a drop it asks again, so a promoted replica is found on the
 * next reconnect. A master that was demoted while this connection stayed open (it came back as a
 * replica) answers writes with READONLY: that reply reconnects too, without resending the write
 * (its sender is told `unavailable` and retries). ioredis's `failoverDetector` is left off: in
 * 5.11.1 its sentinel connections, made after connecting, outlive a quick quit() and retry forever.
 */
function sentinelOptions(address: Extract<RedisAddress, {kind: 'sentinel'}>, options: RedisOptions): RedisOptions {
	return {
		...options,
		sentinels: address.sentinels,
		name: address.name,
		db: address.db,
		...defined({username: address.username, password: address.password}),
		...(address.tls ? {tls: {}, enableTLSForSentinelMode: true, sentinelTLS: {}} : {}),
		sentinelRetryStrategy: attempt => Math.min(attempt * 100, 2000),
		reconnectOnError: error => error.message.startsWith('READONLY'),
	};
}

/** Log the start and the end of an outage once each, not every retry (ioredis retries every ≤ 2 s). */
function reportOutages(redis: RedisClient, role: string, where: string, log: (line: string) => void): void {
	let down = false;
	let lastError = '';
	redis.on('error', (error: Error) => {
		lastError = error.message;
	});
	redis.on('reconnecting', () => {
		if (down) return;
		down = true;
		log(`redis: lost ${role} connection to ${where}${lastError ? ` (${lastError})` : ''}; reconnecting`);
	});
	redis.on('ready', () => {
		if (!down) return;
		down = false;
		log(`redis: ${role} connection to ${where} is back`);
	});
}

async function quit(redis: RedisClient): Promise<void> {
	if (redis instanceof Cluster) stopSlotRefresh(redis);
	if (redis.status === 'ready') {
		try {
			// A cluster's QUIT goes to every node; one that just died never answers: do not wait on it.
			let timer: NodeJS.Timeout | undefined;
			const late = new Promise<'late'>(resolve => {
				timer = setTimeout(() => resolve('late'), 1000);
			});
			const outcome = await Promise.race([redis.quit(), late]).finally(() => clearTimeout(timer));
			if (outcome !== 'late') return;
		} catch {
			// Fall through: drop the connection.
		}
	}
	redis.disconnect();
}

/**
 * ioredis 5.11.1's Cluster re-arms its slotsRefreshInterval timer when a refresh that was in
 * flight at quit()/disconnect() completes, and then refreshes against closed nodes forever (a
 * closed engine kept the process alive). A closed client has nothing to refresh: make the
 * refresh a no-op, which ends the chain (its callback is what re-arms the timer).
 */
function stopSlotRefresh(cluster: Cluster): void {
	(cluster as unknown as {refreshSlotsCache: () => void}).refreshSlotsCache = () => {};
}
