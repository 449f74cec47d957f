// Redis nodes restarting under two natter broker processes on a real Redis Cluster (3 masters,
// 3 replicas, started for this file): the master of a busy room is stopped with SIGTERM (Redis
// lets its replica catch up, then exits), its replica is promoted, the old master is started
// again from its nodes.conf and rejoins as a replica, and then that replica is restarted too.
// Throughout, both brokers keep serving: every publish is eventually acknowledged, history holds
// each once, and subscribers on both nodes see 1..N in one order with no gap and no duplicate.
// And a broker process killed mid-traffic: natter's own client moves to the other node, resends
// its outbox with the same clientIds, and nothing is lost or stored twice; a node started in its
// place serves the room's whole history. Skips loudly when redis-server 7+ / redis-cli are not installed.
import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import {roomKeys} from '../source/broker/engines/redis/redis-keys.js';
import {createClient} from '../source/client/create-client.js';
import type {ClientEvent, NatterClient} from '../source/client/types.js';
import {startBrokerProcess, type BrokerProcess} from './helpers/broker-process.js';
import {connectAs, messagesIn, range, request, subscribe, sync} from './helpers/broker-session.js';
import type {FrameClient} from './helpers/frame-client.js';
import {CLUSTER_SKIP, clusterAvailable, startRedisCluster, type RedisCluster} from './helpers/redis-cluster.js';
import {startPublishing} from './helpers/retrying-publisher.js';
import {until} from './helpers/until.js';

if (!clusterAvailable()) {
	test('Redis Cluster node restart suites', {skip: CLUSTER_SKIP}, () => {});
	console.warn(`\n*** SKIPPED the Redis Cluster node restart suites: ${CLUSTER_SKIP} ***\n`);
} else {
	suites();
}

function suites(): void {
	let cluster: RedisCluster;
	const brokers: BrokerProcess[] = [];
	const clients: FrameClient[] = [];
	const natters: NatterClient[] = [];
	before(async () => {
		cluster = await startRedisCluster();
		brokers.push(...(await Promise.all([0, 1].map(() => startBrokerProcess({args: ['--redis', cluster.url, '--presence-ttl', '3', '--history-size', '1000']})))));
	});
	after(async () => {
		for (const client of clients) client.kill();
		await Promise.all(natters.map(client => client.close()));
		await Promise.all(brokers.map(broker => broker.stop()));
		await cluster?.stop();
	});

	async function connect(node: number, userId: string): Promise<FrameClient> {
		const {client} = await connectAs(brokers[node]!.url, userId);
		clients.push(client);
		return client;
	}

	test('cluster node restarts: a master (SIGTERM, promoted replica, back as a replica) and then a replica restart while two brokers serve a room: nothing lost, nothing twice, one order on both nodes', async () => {
		const room = 'restarts';
		const key = roomKeys('natter:', room).seq;
		const readers = [await connect(0, 'reader0'), await connect(1, 'reader1')];
		for (const reader of readers) await subscribe(reader, room);
		const publishers = [startPublishing(await connect(0, 'writer0'), room, 'a'), startPublishing(await connect(1, 'writer1'), room, 'b')];
		const acked = (): number => publishers.reduce((sum, publisher) => sum + publisher.acked.length, 0);
		const moreAcked = async (count: number, what: string): Promise<void> => {
			const from = acked();
			await until(() => acked() >= from + count, 30_000, what);
		};
		await moreAcked(40, '40 acknowledged before any restart');

		const oldMaster = await cluster.masterOf(key);
		await oldMaster.kill('SIGTERM');
		await cluster.healthy(15_000);
		const newMaster = await cluster.masterOf(key);
		assert.notEqual(newMaster.port, oldMaster.port, 'the replica took over the slot');
		await oldMaster.start();
		await cluster.healthy(15_000);
		assert.ok((await cluster.replicas()).includes(oldMaster), 'the old master rejoined as a replica');
		await moreAcked(40, '40 acknowledged after the master restart');

		await oldMaster.kill('SIGTERM');
		await moreAcked(20, '20 acknowledged while the replica is down');
		await oldMaster.start();
		await cluster.healthy(15_000);
		assert.equal((await cluster.masterOf(key)).port, newMaster.port, 'a replica restart moves no slot');
		await moreAcked(40, '40 acknowledged after the replica restart');
		await Promise.all(publishers.map(publisher => publisher.stop()));

		const history = await request(readers[0]!, {type: 'get_history', room, limit: 1000}, 'history');
		const stored = (history.messages as Array<{content: string; sequence: number}>);
		assert.deepEqual(stored.map(m => m.sequence), range(1, stored.length), 'history is 1..N with no gap');
		assert.deepEqual(stored.map(m => m.content).sort(), publishers.flatMap(publisher => publisher.acked).sort(), 'history holds every acknowledged publish once, and nothing else');
		for (const publisher of publishers) {
			const mine = stored.map(m => m.content).filter(content => publisher.acked.includes(content));
			assert.deepEqual(mine, publisher.acked, "each writer's messages are stored in the order it sent them");
		}
		for (const reader of readers) {
			await until(() => messagesIn(reader, room).length >= stored.length, 5000, 'the reader caught up');
			await sync(reader);
			assert.deepEqual(messagesIn(reader, room).map(m => m.content), stored.map(m => m.content), 'each reader saw history\'s order, once each');
		}
	});

	test('broker restart: a node SIGKILLed mid-traffic: its client moves to the other node and resends with the same clientIds, nothing is lost or stored twice, and a node started in its place serves it all', async () => {
		const room = 'broker-restart';
		const start = (name: string, urls: string[]): {client: NatterClient; events: ClientEvent[]} => {
			const client = createClient({urls, name, rooms: [room], minBackoffMs: 50, maxBackoffMs: 500, activeBackoffMs: 500});
			const events: ClientEvent[] = [];
			client.on(event => events.push(event));
			client.start();
			natters.push(client);
			return {client, events};
		};
		const joined = (events: ClientEvent[]): boolean => events.some(e => e.type === 'joined' && e.room === room);
		const reader = start('reader', [brokers[1]!.url]);
		const writer = start('writer', [brokers[0]!.url, brokers[1]!.url]);
		await until(() => joined(reader.events) && joined(writer.events), 10_000, 'both joined');
		const sent = (): number => writer.events.filter(e => e.type === 'sent').length;
		const total = 200;
		for (let i = 0; i < total; i++) {
			writer.client.publish(room, `p${i}`);
			if (i === 60) await until(() => sent() >= 30, 10_000, '30 sent before the kill');
			if (i === 60) await brokers[0]!.kill('SIGKILL');
		}
		await until(() => writer.client.pending.length === 0, 30_000, 'the outbox emptied through the other node');
		const contents = (events: ClientEvent[]): string[] => events.flatMap(e => (e.type === 'message' && e.room === room ? [e.message.content] : []));
		const expected = Array.from({length: total}, (_, i) => `p${i}`);
		await until(() => contents(reader.events).length >= total, 10_000, 'the reader got every message');
		assert.deepEqual(contents(reader.events), expected, 'the reader saw each message once, in the order it was written');
		const sequences = reader.events.flatMap(e => (e.type === 'message' && e.room === room ? [e.message.sequence] : []));
		assert.deepEqual(sequences, range(1, total), 'sequences 1..N with no gap');

		brokers[0] = await startBrokerProcess({args: ['--redis', cluster.url, '--presence-ttl', '3', '--history-size', '1000']});
		const late = await connect(0, 'late');
		const history = await request(late, {type: 'get_history', room, limit: 1000}, 'history');
		assert.deepEqual((history.messages as Array<{content: string}>).map(m => m.content), expected, 'the restarted node serves the whole history');
	});
}
