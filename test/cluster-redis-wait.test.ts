// `--redis-wait 1` on a real Redis Cluster (3 masters, 3 replicas, started for this file): a
// publish is acknowledged only once a replica has it, so every acknowledged message is still in
// history after its master is SIGKILLed and the replica promoted; and while no replica answers,
// a publish is refused as `unavailable` (its retry with the same clientId is stored once).
// Skips loudly when redis-server 7+ / redis-cli are not installed.
import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import {roomKeys} from '../source/broker/engines/redis/redis-keys.js';
import {startBrokerProcess, type BrokerProcess} from './helpers/broker-process.js';
import {connectAs, messagesIn, request, subscribe, sync} from './helpers/broker-session.js';
import type {FrameClient} from './helpers/frame-client.js';
import {CLUSTER_SKIP, clusterAvailable, startRedisCluster, type RedisCluster} from './helpers/redis-cluster.js';
import {startPublishing} from './helpers/retrying-publisher.js';
import {until} from './helpers/until.js';

if (!clusterAvailable()) {
	test('Redis Cluster --redis-wait suites', {skip: CLUSTER_SKIP}, () => {});
	console.warn(`\n*** SKIPPED the Redis Cluster --redis-wait suites: ${CLUSTER_SKIP} ***\n`);
} else {
	suites();
}

function suites(): void {
	let cluster: RedisCluster;
	let broker: BrokerProcess;
	const clients: FrameClient[] = [];
	before(async () => {
		cluster = await startRedisCluster();
		broker = await startBrokerProcess({args: ['--redis', cluster.url, '--redis-wait', '1', '--presence-ttl', '3', '--history-size', '1000']});
	});
	after(async () => {
		for (const client of clients) client.kill();
		await broker?.stop();
		await cluster?.stop();
	});

	async function connect(userId: string): Promise<FrameClient> {
		const {client} = await connectAs(broker.url, userId);
		clients.push(client);
		return client;
	}

	async function contentsInHistory(client: FrameClient, room: string): Promise<string[]> {
		const history = await request(client, {type: 'get_history', room, limit: 1000}, 'history');
		return (history.messages as Array<{content: string}>).map(m => m.content);
	}

	test('--redis-wait 1: while every replica is paused a publish answers unavailable, and its retry with the same clientId is stored once', async () => {
		const writer = await connect('waiter');
		const room = 'paused';
		await subscribe(writer, room);
		const replicas = await cluster.replicas();
		assert.equal(replicas.length, 3);
		for (const replica of replicas) replica.pause();
		try {
			const answer = await request(writer, {type: 'publish', room, content: 'held', clientId: 'held'}, 'published');
			assert.equal(answer.type, 'error', JSON.stringify(answer));
			assert.equal(answer.code, 'unavailable', JSON.stringify(answer));
			assert.match(String(answer.error), /replica/, 'the refusal says replicas did not acknowledge');
		} finally {
			for (const replica of replicas) replica.resume();
		}
		await cluster.healthy(15_000);
		let retried: Record<string, unknown> = {};
		await until(async () => {
			retried = await request(writer, {type: 'publish', room, content: 'held', clientId: 'held'}, 'published');
			return retried.type === 'published';
		}, 15_000, 'the retry acknowledged');
		assert.deepEqual(await contentsInHistory(writer, room), ['held'], 'stored once: the retry was recognised, not stored again');
	});

	test('--redis-wait 1: every publish acknowledged before its master is SIGKILLed is in history after the replica is promoted, with no duplicate and no step back', async () => {
		const room = 'durable';
		const {port} = await cluster.masterOf(roomKeys('natter:', room).seq);
		const reader = await connect('reader');
		await subscribe(reader, room);
		const writer = await connect('writer');
		const publisher = startPublishing(writer, room, 'm');
		await until(() => publisher.acked.length >= 40, 15_000, '40 acknowledged');
		const master = cluster.nodes.find(node => node.port === port)!;
		await master.kill();
		const killedAt = publisher.acked.length;
		// The promoted replica has no replica of its own until the old master returns as one:
		// until then nothing can be acknowledged under --redis-wait 1.
		await cluster.healthy(15_000);
		await master.start();
		await until(() => publisher.acked.length >= killedAt + 40, 30_000, '40 more acknowledged after the failover');
		await publisher.stop();

		assert.ok(publisher.unavailable() > 0, 'publishes were refused while the slot had no replica');
		assert.notEqual((await cluster.masterOf(roomKeys('natter:', room).seq)).port, port, 'a replica took over the slot');
		const stored = await contentsInHistory(reader, room);
		const missing = publisher.acked.filter(content => !stored.includes(content));
		assert.deepEqual(missing, [], 'every acknowledged publish survived the failover');
		assert.equal(new Set(stored).size, stored.length, 'no message stored twice');
		await until(() => messagesIn(reader, room).length >= stored.length, 5000, 'the reader caught up');
		await sync(reader);
		const seen = messagesIn(reader, room).map(m => m.sequence as number);
		for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! > seen[i - 1]!, `in order and no duplicate at ${i}: ${seen.slice(Math.max(0, i - 3), i + 3).join(',')}`);
	});
}
