import type {Cluster, Redis} from 'ioredis';

/**
 * The Redis engine's Lua scripts. Each runs atomically inside Redis, and each touches the keys
 * of exactly one room (all under that room's hash tag), so they stay valid on Redis Cluster.
 * Redis refuses a script at its first write when out of memory, never half-way, and every
 * PUBLISH comes after the writes, so other nodes hear only of what was stored. With
 * `appendfsync always`, Redis fsyncs the AOF before it answers, so an acknowledged publish is on disk.
 */

/** Shared Lua helpers, prepended to the scripts that need them. */
const HELPERS = `
local function ensure_epoch(key, candidate)
	local epoch = redis.call('GET', key)
	if not epoch then
		redis.call('SET', key, candidate)
		epoch = candidate
	end
	return epoch
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
 * KEYS: seq, epoch, history, dedupe (the sender's hash), dedupe order (the sender's sorted set), topic.
 * ARGV: epoch candidate, message JSON up to `"sequence":`, the rest of the message JSON,
 * history size, dedupe window ms (0: no clientId), now on the engine clock (ms), age cutoff ms
 * (0: no TTL), clientId, the remembered record's JSON up to `"sequence":`, the most clientIds
 * kept per (room, sender), event JSON head, topic mode ('' no change, 'set', 'del'), topic text, channel...
 * Returns {duplicate, epoch, sequence | the original's `{id, timestamp, sequence}` JSON}.
 */
const PUBLISH = `${HELPERS}
local epoch = ensure_epoch(KEYS[2], ARGV[1])
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
 * nothing but age trimming: a room nobody published to reads as sequence 0 of its unseen epoch
 * (ARGV[1], the same on every node) and stays unstored (issue 16.6).
 * KEYS: seq, epoch, history, topic. ARGV: unseen epoch, age cutoff ms (0: none), mode (`state` or
 * `range`), min score, max score, limit (-1: none), newest first (1/0).
 * Returns {sequence, epoch, first, members, topic or nil}; each member is `<stored at>|<message JSON>`.
 */
const READ = `${HELPERS}
local epoch = redis.call('GET', KEYS[2]) or ARGV[1]
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

/**
 * Presence helpers. KEYS[1] = presence (sorted set `holder userId` -> expiry), KEYS[2] = members
 * (hash userId -> {o, l}). The sweep removes expired holders (of nodes that died or lost Redis)
 * and, inside the same atomic step, announces `leave` for each user left without a live
 * holder: whichever node's script removes a user's last holder is the one node that announces.
 */
const PRESENCE_HELPERS = `
local function now_ms()
	local t = redis.call('TIME')
	return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function presence_event(channel, room_json, user, action, status, reason, now)
	local event = '{"type":"presence","room":' .. room_json .. ',"userId":' .. cjson.encode(user)
		.. ',"action":"' .. action .. '","status":' .. cjson.encode(status)
	if reason then event = event .. ',"reason":' .. cjson.encode(reason) end
	redis.call('PUBLISH', channel, event .. ',"timestamp":' .. string.format('%.0f', now) .. '}')
end

-- Remove one holder from its user's entry; true when the user has no holder left.
local function drop(holder, user)
	local raw = redis.call('HGET', KEYS[2], user)
	if not raw then return false end
	local entry = cjson.decode(raw)
	local kept = {}
	for _, e in ipairs(entry.l) do
		if e.h ~= holder then kept[#kept + 1] = e end
	end
	if #kept == 0 then
		redis.call('HDEL', KEYS[2], user)
		return true
	end
	entry.l = kept
	redis.call('HSET', KEYS[2], user, cjson.encode(entry))
	return false
end

-- Put one holder in its user's entry; true when the user had no entry (was not present).
local function put(holder, user, status, reason)
	local raw = redis.call('HGET', KEYS[2], user)
	local item = {h = holder, s = status, r = reason}
	if not raw then
		local order = redis.call('HINCRBY', KEYS[2], '', 1)
		redis.call('HSET', KEYS[2], user, cjson.encode({o = order, l = {item}}))
		return true
	end
	local entry = cjson.decode(raw)
	local found = false
	for i, e in ipairs(entry.l) do
		if e.h == holder then entry.l[i] = item; found = true end
	end
	if not found then entry.l[#entry.l + 1] = item end
	redis.call('HSET', KEYS[2], user, cjson.encode(entry))
	return false
end

local function sweep(now, announce, channel, room_json)
	local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, 1000)
	for _, member in ipairs(expired) do
		redis.call('ZREM', KEYS[1], member)
		local holder, user = string.match(member, '^(.*) ([^ ]+)$')
		if holder and drop(holder, user) and announce == '1' then
			presence_event(channel, room_json, user, 'leave', 'online', nil, now)
		end
	end
end

local function reason_arg(flag, text)
	if flag == '1' then return text end
	return nil
end
`;

/** presence_add. ARGV: holder, userId, status, has reason, reason, holder TTL ms, announce (1/0), channel, room JSON. Returns 1 when the user was absent. */
const PRESENCE_ADD = `${PRESENCE_HELPERS}
local now = now_ms()
sweep(now, ARGV[7], ARGV[8], ARGV[9])
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[6]), ARGV[1] .. ' ' .. ARGV[2])
if put(ARGV[1], ARGV[2], ARGV[3], reason_arg(ARGV[4], ARGV[5])) then return 1 end
return 0
`;

/** presence_remove. ARGV: holder, userId, announce, channel, room JSON. Returns 1 when it was the user's last holder. */
const PRESENCE_REMOVE = `${PRESENCE_HELPERS}
local now = now_ms()
sweep(now, ARGV[3], ARGV[4], ARGV[5])
-- Already swept (it had expired): the sweep announced the leave, so report nothing here.
if redis.call('ZREM', KEYS[1], ARGV[1] .. ' ' .. ARGV[2]) == 0 then return 0 end
if drop(ARGV[1], ARGV[2]) then return 1 end
return 0
`;

/**
 * presence_status. ARGV: holder, userId, status, has reason, reason. Returns JSON {before, after},
 * the user's holder lists before and after the change (the node combines each into one status, as
 * for a listing), or nil for an unknown holder.
 */
const PRESENCE_STATUS = `${PRESENCE_HELPERS}
local raw = redis.call('HGET', KEYS[2], ARGV[2])
if not raw then return false end
local entry = cjson.decode(raw)
local index = nil
for i, e in ipairs(entry.l) do
	if e.h == ARGV[1] then index = i end
end
if not index then return false end
local before = cjson.encode(entry.l)
entry.l[index] = {h = ARGV[1], s = ARGV[3], r = reason_arg(ARGV[4], ARGV[5])}
local after = cjson.encode(entry.l)
redis.call('HSET', KEYS[2], ARGV[2], cjson.encode(entry))
return '{"before":' .. before .. ',"after":' .. after .. '}'
`;

/**
 * presence_members: sweep, then the raw members hash (userId -> {o, l}, and the '' counter).
 * Combining holders into one status happens on the node: a listing runs once per join, so
 * decoding every member here made each join cost the shared Redis O(room) in Lua.
 * ARGV: announce, channel, room JSON.
 */
const PRESENCE_MEMBERS = `${PRESENCE_HELPERS}
sweep(now_ms(), ARGV[1], ARGV[2], ARGV[3])
return redis.call('HGETALL', KEYS[2])
`;

/**
 * presence_refresh: extend this node's holders, re-add any that vanished (swept during a
 * partition from Redis, or lost with a Redis that restarted without persistence) announcing
 * `join` for users that come back, then sweep everyone else's expired holders.
 * ARGV: holder TTL ms, announce, channel, room JSON, then per holder: holder, userId, status, has reason, reason.
 */
const PRESENCE_REFRESH = `${PRESENCE_HELPERS}
local now = now_ms()
local expires = now + tonumber(ARGV[1])
for i = 5, #ARGV - 4, 5 do
	local holder, user, status = ARGV[i], ARGV[i + 1], ARGV[i + 2]
	local reason = reason_arg(ARGV[i + 3], ARGV[i + 4])
	local member = holder .. ' ' .. user
	if redis.call('ZADD', KEYS[1], expires, member) == 1 then
		if put(holder, user, status, reason) and ARGV[2] == '1' then
			presence_event(ARGV[3], ARGV[4], user, 'join', status, reason, now)
		end
	end
end
sweep(now, ARGV[2], ARGV[3], ARGV[4])
return 1
`;

type ScriptSpec = {keys: number; lua: string};

/** Every script with its key count; the names become ioredis commands (EVALSHA, falling back to EVAL). */
export const SCRIPTS = {
	natterPublish: {keys: 6, lua: PUBLISH},
	natterRead: {keys: 4, lua: READ},
	natterClear: {keys: 3, lua: CLEAR},
	natterCursor: {keys: 1, lua: CURSOR},
	natterPresenceAdd: {keys: 2, lua: PRESENCE_ADD},
	natterPresenceRemove: {keys: 2, lua: PRESENCE_REMOVE},
	natterPresenceStatus: {keys: 2, lua: PRESENCE_STATUS},
	natterPresenceMembers: {keys: 2, lua: PRESENCE_MEMBERS},
	natterPresenceRefresh: {keys: 2, lua: PRESENCE_REFRESH},
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
