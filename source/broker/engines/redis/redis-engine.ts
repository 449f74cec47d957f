import {createHash} from 'node:crypto';
import type {ChatMessage} from '../../../protocol/messages.js';
import {directParties} from '../../../protocol/names.js';
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
	type PublishedRef,
	type RoomState,
} from '../engine.js';
import {newEpoch, newMessageIdFactory, newToken} from '../../ids.js';
import {RedisConnection} from './redis-connection.js';
import {redisDirectRooms} from './direct-rooms-redis.js';
import {redisNameKeyStore} from './name-key-store-redis.js';
import {RedisEventLink} from './redis-event-link.js';
import {roomKeys, userChannel, type RoomKeys} from './redis-keys.js';
import {RedisPresence} from './redis-presence.js';
import {BROKER_DEFAULTS} from '../../broker-defaults.js';
import {defined} from '../../../defined.js';

export {EngineUnavailableError} from './redis-connection.js';

/** Settings of the Redis engine on top of every engine's. */
export type RedisEngineOptions = Partial<EngineOptions> & {
	/** Prepended to every key and channel; nodes that should form one broker share it. Default `natter:`. */
	prefix?: string;
	/** This node's name in Redis's CLIENT LIST (`natter:<nodeId>:cmd`). Default random. */
	nodeId?: string;
	/** The longest a dead node's users stay in presence panels, in ms. Default 15000. */
	presenceTtlMs?: number;
	/** How long one Redis call may take before it fails as unavailable, in ms. Default 5000. */
	commandTimeoutMs?: number;
	/**
	 * Acknowledge a publish only after this many replicas of its master have it (`WAIT`), so an
	 * acknowledged message survives the master's failover; fewer in time: `unavailable`. Default 0.
	 */
	waitReplicas?: number;
	/** How long a publish waits for those replicas, in ms (below commandTimeoutMs). Default 1000. */
	waitTimeoutMs?: number;
	/** Where connection trouble is reported (once per outage, not per retry). */
	log?: (line: string) => void;
};

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
 *   instead of mistaking new messages for old. `maxmemory-policy` must not evict these keys.
 *   Replication is asynchronous: a failover loses what the replica had not received, unless
 *   `waitReplicas` makes a publish wait (WAIT, see runReplicated) until that many replicas have it;
 *   fewer in time fails it as unavailable (it may be stored: the retry's clientId is recognised).
 * - Deduplication: clientIds live in Redis (expiring on the engine clock after the dedupe
 *   window), so a retry through another node is still a duplicate.
 * - Delivery across nodes: Redis pub/sub, which is lossy. The event link catches up from history
 *   after each reconnect and the hub repairs any hole by sequence. A direct message is published
 *   to both parties' user channels, so it reaches every node with a connection of either.
 * - Presence: see RedisPresence; a dead node's users leave within `presenceTtlMs`, announced once.
 * - Redis down: calls fail fast with `EngineUnavailableError` (nothing is queued or replayed, so
 *   a publish is never acknowledged without being stored nor stored twice by a resend); sockets
 *   stay up; ioredis reconnects with backoff and resubscribes, the link catches up, presence is
 *   refreshed back. A publish whose reply was lost in a drop may have been stored: its sender is
 *   told `unavailable`, and a retry with the same clientId is recognised as a duplicate.
 * - Redis Cluster (`redis+cluster://`): keys of one room share a hash tag, so every script is
 *   single-slot and runs on that slot's master; events go by sharded pub/sub (SPUBLISH inside the
 *   script, SSUBSCRIBE per shard), so a node hears only the shards of the rooms and users it
 *   watches. A DM's user channels are on other slots: the node publishes to them after the
 *   script. When a master dies, calls to its slots fail as unavailable until its replica is
 *   promoted (cluster-node-timeout plus a slot refresh), then resume; the link catches up.
 * - Redis Sentinel (`redis+sentinel://`): as on one server; after a drop, or a READONLY reply from
 *   a demoted master, the connection asks the sentinels for the master again.
 */
export function createRedisEngine(url: string, options: RedisEngineOptions = {}): Engine {
	const settings: EngineOptions = {...DEFAULT_ENGINE_OPTIONS, ...pickEngineOptions(options)};
	const now = settings.now ?? Date.now;
	const prefix = options.prefix ?? 'natter:';
	// A brace in the prefix would become the keys' hash tag on a Cluster: a room's keys would part from their slot's generation.
	if (/[{}]/.test(prefix)) throw new TypeError(`the Redis key prefix must not contain { or }: ${JSON.stringify(prefix)}`);
	const nodeId = options.nodeId ?? newEpoch();
	const log = options.log ?? (() => {});
	const nextId = newMessageIdFactory();
	const nonce = nonceFactory(nodeId);

	const redis = new RedisConnection(url, {nodeId, commandTimeoutMs: options.commandTimeoutMs ?? 5000, log});
	const replicas = options.waitReplicas ?? 0;
	const wait = replicas > 0 ? {replicas, timeoutMs: options.waitTimeoutMs ?? 1000} : undefined;
	const link = new RedisEventLink({
		subscriber: redis.subscriber,
		sharded: redis.sharded,
		prefix,
		room: room => readState(room),
		history: (room, since) => read(room, 'range', {since}),
		log,
	});
	const presence = new RedisPresence({redis, prefix, nodeId, ttlMs: options.presenceTtlMs ?? BROKER_DEFAULTS.presenceTtlMs, settled: room => link.settled(room), log});

	/** Messages stored before this (engine clock, ms) are out of history; 0 without a TTL. */
	function cutoff(): number {
		return settings.historyTtl > 0 ? now() - settings.historyTtl * 1000 : 0;
	}

	/** The room's state and, in `range` mode, one page of history: one snapshot, from one script. */
	async function read(room: string, mode: 'state' | 'range', query: HistoryQuery): Promise<HistoryPage> {
		await link.settled(room);
		const keys = roomKeys(prefix, room);
		const newestFirst = query.before !== undefined && query.since === undefined && query.limit !== undefined;
		const reply = (await redis.script(`reading ${room}`, 'natterRead', [keys.seq, keys.epoch, keys.history, keys.topic, keys.generation], [
			unseenEpoch(room, nonce()),
			cutoff(),
			mode,
			query.since === undefined ? '-inf' : `(${query.since}`,
			query.before === undefined ? '+inf' : `(${query.before}`,
			query.limit ?? -1,
			newestFirst ? 1 : 0,
		])) as [number, string, number, string[], string | null | undefined];
		const [sequence, epoch, first, members, topic] = reply;
		// Members are `<stored at>|<message JSON>`; the time is only for TTL trimming.
		const messages = members.map(member => JSON.parse(member.slice(member.indexOf('|') + 1)) as ChatMessage);
		if (newestFirst) messages.reverse();
		return {sequence: Number(sequence), epoch, first: Number(first), ...(typeof topic === 'string' ? {topic} : {}), messages};
	}

	async function readState(room: string): Promise<RoomState> {
		const {messages: _messages, ...state} = await read(room, 'state', {});
		return state;
	}

	/** Where a room's events go: its own channel, or for a DM both parties' user channels. */
	function channelsOf(room: string, keys: RoomKeys): string[] {
		const parties = directParties(room);
		if (!parties) return [keys.channel];
		const [a, b] = parties;
		return a === b ? [userChannel(prefix, a)] : [userChannel(prefix, a), userChannel(prefix, b)];
	}

	/**
	 * A DM's event to its parties' user channels, on a cluster, where they live on other slots than
	 * the DM's keys. Not atomic with the store: two DMs from two nodes may arrive out of order (the
	 * link and the hub put them back in order from history), and one lost here (its shard just
	 * failed) is repaired when the next DM of that room shows the hole. The message is stored and
	 * acknowledged either way: failing the publish would only make its sender retry a duplicate.
	 */
	async function fanOutDirect(room: string, channels: string[], event: string): Promise<void> {
		await Promise.all(
			channels.map(channel => redis.publish(`telling ${room}'s parties`, channel, event).catch((error: Error) => log(`redis: ${error.message}`))),
		);
	}

	/**
	 * Run `work`, then wait (briefly) until this node's listeners have seen the event it published:
	 * as with the memory engine, a sender on this node gets its `message` before its `published`.
	 */
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

	let closed: Promise<void> | undefined;

	return {
		kind: 'redis',
		nameKeys: redisNameKeyStore(redis, prefix),
		directRooms: redisDirectRooms(redis, prefix),

		async publish(input: PublishInput): Promise<PublishResult> {
			const keys = roomKeys(prefix, input.room);
			const id = nextId();
			// The script splices the sequence in between: the stored bytes keep the seed's field order.
			const head = `{"id":${JSON.stringify(id)},"room":${JSON.stringify(input.room)},"sender":${JSON.stringify(input.sender)},"content":${JSON.stringify(input.content)},"sequence":`;
			const tail = `,"timestamp":${JSON.stringify(input.timestamp)}${input.data === undefined ? '' : `,"data":${JSON.stringify(input.data)}`}}`;
			const tag = nonce();
			const eventHead = `{"type":"message","room":${JSON.stringify(input.room)},"n":${JSON.stringify(tag)}`;
			const channels = channelsOf(input.room, keys);
			// On a cluster a script may publish only within its own slot: a DM's user channels are on
			// other slots, so the node publishes those itself, after the script (see fanOutDirect).
			const outside = redis.sharded && directParties(input.room) !== undefined;
			const reply = await echoed<[number, string, number | string]>(input.room, tag, async () => {
				const scriptKeys = [keys.seq, keys.epoch, keys.history, keys.dedupe(input.sender), keys.dedupeOrder(input.sender), keys.topic, keys.generation];
				const scriptArgs = [
					// The room's first publish keeps the epoch its readers were told (see unseenEpoch).
					unseenEpoch(input.room, nonce()),
					head,
					tail,
					settings.historySize,
					input.clientId === undefined ? 0 : settings.dedupeWindow,
					now(),
					cutoff(),
					input.clientId ?? '',
					`{"id":${JSON.stringify(id)},"timestamp":${JSON.stringify(input.timestamp)},"sequence":`,
					settings.dedupeKeys,
					eventHead,
					input.topic === undefined ? '' : input.topic === '' ? 'del' : 'set',
					input.topic ?? '',
					...(outside ? [] : channels),
				];
				const what = `publish to ${input.room}`;
				const stored = (await (wait ? redis.scriptReplicated(what, 'natterPublish', scriptKeys, scriptArgs, wait) : redis.script(what, 'natterPublish', scriptKeys, scriptArgs))) as [number, string, number | string];
				if (outside && stored[0] === 0) await fanOutDirect(input.room, channels, `${eventHead},"epoch":${JSON.stringify(stored[1])},"message":${head}${stored[2]}${tail}}`);
				return stored;
			});
			const [duplicate, epoch, value] = reply;
			if (duplicate === 1) {
				const {id: originalId, sequence, timestamp} = JSON.parse(String(value)) as PublishedRef;
				return {message: {id: originalId, sequence, timestamp}, epoch, duplicate: true};
			}
			const message: ChatMessage = {
				id,
				room: input.room,
				sender: input.sender,
				content: input.content,
				sequence: Number(value),
				timestamp: input.timestamp,
				...defined({data: input.data}),
			};
			return {message, epoch, duplicate: false};
		},

		room: readState,

		history(room: string, query: HistoryQuery): Promise<HistoryPage> {
			return read(room, 'range', query);
		},

		async clearHistory(room: string, by: string): Promise<RoomState> {
			const keys = roomKeys(prefix, room);
			const epoch = newEpoch();
			const tag = nonce();
			const event = JSON.stringify({type: 'cleared', room, epoch, by, n: tag});
			await echoed(room, tag, () => redis.script(`clearing ${room}`, 'natterClear', [keys.seq, keys.epoch, keys.history], [epoch, event, keys.channel]));
			// The topic stays (a room's, not its history's); read it for the answer.
			const topic = await redis.request(`reading ${room}'s topic`, () => redis.command.get(keys.topic));
			return {sequence: 0, epoch, first: 1, ...(topic === null ? {} : {topic})};
		},

		async setCursor(userId: string, room: string, cursor: Cursor): Promise<void> {
			const keys = roomKeys(prefix, room);
			await redis.script(`saving ${userId}'s position in ${room}`, 'natterCursor', [keys.cursors], [userId, cursor.epoch, cursor.sequence]);
		},

		async getCursor(userId: string, room: string): Promise<Cursor | undefined> {
			const keys = roomKeys(prefix, room);
			const raw = await redis.request(`reading ${userId}'s position in ${room}`, () => redis.command.hget(keys.cursors, userId));
			const match = raw === null ? null : /^(.*):(\d+)$/s.exec(raw);
			return match ? {epoch: match[1]!, sequence: Number(match[2])} : undefined;
		},

		presenceAdd: (room, userId, holder, status, reason) => presence.add(room, userId, holder, status, reason),
		presenceRemove: (room, userId, holder) => presence.remove(room, userId, holder),
		presenceStatus: (room, userId, holder, status, reason) => presence.status(room, userId, holder, status, reason),
		members: room => presence.members(room),

		async announce(event: PresenceEvent): Promise<void> {
			const {channel} = roomKeys(prefix, event.room);
			const tag = nonce();
			const payload = JSON.stringify({...event, n: tag});
			await echoed(event.room, tag, () => redis.publish(`announcing ${event.action} in ${event.room}`, channel, payload));
		},

		watch: target => link.watch(target),
		unwatch: target => link.unwatch(target),

		on(listener): void {
			link.on(listener);
		},

		ready: () => redis.ping(),

		close(): Promise<void> {
			// Holders are left to expire: a user whose node stops and who reconnects elsewhere
			// within the TTL causes no leave/join pair, and one who does not is swept within the TTL.
			closed ??= (async () => {
				presence.close();
				link.close();
				await redis.close();
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
	if (options.dedupeKeys !== undefined) picked.dedupeKeys = options.dedupeKeys;
	if (options.now !== undefined) picked.now = options.now;
	return picked;
}

/** Values no call on any node used before: they mark this node's own events (so it can tell when one came back), and are a slot's new generation when it has none (see unseenEpoch). */
function nonceFactory(nodeId: string): () => string {
	const base = `${nodeId}.${newToken().slice(0, 6)}.`;
	let counter = 0;
	return () => base + (++counter).toString(36);
}

/**
 * What the scripts derive the epoch of a room with nothing stored from (`unseen_epoch` in
 * redis-scripts.ts): a hash of the room's name, and `candidate` (a value no call used before: the
 * engine's nonce) as the generation of its slot should the slot have none yet. The result is the same on every node and stored nowhere per room, so
 * reading an unknown room writes nothing for it (issue 16.6), and the first publish stores this
 * same epoch, so a subscriber that joined the empty room stays in the room's epoch (a random one
 * there made every early subscriber see the room start over). A shard that loses its data (a
 * restart without persistence) loses its slots' generations with the rooms: their next epochs
 * are new ones, and every subscriber sees the room start over instead of its messages numbered
 * from 1 again in the epoch it holds (and dropped as already seen). Clearing history still
 * starts a new random epoch. Keys evicted one by one (a `maxmemory` policy other than
 * `noeviction`) can lose a room but keep its slot's generation: README asks for `noeviction`.
 */
function unseenEpoch(room: string, candidate: string): string {
	return `${createHash('sha256').update(room).digest('hex').slice(0, 12)} ${candidate}`;
}
