// Two natter broker processes on a real Redis Cluster (3 masters, 3 replicas, started for this
// file): rooms whose keys live on different masters keep one order at every subscriber on both
// nodes, and when a master is SIGKILLed mid-traffic its replica is promoted: publishes to its
// slots are refused as `unavailable` for a moment, then resume, with no order violation and no
// duplicate at any subscriber. Skips loudly when redis-server 7+ / redis-cli are not installed.
import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import {setTimeout as sleep} from 'node:timers/promises';
import {roomKeys} from '../source/broker/engines/redis/redis-keys.js';
import {startBrokerProcess, type BrokerProcess} from './helpers/broker-process.js';
import {connectAs, messagesIn, range, request, subscribe, sync} from './helpers/broker-session.js';
import type {FrameClient} from './helpers/frame-client.js';
import {CLUSTER_SKIP, clusterAvailable, startRedisCluster, type RedisCluster} from './helpers/redis-cluster.js';
import {until} from './helpers/until.js';

if (!clusterAvailable()) {
	test('Redis Cluster broker suites', {skip: CLUSTER_SKIP}, () => {});
	console.warn(`\n*** SKIPPED the Redis Cluster broker suites: ${CLUSTER_SKIP} ***\n`);
} else {
	suites();
}

function suites(): void {
	let cluster: RedisCluster;
	const brokers: BrokerProcess[] = [];
	const clients: FrameClient[] = [];
	before(async () => {
		cluster = await startRedisCluster();
		brokers.push(...(await Promise.all([0, 1].map(() => startBrokerProcess({args: ['--redis', cluster.url, '--presence-ttl', '3']})))));
	});
	after(async () => {
		for (const client of clients) client.kill();
		await Promise.all(brokers.map(broker => broker.stop()));
		await cluster?.stop();
	});

	async function connect(node: number, userId: string): Promise<FrameClient> {
		const {client} = await connectAs(brokers[node]!.url, userId);
		clients.push(client);
		return client;
	}

	/** Rooms (named `<stem>N`) whose keys live on `count` different masters, with the master of each. */
	async function roomsOnDistinctMasters(stem: string, count: number): Promise<Array<{room: string; port: number}>> {
		const byMaster = new Map<number, string>();
		for (let i = 0; byMaster.size < count; i++) {
			const room = `${stem}${i}`;
			const master = await cluster.masterOf(roomKeys('natter:', room).seq);
			if (!byMaster.has(master.port)) byMaster.set(master.port, room);
		}
		return [...byMaster].map(([port, room]) => ({room, port}));
	}

	test('sharded cluster: two nodes, rooms on different masters: every subscriber on both nodes sees 1..N once each, in one order', async () => {
		const rooms = (await roomsOnDistinctMasters('shard', 2)).map(r => r.room);
		const readers = [await connect(0, 'reader0'), await connect(1, 'reader1')];
		for (const reader of readers) for (const room of rooms) await subscribe(reader, room);
		const writers = [await connect(0, 'writer0'), await connect(1, 'writer1')];
		const perWriter = 40;
		// Both writers publish to both rooms at once, each through its own node.
		await Promise.all(
			writers.flatMap((writer, w) =>
				rooms.map(async room => {
					for (let i = 0; i < perWriter; i++) {
						const clientId = `${room}-w${w}-${i}`;
						const acked = writer.next(f => f.clientId === clientId && (f.type === 'published' || f.type === 'error'), 5000, `ack of ${clientId}`);
						writer.send({type: 'publish', room, content: clientId, clientId});
						assert.equal((await acked).type, 'published');
					}
				}),
			),
		);
		for (const room of rooms) {
			for (const reader of readers) {
				await until(() => messagesIn(reader, room).length >= 2 * perWriter, 5000);
				await sync(reader);
				assert.deepEqual(messagesIn(reader, room).map(m => m.sequence), range(1, 2 * perWriter), `${room}: contiguous, no duplicate`);
			}
			const orders = readers.map(reader => messagesIn(reader, room).map(m => m.content));
			assert.deepEqual(orders[1], orders[0], `${room}: one order on both nodes`);
		}
	});

	test('sharded cluster: a master SIGKILLed mid-traffic: publishes to its slots fail as unavailable, resume after the replica is promoted, and no subscriber sees a duplicate or a step back', async () => {
		const {room, port} = (await roomsOnDistinctMasters('failover', 1))[0]!;
		const reader = await connect(1, 'watcher');
		await subscribe(reader, room);
		const writer = await connect(0, 'talker');
		let acked = 0;
		let unavailable = 0;
		let killedAt = -1;
		let stop = false;
		const publishing = (async () => {
			for (let i = 0; !stop; i++) {
				// A refused publish is retried with the same clientId, as natter's client does.
				for (;;) {
					const clientId = `m${i}`;
					const answer = writer.next(f => f.clientId === clientId && (f.type === 'published' || f.type === 'error'), 10_000, `answer to ${clientId}`);
					writer.send({type: 'publish', room, content: clientId, clientId});
					const frame = await answer;
					if (frame.type === 'published') {
						acked++;
						break;
					}
					assert.equal(frame.code, 'unavailable', JSON.stringify(frame));
					unavailable++;
					await sleep(50);
				}
			}
		})();
		await until(() => acked >= 50, 10_000);
		const master = cluster.nodes.find(node => node.port === port)!;
		await master.kill();
		killedAt = acked;
		// The cluster's own part first, so a replica that is never promoted is not blamed on the broker.
		const seqKey = roomKeys('natter:', room).seq;
		await until(async () => (await cluster.masterOf(seqKey)).port !== port, 15_000, `a replica of the killed master ${port} to be promoted`);
		await until(() => acked >= killedAt + 50, 30_000, 'publishes to the room to resume on the promoted replica');
		stop = true;
		await publishing;
		await cluster.healthy(10_000);

		assert.ok(unavailable > 0, 'publishes failed as unavailable while the replica was promoted');
		const history = await request(reader, {type: 'get_history', room, limit: 1000}, 'history');
		const stored = (history.messages as Array<{sequence: number}>).map(m => m.sequence);
		await until(() => messagesIn(reader, room).length >= stored.length, 5000);
		await sync(reader);
		const seen = messagesIn(reader, room).map(m => m.sequence as number);
		for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! > seen[i - 1]!, `in order and no duplicate at ${i}: ${seen.slice(Math.max(0, i - 3), i + 3).join(',')}`);
		const contents = messagesIn(reader, room).map(m => m.content);
		assert.equal(new Set(contents).size, contents.length, 'no message delivered twice');
	});
}

