import {directParties} from '../../../protocol/names.js';
import type {RoomKeys} from './redis-keys.js';

/**
 * The Redis engine's presence scripts (see RedisPresence for the design). The room scripts touch
 * the two presence keys of one room; the lease script touches the two lease keys, which share
 * one hash tag: every script stays within one Redis Cluster slot.
 *
 * A room's presence: a sorted set of holders (`holder userId`) and a hash of users with their
 * holders' statuses. A holder is stored as `lease|holder`, scored `+inf`: it lives as long as its
 * node's lease, and the node that finds the lease expired evicts it. Holders scored with a time
 * are those of natter before leases (≤ 0.x nodes in a rolling upgrade): every room script still
 * sweeps those once that time has passed, as those nodes expect.
 */

/**
 * Shared helpers. KEYS[1] = presence (sorted set), KEYS[2] = members (hash userId -> {o, l}).
 * Whichever script removes a user's last holder announces the `leave`, inside the same atomic
 * step: exactly one node announces it, and only if no node still holds the user.
 */
const HELPERS = `
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

-- Remove a stored member (holder userId); announce the leave when it was the user's last holder.
local function evict(member, announce, channel, room_json, now)
	redis.call('ZREM', KEYS[1], member)
	local holder, user = string.match(member, '^(.*) ([^ ]+)$')
	if holder and drop(holder, user) and announce == '1' then
		presence_event(channel, room_json, user, 'leave', 'online', nil, now)
	end
end

-- Holders stored with an expiry time (nodes from before leases) that has passed.
local function sweep(now, announce, channel, room_json)
	local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, 1000)
	for _, member in ipairs(expired) do evict(member, announce, channel, room_json, now) end
end

local function reason_arg(flag, text)
	if flag == '1' then return text end
	return nil
end
`;

/** presence_add. ARGV: holder, userId, status, has reason, reason, announce (1/0), channel, room JSON. Returns 1 when the user was absent. */
const ADD = `${HELPERS}
local now = now_ms()
sweep(now, ARGV[6], ARGV[7], ARGV[8])
redis.call('ZADD', KEYS[1], '+inf', ARGV[1] .. ' ' .. ARGV[2])
if put(ARGV[1], ARGV[2], ARGV[3], reason_arg(ARGV[4], ARGV[5])) then return 1 end
return 0
`;

/** presence_remove. ARGV: holder, userId, announce, channel, room JSON. Returns 1 when it was the user's last holder. */
const REMOVE = `${HELPERS}
local now = now_ms()
sweep(now, ARGV[3], ARGV[4], ARGV[5])
-- Already evicted (its lease had expired): that eviction announced the leave, so report nothing here.
if redis.call('ZREM', KEYS[1], ARGV[1] .. ' ' .. ARGV[2]) == 0 then return 0 end
if drop(ARGV[1], ARGV[2]) then return 1 end
return 0
`;

/**
 * presence_status. ARGV: holder, userId, status, has reason, reason. Returns JSON {before, after},
 * the user's holder lists before and after the change (the node combines each into one status, as
 * for a listing), or nil for an unknown holder.
 */
const STATUS = `${HELPERS}
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
const MEMBERS = `${HELPERS}
sweep(now_ms(), ARGV[1], ARGV[2], ARGV[3])
return redis.call('HGETALL', KEYS[2])
`;

/**
 * presence_reassert: put back a node's holders that are missing (its lease was lost and evicted
 * during a partition, Redis restarted without persistence, a failover lost the last writes),
 * announcing `join` for users that come back; a holder stored under an earlier lease of the node
 * is replaced, after the new one is in, so its user neither leaves nor joins.
 * ARGV: announce, channel, room JSON, then per holder: earlier stored holder (or ''), holder,
 * userId, status, has reason, reason. Returns how many holders were missing.
 */
const REASSERT = `${HELPERS}
local now = now_ms()
local missing = 0
for i = 4, #ARGV - 5, 6 do
	local earlier, holder, user = ARGV[i], ARGV[i + 1], ARGV[i + 2]
	local status, reason = ARGV[i + 3], reason_arg(ARGV[i + 4], ARGV[i + 5])
	if redis.call('ZADD', KEYS[1], '+inf', holder .. ' ' .. user) == 1 then
		missing = missing + 1
		if put(holder, user, status, reason) and ARGV[1] == '1' then
			presence_event(ARGV[2], ARGV[3], user, 'join', status, reason, now)
		end
	end
	if earlier ~= '' and earlier ~= holder and redis.call('ZREM', KEYS[1], earlier .. ' ' .. user) == 1 then
		drop(earlier, user)
	end
end
sweep(now, ARGV[1], ARGV[2], ARGV[3])
return missing
`;

/**
 * presence_evict: remove every holder of a dead lease from one room, announcing `leave` for each
 * user left with none. ARGV: the lease's holder prefix (`lease|`), announce, channel, room JSON.
 * Returns how many holders it removed (0 when another node got there first).
 */
const EVICT = `${HELPERS}
local now = now_ms()
local prefix = ARGV[1]
local removed = 0
for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
	if string.sub(member, 1, #prefix) == prefix then
		evict(member, ARGV[2], ARGV[3], ARGV[4], now)
		removed = removed + 1
	end
end
sweep(now, ARGV[2], ARGV[3], ARGV[4])
return removed
`;

/**
 * lease_beat: renew this node's lease and claim the expired leases of others.
 * KEYS[1] = leases (sorted set lease -> expiry, Redis clock), KEYS[2] = claimed (lease -> when claimed).
 * ARGV: lease, lease TTL ms, register (1: create it if absent), most leases to claim.
 * Returns {lost, claimed...}: lost = 1 when the lease was not there to renew (it expired and
 * another node claimed it, or Redis lost it); the claimed leases are this node's to evict. A
 * claim older than one TTL was left unfinished (its claimer died or lost Redis): it is claimed again.
 */
const LEASE_BEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
local limit = tonumber(ARGV[4])
local lost = 0
if ARGV[3] == '1' or redis.call('ZSCORE', KEYS[1], ARGV[1]) then
	redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
else
	lost = 1
end
local reply = {lost}
for _, lease in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, limit)) do
	redis.call('ZREM', KEYS[1], lease)
	redis.call('ZADD', KEYS[2], now, lease)
	reply[#reply + 1] = lease
end
for _, lease in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - ttl, 'LIMIT', 0, limit)) do
	redis.call('ZADD', KEYS[2], now, lease)
	reply[#reply + 1] = lease
end
return reply
`;

/** The room scripts' last three arguments: whether they announce (not in direct conversations), where, and the room as JSON. */
export function announceArgs(room: string, keys: RoomKeys): [string, string, string] {
	return [directParties(room) ? '0' : '1', keys.channel, JSON.stringify(room)];
}

/** The presence scripts with their key counts (merged into SCRIPTS, see redis-scripts.ts). */
export const PRESENCE_SCRIPTS = {
	natterPresenceAdd: {keys: 2, lua: ADD},
	natterPresenceRemove: {keys: 2, lua: REMOVE},
	natterPresenceStatus: {keys: 2, lua: STATUS},
	natterPresenceMembers: {keys: 2, lua: MEMBERS},
	natterPresenceReassert: {keys: 2, lua: REASSERT},
	natterPresenceEvict: {keys: 2, lua: EVICT},
	natterLeaseBeat: {keys: 2, lua: LEASE_BEAT},
} satisfies Record<string, {keys: number; lua: string}>;
