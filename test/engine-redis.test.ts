// The Engine contract against the Redis engine (reopen = a new engine on the same prefix), plus
// what only a shared Redis can get wrong: several nodes on one sequence, DMs routed per user,
// presence of a dead node, a dropped pub/sub link, and Redis being away or restarting.
// Runs against a real Redis (REDIS_URL, default 127.0.0.1:6379); skips loudly when none answers.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {setTimeout as sleep} from 'node:timers/promises';
import {Redis} from 'ioredis';
import type {Engine} from '../source/broker/engines/engine.js';
import {createRedisEngine, EngineUnavailableError, type RedisEngineOptions} from '../source/broker/engines/redis/redis-engine.js';
import {directKey} from '../source/protocol/names.js';
import {engineContractSuite, stored} from './engine-contract.js';
import {redisContractEngines} from './helpers/redis-contract.js';
import {REDIS_SKIP, deleteKeys, findRedis, killClients, startOwnRedis, uniquePrefix} from './helpers/redis.js';
import {until} from './helpers/until.js';
import {collect, messages, range} from './helpers/engine-events.js';

const url = await findRedis();

if (!url) {
	test('Redis engine suites', {skip: REDIS_SKIP}, () => {});
	console.warn(`\n*** SKIPPED the Redis engine suites: ${REDIS_SKIP} ***\n`);
} else {
	suites(url);
}

function suites(url: string): void {
	const engines = redisContractEngines(url, prefix => deleteKeys(url, prefix));
	engineContractSuite('redis', {
		create: engines.create,
		reopen: engines.reopen,
		async storage(engine) {
			return listKeys(url, engines.prefixOf(engine));
		},
	});

	const nodeIds = new Map<Engine, string>();
	/** Engines that share one prefix (nodes of one broker), closed and cleaned after the test. */
	function nodes(t: {after: (fn: () => Promise<void>) => void}, count: number, options: RedisEngineOptions = {}): Engine[] {
		const prefix = uniquePrefix();
		const engines = Array.from({length: count}, (_, i) => {
			const nodeId = `${prefix.slice(0, -1)}-n${i}`;
			const engine = createRedisEngine(url, {nodeId, ...options, prefix});
			nodeIds.set(engine, nodeId);
			return engine;
		});
		t.after(async () => {
			await Promise.all(engines.map(engine => engine.close()));
			await deleteKeys(url, prefix);
		});
		return engines;
	}

	test('redis: 1,000 concurrent publishes split across two nodes get sequences 1..1000 exactly once', async t => {
		const [a, b] = nodes(t, 2, {historySize: 1000});
		const room = 'busy';
		await Promise.all([a!.watch(room), b!.watch(room)]);
		const seenA = collect(a!);
		const seenB = collect(b!);
		const results = await Promise.all(
			Array.from({length: 1000}, (_, i) => (i % 2 === 0 ? a! : b!).publish({room, sender: `u${i % 5}`, content: `m${i}`, timestamp: Date.now()})),
		);
		const sequences = results.map(r => r.message.sequence).sort((x, y) => x - y);
		assert.deepEqual(sequences, range(1, 1000));
		const page = await a!.history(room, {});
		assert.deepEqual(page.messages.map(m => m.sequence), range(1, 1000));
		for (const result of results) assert.equal(page.messages[result.message.sequence - 1]!.content, stored(result).content);
		// Both nodes hear all of them, once each and in order.
		for (const seen of [seenA, seenB]) {
			await until(() => messages(seen, room).length >= 1000, 5000);
			assert.deepEqual(messages(seen, room), range(1, 1000));
		}
	});

	test('redis: a retry through another node is still a duplicate', async t => {
		const [a, b] = nodes(t, 2);
		const first = await a!.publish({room: 'r', sender: 'ana', content: 'x', clientId: 'c1', timestamp: Date.now()});
		const retry = await b!.publish({room: 'r', sender: 'ana', content: 'x', clientId: 'c1', timestamp: Date.now()});
		assert.equal(retry.duplicate, true);
		assert.deepEqual(retry.message, {id: first.message.id, sequence: first.message.sequence, timestamp: first.message.timestamp});
		assert.equal((await b!.room('r')).sequence, 1);
	});

	test('redis: a clientId costs a small record that expires with the window, never the message', async t => {
		const prefix = uniquePrefix();
		const engine = createRedisEngine(url, {prefix, dedupeWindow: 2000});
		const inspect = new Redis(url);
		t.after(async () => {
			await engine.close();
			inspect.disconnect();
			await deleteKeys(url, prefix);
		});
		await engine.publish({room: 'r', sender: 'ana', content: 'x'.repeat(10_000), clientId: 'c1', timestamp: Date.now()});
		const keys = await inspect.keys(`${prefix}*dedupe*`);
		assert.equal(keys.length, 2, `one hash and one order per (room, sender): ${keys.join(', ')}`);
		for (const key of keys) {
			const bytes = Number(await inspect.memory('USAGE', key));
			assert.ok(bytes < 1000, `${key} holds a small record (${bytes} bytes)`);
			const ttl = await inspect.pttl(key);
			assert.ok(ttl > 0 && ttl <= 2000 + 60_000, `${key} expires with the window (PTTL ${ttl})`);
		}
	});

	test('redis: a DM reaches the node watching @user, once, and no node watching someone else', async t => {
		const [sender, alicesNode, bothNode, carolsNode] = nodes(t, 4);
		await alicesNode!.watch('@alice');
		await bothNode!.watch('@alice');
		await bothNode!.watch('@bob');
		await carolsNode!.watch('@carol');
		const atAlice = collect(alicesNode!);
		const atBoth = collect(bothNode!);
		const atCarol = collect(carolsNode!);
		const key = directKey('alice', 'bob');
		const sent = await sender!.publish({room: key, sender: 'bob', content: 'psst', timestamp: Date.now()});
		await until(() => messages(atAlice, key).length === 1 && messages(atBoth, key).length === 1, 2000);
		await sleep(100); // Room for a copy to arrive, if one were coming.
		assert.deepEqual(messages(atAlice, key), [1]);
		assert.deepEqual(messages(atBoth, key), [1], 'a node watching both parties hears it once');
		assert.equal(atCarol.length, 0);
		const event = atAlice.find(e => e.type === 'message');
		assert.deepEqual(event, {type: 'message', room: key, epoch: sent.epoch, message: sent.message});
	});

	test('redis: presence counts a user once across nodes', async t => {
		const [a, b] = nodes(t, 2);
		assert.equal(await a!.presenceAdd('r', 'dave', 'a/1', 'online'), true);
		assert.equal(await b!.presenceAdd('r', 'dave', 'b/1', 'away', 'idle'), false);
		assert.deepEqual(await b!.members('r'), [{userId: 'dave', status: 'online'}]);
		assert.equal(await a!.presenceRemove('r', 'dave', 'a/1'), false);
		assert.deepEqual(await a!.members('r'), [{userId: 'dave', status: 'away', reason: 'idle'}]);
		assert.equal(await b!.presenceRemove('r', 'dave', 'b/1'), true);
		assert.deepEqual(await a!.members('r'), []);
	});

	test("redis: a dead node's users leave within the presence TTL, announced exactly once", async t => {
		const ttl = 600;
		const [dying, b, c] = nodes(t, 3, {presenceTtlMs: ttl});
		const room = 'lobby';
		for (const engine of [b!, c!]) await engine.watch(room);
		const atB = collect(b!);
		const atC = collect(c!);
		await dying!.presenceAdd(room, 'dave', 'dying/1', 'online');
		await dying!.presenceAdd(room, 'erin', 'dying/2', 'online');
		await b!.presenceAdd(room, 'erin', 'b/1', 'online'); // erin is also on a live node: she stays.
		await c!.presenceAdd(room, 'finn', 'c/1', 'online');
		await sleep(ttl); // Several refreshes: live holders must survive them.
		assert.deepEqual((await b!.members(room)).map(m => m.userId).sort(), ['dave', 'erin', 'finn']);

		const died = Date.now();
		await dying!.close(); // Stops refreshing and leaves its holders behind, like a killed process.
		await until(async () => !(await c!.members(room)).some(m => m.userId === 'dave'), 3 * ttl);
		const gone = Date.now() - died;
		assert.ok(gone <= ttl + 300, `dave was gone after ${gone} ms (TTL ${ttl} ms)`);
		await sleep(ttl); // More sweeps: none may announce dave again.
		for (const seen of [atB, atC]) {
			const leaves = seen.filter(e => e.type === 'presence' && e.action === 'leave');
			assert.deepEqual(
				leaves.map(e => (e.type === 'presence' ? e.userId : '')),
				['dave'],
				'one leave, for the user with no live holder left',
			);
		}
		assert.deepEqual((await b!.members(room)).map(m => m.userId).sort(), ['erin', 'finn']);
	});

	test('redis: a node whose holders vanished from Redis (a partition past the TTL) puts its users back', async t => {
		const ttl = 600;
		const [cut, watcher] = nodes(t, 2, {presenceTtlMs: ttl});
		const room = 'partition';
		await watcher!.watch(room);
		const seen = collect(watcher!);
		await cut!.presenceAdd(room, 'gus', 'cut/1', 'online');
		// What a sweep by another node does to a node that stopped refreshing: its holder is gone.
		assert.equal(await watcher!.presenceRemove(room, 'gus', 'cut/1'), true);
		assert.deepEqual(await watcher!.members(room), []);
		// The cut node still has gus's socket: its next refresh adds him back, announcing a join.
		await until(() => seen.some(e => e.type === 'presence' && e.action === 'join' && e.userId === 'gus'), 2 * ttl);
		assert.deepEqual(await watcher!.members(room), [{userId: 'gus', status: 'online'}]);
	});

	test('redis: events resume after the subscriber connection is killed, and what was published meanwhile is caught up', async t => {
		const [publisher, listener] = nodes(t, 2);
		const room = 'flaky';
		await listener!.watch(room);
		const seen = collect(listener!);
		await publisher!.publish({room, sender: 'ana', content: 'before', timestamp: Date.now()});
		await until(() => messages(seen, room).length === 1, 2000);

		assert.equal(await killClients(url, `natter:${nodeIds.get(listener!)}:sub`), 1);
		// Published while the link is down: pub/sub drops these for the listener.
		await publisher!.publish({room, sender: 'ana', content: 'during 1', timestamp: Date.now()});
		await publisher!.publish({room, sender: 'ana', content: 'during 2', timestamp: Date.now()});
		await until(() => messages(seen, room).length >= 3, 5000);
		await publisher!.publish({room, sender: 'ana', content: 'after', timestamp: Date.now()});
		await until(() => messages(seen, room).length >= 4, 5000);
		await sleep(50);
		assert.deepEqual(messages(seen, room), [1, 2, 3, 4]);
	});

	test('redis: a publish fails fast with a clear error while Redis is unreachable', async t => {
		const engine = createRedisEngine('redis://127.0.0.1:1', {prefix: uniquePrefix()});
		t.after(() => engine.close());
		for (let attempt = 0; attempt < 3; attempt++) {
			const started = Date.now();
			await assert.rejects(engine.publish({room: 'r', sender: 'ana', content: 'x', timestamp: Date.now()}), (error: Error) => {
				assert.ok(error instanceof EngineUnavailableError);
				assert.match(error.message, /^publish to r failed: Redis at redis:\/\/127\.0\.0\.1:1 /);
				return true;
			});
			assert.ok(Date.now() - started < 2500, `attempt ${attempt} took ${Date.now() - started} ms`);
		}
		assert.equal(await engine.ready(), false);
		await engine.watch('r'); // Must not reject: the hub calls it without awaiting.
	});

	test('redis: after a Redis restart (AOF, fsync always) no acknowledged publish is lost and publishing resumes by itself', async t => {
		const redis = await startOwnRedis(['--appendonly', 'yes', '--appendfsync', 'always']);
		if (!redis) {
			t.skip('redis-server could not be started (set REDIS_SERVER to its path)');
			return;
		}
		t.after(() => redis.stop());
		const prefix = uniquePrefix();
		const [writer, reader] = [createRedisEngine(redis.url, {prefix, historySize: 10_000}), createRedisEngine(redis.url, {prefix, historySize: 10_000})];
		t.after(async () => {
			await Promise.all([writer.close(), reader.close()]);
		});
		const room = 'durable';
		await reader.watch(room);
		const seen = collect(reader);

		const acknowledged = new Map<number, string>();
		let failures = 0;
		let stop = false;
		// Four publishers in parallel, each publishing as fast as acks come back.
		const publishers = Array.from({length: 4}, async (_, p) => {
			for (let i = 0; !stop; i++) {
				const content = `p${p}-${i}`;
				try {
					const result = await writer.publish({room, sender: `p${p}`, content, clientId: content, timestamp: Date.now()});
					acknowledged.set(result.message.sequence, content);
				} catch (error) {
					assert.ok(error instanceof EngineUnavailableError, String(error));
					failures++;
					await sleep(20);
				}
			}
		});
		await until(() => acknowledged.size >= 200, 10_000);
		await redis.kill();
		const killedAt = acknowledged.size;
		await sleep(300);
		await redis.start();
		await until(() => acknowledged.size >= killedAt + 200, 15_000);
		stop = true;
		await Promise.all(publishers);

		assert.ok(failures > 0, 'publishes failed while Redis was down');
		const page = await reader.history(room, {});
		const stored = new Map(page.messages.map(m => [m.sequence, m.content]));
		for (const [sequence, content] of acknowledged) assert.equal(stored.get(sequence), content, `acknowledged #${sequence} is in history`);
		assert.deepEqual(page.messages.map(m => m.sequence), range(1, page.sequence), 'sequences continue without holes or reuse');
		// The listener's link came back by itself and caught up: it heard every stored message, in order.
		await until(() => messages(seen, room).length >= page.sequence, 5000);
		assert.deepEqual(messages(seen, room), range(1, page.sequence));
	});
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/** Every key under `prefix`, sorted. */
async function listKeys(url: string, prefix: string): Promise<string[]> {
	const redis = new Redis(url, {maxRetriesPerRequest: 1, retryStrategy: () => null});
	redis.on('error', () => {});
	try {
		const keys: string[] = [];
		let cursor = '0';
		do {
			const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
			cursor = next;
			keys.push(...batch);
		} while (cursor !== '0');
		return keys.sort();
	} finally {
		redis.disconnect();
	}
}
