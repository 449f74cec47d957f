import {MAX_DIRECT_ROOMS, type DirectRoomIndex} from '../direct-rooms.js';
import {escapeKeyPart} from './redis-keys.js';
import type {RedisConnection} from './redis-connection.js';

/**
 * The Redis engine's index of direct conversations: one sorted set per user,
 * `<prefix>direct:{user}` (score: when the latest message came, ms), shared by every node and
 * trimmed to the newest MAX_DIRECT_ROOMS.
 */
export function redisDirectRooms(redis: RedisConnection, prefix: string): DirectRoomIndex {
	const keyOf = (userId: string): string => `${prefix}direct:{${escapeKeyPart(userId)}}`;
	return {
		async note(userId, key, at) {
			const set = keyOf(userId);
			// One key per call (cluster-safe); GT keeps the latest time when two nodes write at once.
			await redis.request('remembering a direct conversation', () => redis.command.multi().zadd(set, 'GT', at, key).zremrangebyrank(set, 0, -MAX_DIRECT_ROOMS - 1).exec());
		},
		async list(userId) {
			return redis.request('listing direct conversations', () => redis.command.zrevrange(keyOf(userId), 0, MAX_DIRECT_ROOMS - 1));
		},
	};
}
