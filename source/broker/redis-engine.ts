import {Redis} from 'ioredis';
import type {ChatMessage, Member, PresenceStatus} from '../protocol/messages.js';
import {directParties} from '../protocol/names.js';
import {
	DEFAULT_ENGINE_OPTIONS,
	type Cursor,
	type Engine,
	type EngineOptions,
	type HistoryPage,
	type HistoryQuery,
	type PresenceEvent,
	type PublishInput,
	type PublishResult,
	type RoomState,
} from './engine.js';
import {newEpoch, newMessageIdFactory, newToken} from './ids.js';
import {RedisEventLink} from './redis-event-link.js';
import {roomKeys, userChannel, type RoomKeys} from './redis-keys.js';
import {defineScripts, type ScriptName} from './redis-scripts.js';

/** Settings of the Redis engine on top of every engine's. */
export type RedisEngineOptions = Partial<EngineOptions> & {
	/** Prepended to every key and channel; nodes that should form one broker share it. Default `natter:`. */
	prefix?: string;
	/** This node's name in Redis's CLIENT LIST. Default random. */
	nodeId?: string;
	/** The longest a dead node's users stay in presence panels, in ms. Default 15000. */
	presenceTtlMs?: number;
	/** How long one Redis call may take before it fails as unavailable, in ms. Default 5000. */
	commandTimeoutMs?: number;
	/** Where connection trouble is reported (once per outage, not per retry). */
	log?: (line: string) => void;
};

/** A request the engine could not complete because Redis did not answer; the hub reports it as `unavailable`. */
export class EngineUnavailableError extends Error {
	readonly code = 'ENGINE_UNAVAILABLE';
	constructor(message: string) {
		super(message);
		this.name = 'EngineUnavailableError';
	}
}

type LocalHolder = {userId: string; status: PresenceStatus; reason?: string};

/** How long a publish waits for its own event to come back before it resolves anyway (the hub repairs holes). */
const ECHO_WAIT_MS = 250;

/**
 * The cluster engine: any number of broker nodes that share one Redis (same URL and prefix)
 * behave as one broker. Use it when one machine is not enough, or to let a load balancer send
 * a user to any node. Each guarantee of the `Engine` contract, and what it depends on:
 *
 * - Order and atomicity: one Lua script per publish does the dedupe check, INCR of the room's
 *   sequence, the history append and trim, and the PUBLISH to other nodes. Redis runs scripts
 *   one at a time, so no two messages share a sequence and none lacks its message.
 * - Durability of an acknowledged publish: as durable as Redis is configured. With
 *   `appendonly yes` and `appendfsync always`, Redis fsyncs the script's effects before it
 *   replies, so nothing acknowledged is lost by a Redis crash. With `everysec` up to a second
 *   can be lost (and a room's sequence could then be reused in its epoch); without persistence
 *   a Redis restart loses everything, but the rooms then get new epochs, so clients start over
 *   instead of mistaking new messages for old.
 * - Deduplication: clientIds live in Redis with the dedupe window as TTL, so a retry through
 *   another node is still a duplicate.
 * - Delivery across nodes: Redis pub/sub, which is lossy. The event link catches up from history
 *   after each reconnect and the hub repairs any hole by sequence. A direct message is published
 *   to both parties' user channels, so it reaches every node with a connection of either.
 * - Presence: holders carry expiry times (the Redis clock, so node clocks may disagree); each
 *   node refreshes its own every `presenceTtlMs`/3 and sweeps expired ones of dead nodes, and the
 *   script that removes a user's last holder announces the `leave`, so exactly one node does.
 * - Redis down: calls fail fast with `EngineUnavailableError` (nothing is queued or replayed, so
 *   a publish is never acknowledged without being stored nor stored twice by a resend); sockets
 *   stay up; ioredis reconnects with backoff, resubscribes, and presence is refreshed back.
 *   A publish whose reply was lost in a drop may have been stored: its sender is told
 *   `unavailable`, and a retry with the same clientId is recognised as a duplicate.
 * - Redis Cluster: keys of one room share a hash tag, so every script is single-slot; the
 *   connection itself is a single-instance client (`ioredis` Cluster is not wired up yet).
 */
export function createRedisEngine(url: string, options: RedisEngineOptions = {}): Engine {
	const settings: EngineOptions = {...DEFAULT_ENGINE_OPTIONS, ...pickEngineOptions(options)};
	const now = settings.now ?? Date.now;
	const prefix = options.prefix ?? 'natter:';
	const nodeId = options.nodeId ?? newEpoch();
	const presenceTtlMs = options.presenceTtlMs ?? 15_000;
	// Refreshed every third of the TTL and valid for two thirds: one missed refresh is tolerated,
	// and a dead node's holders expire and are swept within one TTL of its death.
	const holderTtlMs = Math.max(1, Math.round((presenceTtlMs * 2) / 3));
	const log = options.log ?? (() => {});
	const where = describe(url);
	const nextId = newMessageIdFactory();
	const nonce = nonceFactory(nodeId);

	const command = new Redis(url, {
		connectionName: `natter:${nodeId}:cmd`,
		// Fail fast instead of hanging: a call made while Redis is away is refused at once, and
		// calls in flight when the connection drops are rejected rather than replayed later.
		maxRetriesPerRequest: 0,
		autoResendUnfulfilledCommands: false,
		commandTimeout: options.commandTimeoutMs ?? 5000,
		connectTimeout: 2000,
		retryStrategy: attempt => Math.min(attempt * 100, 2000),
	});
	const subscriber = command.duplicate({
		connectionName: `natter:${nodeId}:sub`,
		// The subscriber keeps its SUBSCRIBEs until Redis is back; nothing on it is a user's request.
		maxRetriesPerRequest: null,
		commandTimeout: undefined,
		autoResendUnfulfilledCommands: true,
		autoResubscribe: true,
	});
	reportOutages(command, 'commands', where, log);
	reportOutages(subscriber, 'events', where, log);
	const run = defineScripts(command);

	const link = new RedisEventLink({
		subscriber,
		prefix,
		room: room => readState(room),
		history: async (room, since) => readPage(room, {since}),
		log,
	});

	/** Local holders per room, so this node can refresh them and re-add them after an outage. */
	const holders = new Map<string, Map<string, LocalHolder>>();
	let refreshing = false;
	const refreshTimer = setInterval(() => void refreshPresence(), Math.max(50, Math.round(presenceTtlMs / 3)));
	refreshTimer.unref();

	/** Between connections (after a drop or a failed first connect): calls are refused at once rather than queued. */
	function unreachable(): boolean {
		const status = command.status;
		return status === 'reconnecting' || status === 'close' || status === 'end';
	}

	function refuse(what: string): EngineUnavailableError {
		return new EngineUnavailableError(`${what} failed: Redis at ${where} is unreachable (${command.status}); nothing was done, retry later`);
	}

	async function call(what: string, name: ScriptName, keys: string[], args: Array<string | number>): Promise<unknown> {
		if (unreachable()) throw refuse(what);
		try {
			return await run(name, keys, args);
		} catch (error) {
			throw new EngineUnavailableError(`${what} failed: Redis at ${where} did not complete it (${(error as Error).message})`);
		}
	}

	function cutoff(): number {
		return settings.historyTtl > 0 ? now() - settings.historyTtl * 1000 : 0;
	}

	async function read(room: string, mode: 'state' | 'range', query: HistoryQuery): Promise<HistoryPage> {
		await link.settled(room);
		const keys = roomKeys(prefix, room);
		const min = query.since === undefined ? '-inf' : `(${query.since}`;
		const max = query.before === undefined ? '+inf' : `(${query.before}`;
		const newestFirst = query.before !== undefined && query.since === undefined && query.limit !== undefined;
		const reply = (await call(`reading ${room}`, 'natterRead', [keys.seq, keys.epoch, keys.history], [
			newEpoch(),
			cutoff(),
			mode,
			min,
			max,
			query.limit ?? -1,
			newestFirst ? 1 : 0,
		])) as [number, string, number, string[]];
		const [sequence, epoch, first, raw] = reply;
		// Members are `<stored at>|<message JSON>`; the time is only for TTL trimming.
		const messages = raw.map(member => JSON.parse(member.slice(member.indexOf('|') + 1)) as ChatMessage);
		if (newestFirst) messages.reverse();
		return {sequence: Number(sequence), epoch, first: Number(first), messages};
	}

	async function readState(room: string): Promise<RoomState> {
		const {sequence, epoch, first} = await read(room, 'state', {});
		return {sequence, epoch, first};
	}

	function readPage(room: string, query: HistoryQuery): Promise<HistoryPage> {
		return read(room, 'range', query);
	}

	/** Where a room's events go: its own channel, or for a DM both parties' user channels. */
	function channelsOf(room: string, keys: RoomKeys): string[] {
		const parties = directParties(room);
		if (!parties) return [keys.channel];
		const [a, b] = parties;
		return a === b ? [userChannel(prefix, a)] : [userChannel(prefix, a), userChannel(prefix, b)];
	}

	/** Run `work`, then wait (briefly) until this node's own hub has seen the event it published, as the memory engine does. */
	async function echoed<T>(room: string, tag: string, work: () => Promise<T>): Promise<T> {
		if (!link.receives(room)) return work();
		const arrival = link.arrival(tag, ECHO_WAIT_MS);
		try {
			const result = await work();
			await arrival.promise;
			return result;
		} finally {
			arrival.cancel();
		}
	}

	function presenceArgs(room: string, keys: RoomKeys): [string, string, string] {
		// No presence is announced in direct conversations.
		return [directParties(room) ? '0' : '1', keys.channel, JSON.stringify(room)];
	}

	async function refreshPresence(): Promise<void> {
		if (refreshing || command.status !== 'ready') return;
		refreshing = true;
		try {
			await Promise.all(
				[...holders].map(async ([room, local]) => {
					const keys = roomKeys(prefix, room);
					const args: Array<string | number> = [holderTtlMs, ...presenceArgs(room, keys)];
					for (const [holder, h] of local) args.push(holder, h.userId, h.status, h.reason === undefined ? 0 : 1, h.reason ?? '');
					await call(`refreshing presence in ${room}`, 'natterPresenceRefresh', [keys.presence, keys.members], args).catch(
						(error: Error) => log(`redis: ${error.message}`),
					);
				}),
			);
		} finally {
			refreshing = false;
		}
	}

	let closed: Promise<void> | undefined;

	return {
		kind: 'redis',

		async publish(input: PublishInput): Promise<PublishResult> {
			const keys = roomKeys(prefix, input.room);
			const id = nextId();
			const head = `{"id":${JSON.stringify(id)},"room":${JSON.stringify(input.room)},"sender":${JSON.stringify(input.sender)},"content":${JSON.stringify(input.content)},"sequence":`;
			const tail = `,"timestamp":${JSON.stringify(input.timestamp)}${input.data === undefined ? '' : `,"data":${JSON.stringify(input.data)}`}}`;
			const tag = nonce();
			const reply = (await echoed(input.room, tag, () =>
				call(`publish to ${input.room}`, 'natterPublish', [keys.seq, keys.epoch, keys.history, keys.dedupe(input.sender, input.clientId ?? '')], [
					newEpoch(),
					head,
					tail,
					settings.historySize,
					input.clientId === undefined ? 0 : settings.dedupeWindow,
					now(),
					cutoff(),
					`{"type":"message","room":${JSON.stringify(input.room)},"n":${JSON.stringify(tag)}`,
					...channelsOf(input.room, keys),
				]),
			)) as [number, string, number | string];
			const [duplicate, epoch, value] = reply;
			if (duplicate === 1) return {message: JSON.parse(String(value)) as ChatMessage, epoch, duplicate: true};
			const message: ChatMessage = {
				id,
				room: input.room,
				sender: input.sender,
				content: input.content,
				sequence: Number(value),
				timestamp: input.timestamp,
				...(input.data === undefined ? {} : {data: input.data}),
			};
			return {message, epoch, duplicate: false};
		},

		room: readState,

		history(room: string, query: HistoryQuery): Promise<HistoryPage> {
			return readPage(room, query);
		},

		async clearHistory(room: string, by: string): Promise<RoomState> {
			const keys = roomKeys(prefix, room);
			const epoch = newEpoch();
			const tag = nonce();
			const event = JSON.stringify({type: 'cleared', room, epoch, by, n: tag});
			await echoed(room, tag, () => call(`clearing ${room}`, 'natterClear', [keys.seq, keys.epoch, keys.history], [epoch, event, keys.channel]));
			return {sequence: 0, epoch, first: 1};
		},

		async setCursor(userId: string, room: string, cursor: Cursor): Promise<void> {
			const keys = roomKeys(prefix, room);
			await call(`saving ${userId}'s position in ${room}`, 'natterCursor', [keys.cursors], [userId, cursor.epoch, cursor.sequence]);
		},

		async getCursor(userId: string, room: string): Promise<Cursor | undefined> {
			const keys = roomKeys(prefix, room);
			if (unreachable()) throw refuse(`reading ${userId}'s position in ${room}`);
			let raw: string | null;
			try {
				raw = await command.hget(keys.cursors, userId);
			} catch (error) {
				throw new EngineUnavailableError(`reading ${userId}'s position in ${room} failed: Redis at ${where} did not answer (${(error as Error).message})`);
			}
			const match = raw === null ? null : /^(.*):(\d+)$/s.exec(raw);
			return match ? {epoch: match[1]!, sequence: Number(match[2])} : undefined;
		},

		async presenceAdd(room, userId, holder, status, reason): Promise<boolean> {
			const keys = roomKeys(prefix, room);
			await link.settled(room);
			let local = holders.get(room);
			if (!local) {
				local = new Map();
				holders.set(room, local);
			}
			// Recorded as the call is issued: a refresh issued after it (same connection, so it runs
			// after it) must extend this holder, not miss it, and none issued before can add it.
			local.set(holder, {userId, status, ...(reason === undefined ? {} : {reason})});
			const reply = await call(`joining ${room}`, 'natterPresenceAdd', [keys.presence, keys.members], [
				holder,
				userId,
				status,
				reason === undefined ? 0 : 1,
				reason ?? '',
				holderTtlMs,
				...presenceArgs(room, keys),
			]);
			return reply === 1;
		},

		async presenceRemove(room, userId, holder): Promise<boolean> {
			const keys = roomKeys(prefix, room);
			// Forgotten before the call, so no later refresh can bring the holder back.
			const local = holders.get(room);
			local?.delete(holder);
			if (local?.size === 0) holders.delete(room);
			const reply = await call(`leaving ${room}`, 'natterPresenceRemove', [keys.presence, keys.members], [holder, userId, ...presenceArgs(room, keys)]);
			return reply === 1;
		},

		async presenceStatus(room, userId, holder, status, reason) {
			const keys = roomKeys(prefix, room);
			const local = holders.get(room)?.get(holder);
			if (local) {
				local.status = status;
				if (reason === undefined) delete local.reason;
				else local.reason = reason;
			}
			const reply = await call(`changing ${userId}'s status in ${room}`, 'natterPresenceStatus', [keys.presence, keys.members], [
				holder,
				userId,
				status,
				reason === undefined ? 0 : 1,
				reason ?? '',
			]);
			if (reply === null) return undefined;
			return JSON.parse(String(reply)) as {before: Member; after: Member};
		},

		async members(room: string): Promise<Member[]> {
			const keys = roomKeys(prefix, room);
			const reply = (await call(`listing ${room}`, 'natterPresenceMembers', [keys.presence, keys.members], presenceArgs(room, keys))) as string[];
			return reply
				.map(text => JSON.parse(text) as {o: number; m: Member})
				.sort((a, b) => a.o - b.o)
				.map(entry => entry.m);
		},

		async announce(event: PresenceEvent): Promise<void> {
			const keys = roomKeys(prefix, event.room);
			const tag = nonce();
			if (unreachable()) throw refuse(`announcing ${event.action} in ${event.room}`);
			await echoed(event.room, tag, async () => {
				try {
					await command.publish(keys.channel, JSON.stringify({...event, n: tag}));
				} catch (error) {
					throw new EngineUnavailableError(`announcing ${event.action} in ${event.room} failed: Redis at ${where} did not answer (${(error as Error).message})`);
				}
			});
		},

		watch: target => link.watch(target),
		unwatch: target => link.unwatch(target),

		on(listener): void {
			link.on(listener);
		},

		async ready(): Promise<boolean> {
			// While the first connection is still being made, a PING waits for it (bounded by the command timeout).
			if (unreachable()) return false;
			try {
				return (await command.ping()) === 'PONG';
			} catch {
				return false;
			}
		},

		close(): Promise<void> {
			// Holders are left to expire: a user whose node stops and who reconnects elsewhere
			// within the TTL causes no leave/join pair, and one who does not is swept within the TTL.
			closed ??= (async () => {
				clearInterval(refreshTimer);
				link.close();
				await Promise.all([quit(subscriber), quit(command)]);
			})();
			return closed;
		},
	};
}

/** Only the engine settings, so `undefined`s from callers do not override the defaults. */
function pickEngineOptions(options: RedisEngineOptions): Partial<EngineOptions> {
	const picked: Partial<EngineOptions> = {};
	if (options.historySize !== undefined) picked.historySize = options.historySize;
	if (options.historyTtl !== undefined) picked.historyTtl = options.historyTtl;
	if (options.dedupeWindow !== undefined) picked.dedupeWindow = options.dedupeWindow;
	if (options.now !== undefined) picked.now = options.now;
	return picked;
}

/** Nonces that mark this node's own events, so it can tell when one came back. */
function nonceFactory(nodeId: string): () => string {
	const base = `${nodeId}.${newToken().slice(0, 6)}.`;
	let counter = 0;
	return () => base + (++counter).toString(36);
}

/** `host:port` of a Redis URL, without credentials, for messages. */
function describe(url: string): string {
	try {
		const parsed = new URL(url);
		return `${parsed.protocol}//${parsed.host}`;
	} catch {
		return 'the configured Redis';
	}
}

/** Log the start and the end of an outage once each, not every retry. */
function reportOutages(redis: Redis, role: string, where: string, log: (line: string) => void): void {
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

async function quit(redis: Redis): Promise<void> {
	if (redis.status === 'ready') {
		try {
			await redis.quit();
			return;
		} catch {
			// Fall through: drop the connection.
		}
	}
	redis.disconnect();
}
