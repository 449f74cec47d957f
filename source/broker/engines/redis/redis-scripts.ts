import type {Cluster, Redis} from 'ioredis';
import {PRESENCE_SCRIPTS} from './presence-scripts.js';

/**
 * The Redis engine's Lua scripts. Each runs atomically inside Redis, and each touches the keys
 * of exactly one room (all under that room's hash tag), so they stay valid on Redis Cluster.
 * Redis refuses a script at its first write when out of memory, never half-way, and every
 * PUBLISH comes after the writes, so other nodes hear only of what was stored. With
 * `appendfsync always`, Redis fsyncs the AOF before it answers, so an acknowledged publish is on disk.
 */

/** Shared Lua helpers, prepended to the scripts that need them. */
const HELPERS = `
local function get_or_set(key, value)
	local stored = redis.call('GET', key)
	if stored then return stored end
	redis.call('SET', key, value)
	return value
end

-- The epoch of a room with nothing stored: derived from the room (ARGV's "base candidate": a hash
-- of its name, and a new generation to set if its slot has none) and its slot's generation,
-- so every node derives the same one, and a shard that lost its data derives new ones.
local function unseen_epoch(generation_key, arg)
	local base, candidate = string.match(arg, '^(%S+) (.+)$')
	return 'u' .. string.sub(redis.sha1hex(base .. ':' .. get_or_set(generation_key, candidate)), 1, 12)
end

-- Drop messages stored before cutoff from the front. Members are "<stored at>|<message JSON>":
-- the age is the engine clock's at store time, read without decoding any JSON.
local function trim_age(key, cutoff)
	while true do
		local batch = redis.call('ZRANGE', key, 0, 31)
		if #batch == 0 then return end
		local expired = 0
		for i = 1, #batch do
			if tonumber(string.match(batch[i], '^(%d+)|')) < cutoff then expired = i else break end
		end
		if expired == 0 then return end
		redis.call('ZREMRANGEBYRANK', key, 0, expired - 1)
		if expired < #batch then return end
	end
end
`;

/**
 * publish: dedupe check, INCR, append + trim, remember the clientId, set the topic, PUBLISH — one step.
 * KEYS: seq, epoch, history, dedupe (the sender's hash), dedupe order (the sender's sorted set), topic, generation.
 * ARGV: unseen epoch's "base candidate" (see unseen_epoch), message JSON up to `"sequence":`, the rest of the message JSON,
 * history size, dedupe window ms (0: no clientId), now on the engine clock (ms), age cutoff ms
 * (0: no TTL), clientId, the remembered record's JSON up to `"sequence":`, the most clientIds
 * kept per (room, sender), event JSON head, topic mode ('' no change, 'set', 'del'), topic text, channel...
 * Returns {duplicate, epoch, sequence | the original's `{id, timestamp, sequence}` JSON}.
 */
const PUBLISH = `${HELPERS}
-- Read first: the room's unseen epoch is derived only for its first publish.
local epoch = redis.call('GET', KEYS[2])
if not epoch then
	epoch = unseen_epoch(KEYS[7], ARGV[1])
	redis.call('SET', KEYS[2], epoch)
end
local window = tonumber(ARGV[5])
local now = tonumber(ARGV[6])
local client_id = ARGV[8]
if window > 0 then
	-- Forget this sender's expired ids first (the sorted set holds them in expiry order).
	local expired = redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', ARGV[6])
	if #expired > 0 then
		redis.call('HDEL', KEYS[4], unpack(expired))
		redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', ARGV[6])
	end
	-- The entry is epoch, expiry on the engine clock, the original's id/timestamp/sequence: after
	-- clear_history the same clientId is new again, and the window is measured on the engine clock.
	local seen = redis.call('HGET', KEYS[4], client_id)
	if seen then
		local seen_epoch, expires, original = string.match(seen, '^([^\\n]*)\\n(%d+)\\n(.*)$')
		if seen_epoch == epoch and tonumber(expires) > now then return {1, epoch, original} end
	end
end
local seq = redis.call('INCR', KEYS[1])
local message = ARGV[2] .. seq .. ARGV[3]
redis.call('ZADD', KEYS[3], seq, string.format('%.0f', now) .. '|' .. message)
redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -(tonumber(ARGV[4]) + 1))
local cutoff = tonumber(ARGV[7])
if cutoff > 0 then trim_age(KEYS[3], cutoff) end
if window > 0 then
	-- Only the small record, never the message; at most ARGV[10] per (room, sender), oldest out first.
	local expires = string.format('%.0f', now + window)
	redis.call('HSET', KEYS[4], client_id, epoch .. '\\n' .. expires .. '\\n' .. ARGV[9] .. seq .. '}')
	redis.call('ZADD', KEYS[5], expires, client_id)
	local over = redis.call('ZCARD', KEYS[5]) - tonumber(ARGV[10])
	if over > 0 then
		redis.call('HDEL', KEYS[4], unpack(redis.call('ZRANGE', KEYS[5], 0, over - 1)))
		redis.call('ZREMRANGEBYRANK', KEYS[5], 0, over - 1)
	end
	-- Both keys go with the window after the sender's last publish (a minute of slack for clock skew between nodes).
	redis.call('PEXPIRE', KEYS[4], window + 60000)
	redis.call('PEXPIRE', KEYS[5], window + 60000)
end
if ARGV[12] == 'set' then redis.call('SET', KEYS[6], ARGV[13])
elseif ARGV[12] == 'del' then redis.call('DEL', KEYS[6]) end
local event = ARGV[11] .. ',"epoch":' .. cjson.encode(epoch) .. ',"message":' .. message .. '}'
for i = 14, #ARGV do redis.call('PUBLISH', ARGV[i], event) end
return {0, epoch, seq}
`;

/**
 * read: the room's state and, in `range` mode, one page of history, as one snapshot. Writes
 * nothing but age trimming and its slot's generation (once per slot, 16,384 at most): a room
 * nobody published to reads as sequence 0 of its unseen epoch (the same on every node) and stays
 * unstored (issue 16.6).
 * KEYS: seq, epoch, history, topic, generation. ARGV: unseen epoch's "base candidate", age cutoff ms (0: none), mode (`state` or
 * `range`), min score, max score, limit (-1: none), newest first (1/0).
 * Returns {sequence, epoch, first, members, topic or nil}; each member is `<stored at>|<message JSON>`.
 */
const READ = `${HELPERS}
local epoch = redis.call('GET', KEYS[2]) or unseen_epoch(KEYS[5], ARGV[1])
local seq = tonumber(redis.call('GET', KEYS[1]) or '0')
local cutoff = tonumber(ARGV[2])
if cutoff > 0 then trim_age(KEYS[3], cutoff) end
local oldest = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
local first = seq + 1
if #oldest > 0 then first = tonumber(oldest[2]) end
local messages = {}
if ARGV[3] == 'range' then
	local limit = tonumber(ARGV[6])
	if ARGV[7] == '1' then
		messages = redis.call('ZREVRANGEBYSCORE', KEYS[3], ARGV[5], ARGV[4], 'LIMIT', 0, limit)
	elseif limit >= 0 then
		messages = redis.call('ZRANGEBYSCORE', KEYS[3], ARGV[4], ARGV[5], 'LIMIT', 0, limit)
	else
		messages = redis.call('ZRANGEBYSCORE', KEYS[3], ARGV[4], ARGV[5])
	end
end
return {seq, epoch, first, messages, redis.call('GET', KEYS[4])}
`;

/** clear: new epoch, sequence back to 0, history gone (the topic stays), `cleared` announced. KEYS: seq, epoch, history. ARGV: new epoch, event JSON, channel. */
const CLEAR = `
redis.call('SET', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[1], KEYS[3])
redis.call('PUBLISH', ARGV[3], ARGV[2])
return 1
`;

/** cursor: move forward within an epoch, or replace on a new epoch; a cursor at 0 is not stored. KEYS: cursors. ARGV: userId, epoch, sequence. */
const CURSOR = `
if tonumber(ARGV[3]) == 0 then return 0 end
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old then
	local epoch, seq = string.match(old, '^(.*):(%d+)$')
	if epoch == ARGV[2] and tonumber(seq) >= tonumber(ARGV[3]) then return 0 end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ':' .. ARGV[3])
return 1
`;

export type ScriptSpec = {keys: number; lua: string};

/** Every script with its key count; the names become ioredis commands (EVALSHA, falling back to EVAL). */
export const SCRIPTS = {
	natterPublish: {keys: 7, lua: PUBLISH},
	natterRead: {keys: 5, lua: READ},
	natterClear: {keys: 3, lua: CLEAR},
	natterCursor: {keys: 1, lua: CURSOR},
	...PRESENCE_SCRIPTS,
} satisfies Record<string, ScriptSpec>;

export type ScriptName = keyof typeof SCRIPTS;

/** Calls one script: keys first, then arguments; resolves with Redis's raw reply. */
export type ScriptRunner = (name: ScriptName, keys: string[], args: Array<string | number>) => Promise<unknown>;

/**
 * Register the scripts on a connection (ioredis `defineCommand`: EVALSHA, and EVAL when Redis
 * answers NOSCRIPT, as it does after a restart) and return a typed way to call them.
 */
export function defineScripts(redis: Redis | Cluster, sharded = false): ScriptRunner {
	for (const name of Object.keys(SCRIPTS) as ScriptName[]) redis.defineCommand(name, {numberOfKeys: SCRIPTS[name].keys, lua: scriptLua(name, sharded)});
	const commands = redis as unknown as Record<ScriptName, (...args: Array<string | number>) => Promise<unknown>>;
	return (name, keys, args) => commands[name](...keys, ...args);
}

/** A script's Lua as it runs: on a cluster its PUBLISHes are SPUBLISHes. */
export function scriptLua(name: ScriptName, sharded: boolean): string {
	// On a cluster, events go by SPUBLISH: Redis accepts it in a script when the channel is in
	// the slot of the script's keys, which every channel a script publishes on is (`{room}`).
	const {lua} = SCRIPTS[name];
	return sharded ? lua.replaceAll("redis.call('PUBLISH'", "redis.call('SPUBLISH'") : lua;
}
