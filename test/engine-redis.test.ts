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
import {startTcpProxy, type TcpProxy} from './helpers/tcp-proxy.js';
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
		// One generation per Cluster slot (redis-keys.ts): `{tag}:generation`, tags of 3 characters.
		shared: {matches: name => /\{[0-9A-Za-z_-]{3}\}:generation$/.test(name), most: 16_384},
	});

	/** Two nodes of one broker: `node` reaches Redis through a TCP proxy the test can cut, `watcher` directly. */
	async function behindProxy(t: {after: (fn: () => Promise<void>) => void}, presenceTtlMs: number): Promise<{proxy: TcpProxy; node: Engine; watcher: Engine}> {
		const proxy = await startTcpProxy(Number(new URL(url).port || 6379));
		const prefix = uniquePrefix();
		const node = createRedisEngine(`redis://127.0.0.1:${proxy.port}${new URL(url).pathname}`, {prefix, presenceTtlMs, log: () => {}});
		const watcher = createRedisEngine(url, {prefix, presenceTtlMs});
		t.after(async () => {
			await Promise.all([node.close(), watcher.close()]);
			await proxy.close();
			await deleteKeys(url, prefix);
		});
		return {proxy, node, watcher};
	}

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

	test('redis: a node cut off from Redis past its lease loses its users (one leave) and puts them back with a join when Redis is reachable again', async t => {
		const ttl = 600;
		const {proxy, node: cut, watcher} = await behindProxy(t, ttl);
		const room = 'partition';
		await watcher.watch(room);
		const seen = collect(watcher);
		await cut.presenceAdd(room, 'gus', 'cut/1', 'online');
		await cut.presenceAdd(room, 'hal', 'cut/2', 'away', 'lunch');
		await watcher.presenceAdd(room, 'hal', 'watcher/1', 'online'); // hal is on a live node too: he stays.
		const presence = (action: string): string[] => seen.flatMap(e => (e.type === 'presence' && e.action === action ? [e.userId] : []));

		proxy.pause(); // The cut node's connections drop and new ones are refused: its lease stops being renewed.
		await until(() => presence('leave').length > 0, 4 * ttl);
		assert.deepEqual(await watcher.members(room), [{userId: 'hal', status: 'online'}]);
		assert.deepEqual(presence('leave'), ['gus'], 'the users held only by the cut node leave, once');

		proxy.resume();
		await until(() => presence('join').includes('gus'), 10_000);
		await sleep(ttl); // More beats and audits: none may announce anyone again.
		assert.deepEqual(presence('join'), ['gus']);
		assert.deepEqual(presence('leave'), ['gus']);
		assert.deepEqual(await watcher.members(room), [
			{userId: 'hal', status: 'online'},
			{userId: 'gus', status: 'online'},
		]);
		// The holders are the cut node's again: when it lets go, gus leaves and hal keeps the watcher's.
		assert.equal(await cut.presenceRemove(room, 'gus', 'cut/1'), true);
		assert.equal(await cut.presenceRemove(room, 'hal', 'cut/2'), false);
		assert.deepEqual(await watcher.members(room), [{userId: 'hal', status: 'online'}]);
	});

	test('redis: a room whose keys were all lost (Redis restarted empty) comes back in a new epoch, the same on every node, not numbered again in the old one', async t => {
		const prefix = uniquePrefix();
		const [a, b] = [0, 1].map(() => createRedisEngine(url, {prefix}));
		t.after(async () => {
			await Promise.all([a!.close(), b!.close()]);
			await deleteKeys(url, prefix);
		});
		const unseen = (await a!.room('lost')).epoch;
		const first = await a!.publish({room: 'lost', sender: 'ana', content: 'one', timestamp: Date.now()});
		assert.equal(first.epoch, unseen, 'the first publish keeps the epoch readers were told');
		await a!.publish({room: 'lost', sender: 'ana', content: 'two', timestamp: Date.now()});

		await deleteKeys(url, prefix); // everything of this broker's: what a restart without persistence does
		const reread = [(await a!.room('lost')).epoch, (await b!.room('lost')).epoch];
		assert.equal(reread[0], reread[1], 'both nodes read the lost room in one epoch');
		assert.notEqual(reread[0], first.epoch, 'and it is not the epoch the room had');
		const again = await b!.publish({room: 'lost', sender: 'bo', content: 'three', timestamp: Date.now()});
		assert.deepEqual([again.epoch, again.message.sequence], [reread[0], 1]);
	});

	test('redis: a leave that Redis could not take during a short outage is retried, and the user leaves once', async t => {
		const ttl = 3000; // a lease of 2 s, renewed every second: the outage below is shorter
		const {proxy, node, watcher} = await behindProxy(t, ttl);
		const room = 'outage';
		await watcher.watch(room);
		const seen = collect(watcher);
		await node.presenceAdd(room, 'kim', 'n/1', 'online');
		proxy.pause();
		await assert.rejects(node.presenceRemove(room, 'kim', 'n/1'), EngineUnavailableError);
		await sleep(300);
		proxy.resume();
		await until(() => seen.some(e => e.type === 'presence' && e.action === 'leave' && e.userId === 'kim'), 4 * ttl, 'the leave, on retry');
		assert.deepEqual(await watcher.members(room), []);
		await sleep(ttl);
		assert.equal(seen.filter(e => e.type === 'presence' && e.action === 'leave').length, 1);
	});

	test('redis: presence comes back by itself after Redis restarts empty (no persistence)', async t => {
		const own = await startOwnRedis([]);
		if (!own) return t.skip('could not start a redis-server of its own');
		t.after(() => own.stop());
		const ttl = 600;
		const [a, b] = [0, 1].map(() => createRedisEngine(own.url, {prefix: 'restart:', presenceTtlMs: ttl, log: () => {}}));
		t.after(() => Promise.all([a!.close(), b!.close()]));
		await a!.presenceAdd('room', 'ivy', 'a/1', 'online');
		await b!.presenceAdd('room', 'jo', 'b/1', 'away');
		await own.kill();
		await own.start();
		// Until the nodes reconnect, a listing fails as unavailable; then the holders are back within a beat or two.
		await until(async () => (await a!.members('room').catch(() => [])).length === 2, 10_000);
		assert.deepEqual((await b!.members('room')).map(m => `${m.userId}:${m.status}`).sort(), ['ivy:online', 'jo:away']);
	});

	test("redis: the presence background is one lease renewal a beat, not one script per room (a node with 300 rooms' holders)", async t => {
		const own = await startOwnRedis([]);
		if (!own) return t.skip('could not start a redis-server of its own');
		t.after(() => own.stop());
		const ttl = 600; // a beat every 200 ms
		const node = createRedisEngine(own.url, {prefix: 'quiet:', presenceTtlMs: ttl});
		t.after(() => node.close());
		const rooms = 300;
		for (let i = 0; i < rooms; i += 1) await node.presenceAdd(`room-${i}`, `user-${i}`, `n/${i}`, 'online');
		const admin = new Redis(own.url);
		t.after(() => admin.quit());
		const scripts = async (): Promise<number> => {
			const info = await admin.info('commandstats');
			return [...info.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
		};
		const before = await scripts();
		await sleep(1000); // five beats
		const during = (await scripts()) - before;
		// Each beat: the renewal, and the audit of 16 rooms (one pass over 300 rooms in 19 beats).
		// Refreshing every room would be 1,500 scripts here.
		assert.ok(during >= 3, `the lease was renewed (${during} scripts)`);
		assert.ok(during <= 6 * 17, `${during} scripts in five beats for ${rooms} rooms`);
		assert.equal((await node.members('room-7'))[0]?.userId, 'user-7');
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
