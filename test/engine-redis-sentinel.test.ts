// The Engine contract against the Redis engine on a Sentinel-managed master (a master, a replica
// and three sentinels, started for this file by test/helpers/redis-sentinel.ts): `--redis
// redis+sentinel://…/natter` finds the master through the sentinels and behaves as on one server.
// Skips loudly when redis-server 7+ is not installed.
import {after, before, test} from 'node:test';
import {randomBytes} from 'node:crypto';
import type {Engine} from '../source/broker/engines/engine.js';
import {createRedisEngine, type RedisEngineOptions} from '../source/broker/engines/redis/redis-engine.js';
import {engineContractSuite} from './engine-contract.js';
import {SENTINEL_SKIP, sentinelAvailable, startRedisSentinel, type RedisSentinel} from './helpers/redis-sentinel.js';

if (!sentinelAvailable()) {
	test('Redis Sentinel engine suites', {skip: SENTINEL_SKIP}, () => {});
	console.warn(`\n*** SKIPPED the Redis Sentinel engine suites: ${SENTINEL_SKIP} ***\n`);
} else {
	suites();
}

function suites(): void {
	let sentinel: RedisSentinel;
	before(async () => {
		sentinel = await startRedisSentinel();
	});
	after(async () => {
		await sentinel?.stop();
	});

	const slots = new Map<Engine, {prefix: string; options: RedisEngineOptions}>();
	engineContractSuite('redis sentinel', {
		async create(options) {
			const prefix = `natter-test:${randomBytes(6).toString('hex')}:`;
			const engine = createRedisEngine(sentinel.url, {...options, prefix});
			slots.set(engine, {prefix, options});
			return {
				engine,
				async cleanup() {
					for (const [candidate, slot] of slots) if (slot.prefix === prefix) await candidate.close();
				},
			};
		},
		async reopen(engine) {
			const slot = slots.get(engine)!;
			await engine.close();
			slots.delete(engine);
			const next = createRedisEngine(sentinel.url, {...slot.options, prefix: slot.prefix});
			slots.set(next, slot);
			return next;
		},
	});
}
