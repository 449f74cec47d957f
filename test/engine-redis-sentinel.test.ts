// The Engine contract against the Redis engine on a Sentinel-managed master (a master, a replica
// and three sentinels, started for this file by test/helpers/redis-sentinel.ts): `--redis
// redis+sentinel://…/natter` finds the master through the sentinels and behaves as on one server;
// and `waitReplicas` (`--redis-wait`) on a plain master/replica pair: a publish is acknowledged
// once the replica has it, and fails as unavailable while the replica is paused.
// Skips loudly when redis-server 7+ is not installed.
import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {createRedisEngine, EngineUnavailableError} from '../source/broker/engines/redis/redis-engine.js';
import {engineContractSuite} from './engine-contract.js';
import {redisContractEngines} from './helpers/redis-contract.js';
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

	const engines = redisContractEngines(() => sentinel.url);
	engineContractSuite('redis sentinel', {
		create: engines.create,
		reopen: engines.reopen,
	});

	test('waitReplicas 1 on a master with one replica: acknowledged once the replica has it; with the replica paused, unavailable after the wait, and the retry is a duplicate', async () => {
		const engine = createRedisEngine(sentinel.url, {prefix: `natter-test:${randomBytes(6).toString('hex')}:`, waitReplicas: 1, waitTimeoutMs: 300});
		try {
			const publish = (clientId: string): ReturnType<typeof engine.publish> => engine.publish({room: 'waited', sender: 'ana', content: clientId, clientId, timestamp: Date.now()});
			assert.equal((await publish('first')).message.sequence, 1);
			assert.equal(await sentinel.master(), sentinel.servers[0], 'no failover in this file: the second server is the replica');
			const replica = sentinel.servers[1]!;
			replica.pause();
			try {
				const started = Date.now();
				await assert.rejects(publish('second'), (error: Error) => error instanceof EngineUnavailableError && /only 0 of 1 replica/.test(error.message));
				assert.ok(Date.now() - started >= 250, 'it waited for the replica first');
			} finally {
				replica.resume();
			}
			const retry = await publish('second');
			assert.equal(retry.duplicate, true, 'the refused publish was stored; its retry is recognised');
			assert.equal(retry.message.sequence, 2);
		} finally {
			await engine.close();
		}
	});
}
