// Three broker nodes on one Redis behave as one broker: one order per room at every subscriber
// on every node, one history, one presence; and when a node is killed (a real SIGKILL of a
// broker process), its users leave every presence panel within the presence TTL while its
// clients resume on another node without gaps or duplicates.
// Runs against a real Redis (REDIS_URL, default 127.0.0.1:6379); skips loudly when none answers.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {setTimeout as sleep} from 'node:timers/promises';
import type {Broker} from '../source/broker/create-broker.js';
import {createRedisEngine} from '../source/broker/engines/redis/redis-engine.js';
import {startBrokerProcess, type BrokerProcess} from './helpers/broker-process.js';
import {connectAs, messagesIn, request, subscribe, sync} from './helpers/broker-session.js';
import type {Frame, FrameClient} from './helpers/frame-client.js';
import {REDIS_SKIP, deleteKeys, findRedis, startOwnRedis, uniquePrefix} from './helpers/redis.js';
import {startBroker} from './helpers/start-broker.js';
import {until} from './helpers/until.js';

const url = await findRedis();
/** Tests publish far faster than a person types; the rate limit has tests of its own. */
const FAST = {rate: 100_000, burst: 100_000};

if (!url) {
	test('Redis cluster suites', {skip: REDIS_SKIP}, () => {});
	console.warn(`\n*** SKIPPED the Redis cluster suites: ${REDIS_SKIP} ***\n`);
} else {
	suites(url);
}

function suites(url: string): void {
	test('cluster: publishers on three nodes, subscribers on three nodes: one contiguous order, one history, one presence', async t => {
		const prefix = uniquePrefix();
		const brokers: Broker[] = await Promise.all([0, 1, 2].map(() => startBroker({engine: createRedisEngine(url, {prefix, historySize: 500}), ...FAST})));
		const clients: FrameClient[] = [];
		t.after(async () => {
			for (const client of clients) client.kill();
			await Promise.all(brokers.map(broker => broker.close()));
			await deleteKeys(url, prefix);
		});
		const room = 'ops';
		const readers = await Promise.all(
			brokers.flatMap((broker, node) =>
				['a', 'b'].map(async suffix => {
					const {client} = await connectAs(broker.url, `reader${node}${suffix}`);
					clients.push(client);
					await subscribe(client, room);
					return client;
				}),
			),
		);
		const perPublisher = 40;
		const publishers = await Promise.all(
			brokers.map(async (broker, node) => {
				const {client} = await connectAs(broker.url, `writer${node}`);
				clients.push(client);
				return client;
			}),
		);
		// All three publish at once, interleaving through three nodes.
		await Promise.all(
			publishers.map(async (client, node) => {
				for (let i = 0; i < perPublisher; i++) {
					const acked = client.next(f => f.type === 'published' && f.clientId === `w${node}-${i}`, 5000, `ack of w${node}-${i}`);
					client.send({type: 'publish', room, content: `w${node}-${i}`, clientId: `w${node}-${i}`});
					await acked;
				}
			}),
		);
		const total = 3 * perPublisher;
		await Promise.all(readers.map(reader => until(() => messagesIn(reader, room).length >= total, 5000)));
		await Promise.all(readers.map(reader => sync(reader)));
		const orders = readers.map(reader => messagesIn(reader, room).map(m => `${String(m.sequence)}:${String(m.content)}`));
		assert.deepEqual(
			messagesIn(readers[0]!, room).map(m => m.sequence),
			range(1, total),
			'contiguous: 1..N, no gap, no duplicate',
		);
		for (const order of orders.slice(1)) assert.deepEqual(order, orders[0], 'every subscriber on every node sees the same order');

		const histories = await Promise.all(readers.filter((_, i) => i % 2 === 0).map(reader => request(reader, {type: 'get_history', room}, 'history')));
		for (const history of histories) assert.deepEqual(history.messages, histories[0]!.messages);
		assert.deepEqual((histories[0]!.messages as Frame[]).map(m => `${String(m.sequence)}:${String(m.content)}`), orders[0]);

		const lists = await Promise.all(readers.filter((_, i) => i % 2 === 0).map(reader => request(reader, {type: 'who', room}, 'members')));
		const expected = ['reader0a', 'reader0b', 'reader1a', 'reader1b', 'reader2a', 'reader2b'];
		for (const list of lists) assert.deepEqual(userIds(list.members), expected, 'every node lists the same members');
		// Each node counts what it did itself: node 0 accepted writer0's publishes and fed its two readers.
		const health = await fetch(`http://127.0.0.1:${brokers[0]!.port}/healthz`);
		assert.equal(health.status, 200);
		const metrics = await (await fetch(`http://127.0.0.1:${brokers[0]!.port}/metrics`)).text();
		assert.match(metrics, new RegExp(`^natter_messages_in_total ${perPublisher}$`, 'm'));
		assert.match(metrics, new RegExp(`^natter_messages_out_total ${2 * total}$`, 'm'));
		assert.match(metrics, /^natter_connections 3$/m);
		assert.match(metrics, /^natter_rooms 1$/m);
		assert.match(metrics, new RegExp(`^natter_fanout_latency_seconds_count ${total}$`, 'm'));
		assert.match(metrics, /^natter_slow_consumer_disconnects_total 0$/m);

		// A newcomer's `subscribed` on any node lists everyone on every node.
		const {client: late} = await connectAs(brokers[2]!.url, 'late');
		clients.push(late);
		const subscribed = await subscribe(late, room);
		assert.deepEqual(userIds(subscribed.members), [...expected, 'late'].sort());
	});

	test('cluster: a direct message crosses nodes to every connection of both parties, and nobody else', async t => {
		const prefix = uniquePrefix();
		const brokers: Broker[] = await Promise.all([0, 1, 2].map(() => startBroker({engine: createRedisEngine(url, {prefix}), ...FAST})));
		const clients: FrameClient[] = [];
		t.after(async () => {
			for (const client of clients) client.kill();
			await Promise.all(brokers.map(broker => broker.close()));
			await deleteKeys(url, prefix);
		});
		const connect = async (node: number, userId: string): Promise<FrameClient> => {
			const {client} = await connectAs(brokers[node]!.url, userId);
			clients.push(client);
			return client;
		};
		const alice = await connect(0, 'alice');
		const aliceElsewhere = await connect(2, 'alice');
		const bob = await connect(1, 'bob');
		const carol = await connect(2, 'carol');
		await subscribe(bob, '@alice');
		const acked = request(bob, {type: 'publish', room: '@alice', content: 'psst', clientId: 'dm1'}, 'published');
		assert.equal((await acked).sequence, 1);
		for (const client of [alice, aliceElsewhere]) {
			const frame = await client.waitFor(f => f.type === 'message' && f.content === 'psst', 3000, 'the DM');
			assert.equal(frame.room, '@bob', 'alice sees the conversation named after bob');
		}
		await bob.waitFor(f => f.type === 'message' && f.content === 'psst', 3000, 'the echo to bob');
		assert.equal(messagesIn(bob, '@alice').length, 1, 'bob gets his own DM once');
		await sync(carol);
		await sleep(100);
		assert.equal(carol.frames.filter(f => f.type === 'message').length, 0, 'carol hears nothing');
		// Either party reads the one conversation through any node.
		const history = await request(aliceElsewhere, {type: 'get_history', room: '@bob'}, 'history');
		assert.deepEqual((history.messages as Frame[]).map(m => m.content), ['psst']);
	});

	test('cluster: while Redis is down, publishes are refused as unavailable and clients stay connected; it all recovers by itself', async t => {
		const redis = await startOwnRedis(['--appendonly', 'yes', '--appendfsync', 'always']);
		if (!redis) {
			t.skip('redis-server could not be started (set REDIS_SERVER to its path)');
			return;
		}
		const brokers: Broker[] = [];
		const clients: FrameClient[] = [];
		t.after(async () => {
			for (const client of clients) client.kill();
			await Promise.all(brokers.map(broker => broker.close()));
			await redis.stop();
		});
		brokers.push(...(await Promise.all([0, 1].map(() => startBroker({engine: createRedisEngine(redis.url, {presenceTtlMs: 1500}), ...FAST})))));
		const health = async (): Promise<number> => (await fetch(`http://127.0.0.1:${brokers[0]!.port}/healthz`)).status;
		const room = 'weather';
		const {client: writer} = await connectAs(brokers[0]!.url, 'writer');
		const {client: reader} = await connectAs(brokers[1]!.url, 'reader');
		clients.push(writer, reader);
		await subscribe(reader, room);
		const publish = (clientId: string): Promise<Frame> =>
			request(writer, {type: 'publish', room, content: clientId, clientId}, 'published');
		assert.equal((await publish('before')).sequence, 1);
		assert.equal(await health(), 200);

		await redis.kill();
		await sleep(200); // Let the brokers notice the dropped connections.
		const refused = await publish('during');
		assert.equal(refused.type, 'error');
		assert.equal(refused.code, 'unavailable');
		assert.equal(refused.clientId, 'during');
		assert.match(String(refused.error), /Redis at redis:\/\/127\.0\.0\.1:\d+ /);
		assert.equal(await health(), 503);
		await sleep(300);
		assert.equal(writer.closeCode, undefined, 'the publisher is still connected');
		assert.equal(reader.closeCode, undefined, 'the subscriber is still connected');

		await redis.start();
		// The client retries what was refused (same clientId); it lands once, after 'before'.
		let retried: Frame | undefined;
		await until(async () => {
			retried = await publish('during');
			return retried.type === 'published';
		}, 10_000);
		assert.equal(retried!.sequence, 2);
		assert.equal((await publish('after')).sequence, 3);
		assert.equal(await health(), 200);
		await until(() => messagesIn(reader, room).length >= 3, 5000);
		assert.deepEqual(messagesIn(reader, room).map(m => m.content), ['before', 'during', 'after']);
	});

	test('cluster: a SIGKILLed node drops its users from presence within the TTL; its clients resume on another node without gaps or duplicates', async t => {
		// A private Redis: the broker processes use the default key prefix.
		const redis = await startOwnRedis([]);
		if (!redis) {
			t.skip('redis-server could not be started (set REDIS_SERVER to its path)');
			return;
		}
		const ttlSeconds = 2;
		const args = ['--redis', redis.url, '--presence-ttl', String(ttlSeconds)];
		const nodes: BrokerProcess[] = [];
		const clients: FrameClient[] = [];
		t.after(async () => {
			for (const client of clients) client.kill();
			await Promise.all(nodes.map(node => node.stop()));
			await redis.stop();
			// What the brokers said, for a failure's post-mortem (a passing run logs nothing worth reading).
			for (const [i, node] of nodes.entries()) {
				const {stderr} = node.output();
				if (stderr.trim()) t.diagnostic(`node ${i} stderr:\n${stderr.trim()}`);
			}
		});
		nodes.push(...(await Promise.all([0, 1, 2].map(() => startBrokerProcess({args})))));
		const [doomed, second, third] = nodes as [BrokerProcess, BrokerProcess, BrokerProcess];
		const room = 'incident';

		const watchers = await Promise.all(
			[second, third].map(async (node, i) => {
				const {client} = await connectAs(node.url, `watcher${i}`);
				clients.push(client);
				await subscribe(client, room);
				return client;
			}),
		);
		const {client: victim} = await connectAs(doomed.url, 'victim');
		const {client: mover} = await connectAs(doomed.url, 'mover');
		clients.push(victim, mover);
		await subscribe(victim, room);
		const moverSubscribed = await subscribe(mover, room);
		for (const watcher of watchers) await until(() => presence(watcher, 'mover', 'join').length === 1, 3000);

		// A publisher on another node keeps the room busy before, during and after the kill.
		const {client: writer} = await connectAs(second.url, 'writer');
		clients.push(writer);
		let published = 0;
		let writing = true;
		const writing$ = (async () => {
			while (writing) {
				const clientId = `m${published + 1}`;
				const acked = writer.next(f => f.type === 'published' && f.clientId === clientId, 5000, `ack of ${clientId}`);
				writer.send({type: 'publish', room, content: clientId, clientId});
				await acked;
				published++;
				await sleep(15);
			}
		})();
		await until(() => messagesIn(mover, room).length >= 20, 5000);

		await doomed.kill('SIGKILL');
		const killedAt = Date.now();
		const before = messagesIn(mover, room).map(m => Number(m.sequence));

		// The mover comes back through another node, from where it was.
		await mover.closed();
		const {client: moved} = await connectAs(third.url, 'mover');
		clients.push(moved);
		const resumed = await subscribe(moved, room, {since: before.at(-1), epoch: moverSubscribed.epoch});
		assert.equal(resumed.epoch, moverSubscribed.epoch);
		assert.equal(resumed.since, before.at(-1));

		// The victim never comes back: each watcher hears one leave, within the TTL.
		for (const watcher of watchers) await until(() => presence(watcher, 'victim', 'leave').length > 0, ttlSeconds * 1000 + 3000);
		const gone = Date.now() - killedAt;
		t.diagnostic(`the victim left every panel ${gone} ms after the kill`);
		assert.ok(gone <= ttlSeconds * 1000 + 1000, `the victim left after ${gone} ms (presence TTL ${ttlSeconds} s)`);

		await sleep(500);
		writing = false;
		await writing$;
		await until(() => Number(messagesIn(moved, room).at(-1)?.sequence ?? 0) >= published, 5000);
		const after = messagesIn(moved, room).map(m => Number(m.sequence));
		assert.deepEqual([...before, ...after], range(1, published), 'before the kill and after the move: every message once, in order');

		for (const watcher of watchers) {
			await sync(watcher);
			assert.equal(presence(watcher, 'victim', 'leave').length, 1, 'exactly one leave per watcher');
			assert.equal(presence(watcher, 'mover', 'leave').length, 0, 'a user who moved to another node never left');
			assert.deepEqual(messagesIn(watcher, room).map(m => Number(m.sequence)), range(1, published));
		}
		const members = await request(watchers[0]!, {type: 'who', room}, 'members');
		assert.deepEqual(userIds(members.members), ['mover', 'watcher0', 'watcher1']);
	});
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

function range(from: number, to: number): number[] {
	return Array.from({length: to - from + 1}, (_, i) => from + i);
}

function userIds(members: unknown): string[] {
	return (members as Array<{userId: string}>).map(m => m.userId).sort();
}

function presence(client: FrameClient, userId: string, action: string): Frame[] {
	return client.frames.filter(f => f.type === 'presence' && f.userId === userId && f.action === action);
}

