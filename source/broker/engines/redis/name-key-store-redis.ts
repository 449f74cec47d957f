import type {NameKey, NameKeyStore} from '../name-key-store.js';
import type {RedisConnection} from './redis-connection.js';

/**
 * The Redis engine's kept names: one hash, `<prefix>namekeys`, skeleton -> JSON record, shared
 * by every node. HSETNX makes "first to claim keeps it" hold across nodes.
 */
export function redisNameKeyStore(redis: RedisConnection, prefix: string): NameKeyStore {
	const key = `${prefix}namekeys`;
	const read = async (skeleton: string): Promise<NameKey | undefined> => {
		const raw = await redis.request('reading a kept name', () => redis.command.hget(key, skeleton));
		return raw === null ? undefined : (JSON.parse(raw) as NameKey);
	};
	return {
		get: read,
		async add(skeleton, record) {
			return (await redis.request('keeping a name', () => redis.command.hsetnx(key, skeleton, JSON.stringify(record)))) === 1;
		},
		async touch(skeleton, lastUsed) {
			// Read-modify-write: two nodes touching at once both write a fresh time, which is all this records.
			const record = await read(skeleton);
			if (record) await redis.request('recording a use of a kept name', () => redis.command.hset(key, skeleton, JSON.stringify({...record, lastUsed})));
		},
		async remove(skeleton) {
			await redis.request('releasing a kept name', () => redis.command.hdel(key, skeleton));
		},
		async count() {
			return redis.request('counting kept names', () => redis.command.hlen(key));
		},
	};
}
