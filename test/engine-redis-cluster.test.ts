// The Engine contract against the Redis engine on a real Redis Cluster (3 masters, 3 replicas,
// started for this file by test/helpers/redis-cluster.ts), plus what only a cluster can get
// wrong: sharded pub/sub reaching only the shards a node watches, DMs whose user channels live
// on other slots than the conversation, kept names, and dedupe through another node.
// Skips loudly when redis-server 7+ / redis-cli are not installed.
import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {setTimeout as sleep} from 'node:timers/promises';
import {Redis} from 'ioredis';
import type {Engine} from '../source/broker/engines/engine.js';
import {createRedisEngine, type RedisEngineOptions} from '../source/broker/engines/redis/redis-engine.js';
import {roomKeys, userChannel} from '../source/broker/engines/redis/redis-keys.js';
import {directKey} from '../source/protocol/names.js';
import {engineContractSuite} from './engine-contract.js';
import {redisContractEngines} from './helpers/redis-contract.js';
import {CLUSTER_SKIP, clusterAvailable, startRedisCluster, type RedisCluster} from './helpers/redis-cluster.js';
import {until} from './helpers/until.js';
import {collect, messages, range} from './helpers/engine-events.js';

if (!clusterAvailable()) {
	test('Redis Cluster engine suites', {skip: CLUSTER_SKIP}, () => {});
	console.warn(`\n*** SKIPPED the Redis Cluster engine suites: ${CLUSTER_SKIP} ***\n`);
} else {
	suites();
}

function suites(): void {
	let cluster: RedisCluster;
	/** Engines of the tests below, closed before the cluster stops. */
	const open: Engine[] = [];
	before(async () => {
		cluster = await startRedisCluster();
	});
	after(async () => {
		await Promise.all(open.map(engine => engine.close()));
		await cluster?.stop();
	});

	/** A fresh prefix per engine group: the cluster is this file's alone, and stopped with everything in it. */
	const prefixOf = (): string => `natter-test:${randomBytes(6).toString('hex')}:`;

	const engines = redisContractEngines(() => cluster.url);
	engineContractSuite('redis cluster', {
		create: engines.create,
		reopen: engines.reopen,
	});

	function nodes(count: number, options: RedisEngineOptions = {}): {prefix: string; engines: Engine[]} {
		const prefix = prefixOf();
		const engines = Array.from({length: count}, (_, i) => createRedisEngine(cluster.url, {nodeId: `${prefix.slice(13, -1)}-n${i}`, ...options, prefix}));
		open.push(...engines);
		return {prefix, engines};
	}

	/** Rooms whose keys live on `count` different masters. */
	async function roomsOnDistinctMasters(prefix: string, count: number): Promise<string[]> {
		const byMaster = new Map<number, string>();
		for (let i = 0; byMaster.size < count; i++) {
			const room = `room${i}`;
			const master = await cluster.masterOf(roomKeys(prefix, room).seq);
			if (!byMaster.has(master.port)) byMaster.set(master.port, room);
		}
		return [...byMaster.values()];
	}

	test('cluster engine: a node subscribes (SSUBSCRIBE) only on the shard of each room it watches', async () => {
		const {prefix, engines} = nodes(1);
		const engine = engines[0]!;
		const [room] = await roomsOnDistinctMasters(prefix, 1);
		await engine.watch(room!);
		await engine.room(room!); // settles the watch
		const channel = roomKeys(prefix, room!).channel;
		const owner = await cluster.masterOf(channel);
		for (const master of await cluster.masters()) {
			const inspect = new Redis(master.port, '127.0.0.1');
			try {
				const channels = (await inspect.call('PUBSUB', 'SHARDCHANNELS', `${prefix}*`)) as string[];
				assert.deepEqual(channels, master.port === owner.port ? [channel] : [], `shard channels on ${master.address}`);
				assert.deepEqual(await inspect.pubsub('CHANNELS', `${prefix}*`), [], 'no classic (cluster-wide) channel');
			} finally {
				inspect.disconnect();
			}
		}
	});

	test('cluster engine: rooms on three different masters each count from 1, and a node watching them all hears every one in order', async () => {
		const {prefix, engines} = nodes(2, {historySize: 500});
		const [a, b] = engines;
		const rooms = await roomsOnDistinctMasters(prefix, 3);
		for (const room of rooms) await b!.watch(room);
		const seen = collect(b!);
		await Promise.all(rooms.flatMap(room => Array.from({length: 100}, (_, i) => (i % 2 ? a! : b!).publish({room, sender: 'ana', content: `${room}-${i}`, timestamp: Date.now()}))));
		for (const room of rooms) {
			await until(() => messages(seen, room).length >= 100, 5000);
			assert.deepEqual(messages(seen, room), range(1, 100), `${room}: 1..100 once each, in order`);
			assert.equal((await a!.room(room)).sequence, 100);
		}
	});

	test('cluster engine: a DM reaches the nodes watching either party (user channels on other slots), once each', async () => {
		const {prefix, engines} = nodes(4);
		const [sender, alicesNode, bothNode, carolsNode] = engines;
		// The conversation and the two user channels: three different slots.
		const key = directKey('alice', 'bob');
		const slotsOf = await Promise.all([roomKeys(prefix, key).seq, userChannel(prefix, 'alice'), userChannel(prefix, 'bob')].map(k => slotOf(k)));
		assert.equal(new Set(slotsOf).size, 3, 'the test covers channels outside the conversation\'s slot');
		await alicesNode!.watch('@alice');
		await bothNode!.watch('@alice');
		await bothNode!.watch('@bob');
		await carolsNode!.watch('@carol');
		const atAlice = collect(alicesNode!);
		const atBoth = collect(bothNode!);
		const atCarol = collect(carolsNode!);
		const sent = [];
		for (let i = 0; i < 20; i++) sent.push(await sender!.publish({room: key, sender: i % 2 ? 'bob' : 'alice', content: `dm${i}`, clientId: `c${i}`, timestamp: Date.now()}));
		await until(() => messages(atAlice, key).length === 20 && messages(atBoth, key).length === 20, 3000);
		await sleep(100); // Room for a copy to arrive, if one were coming.
		assert.deepEqual(messages(atAlice, key), range(1, 20));
		assert.deepEqual(messages(atBoth, key), range(1, 20), 'a node watching both parties hears each once');
		assert.equal(atCarol.length, 0);
		assert.deepEqual(atAlice.find(e => e.type === 'message'), {type: 'message', room: key, epoch: sent[0]!.epoch, message: sent[0]!.message});
		// A retry through another node is a duplicate, and announces nothing.
		const retry = await alicesNode!.publish({room: key, sender: 'alice', content: 'dm0', clientId: 'c0', timestamp: Date.now()});
		assert.equal(retry.duplicate, true);
		assert.equal(retry.message.sequence, 1);
		await sleep(100);
		assert.equal(messages(atBoth, key).length, 20);
	});

	test('cluster engine: presence and announcements travel on the room\'s shard to every watching node', async () => {
		const {engines} = nodes(2);
		const [a, b] = engines;
		await b!.watch('lobby');
		const seen = collect(b!);
		assert.equal(await a!.presenceAdd('lobby', 'dave', 'a/1', 'online'), true);
		await a!.announce({type: 'presence', room: 'lobby', userId: 'dave', action: 'join', status: 'online', timestamp: 1});
		await until(() => seen.some(e => e.type === 'presence' && e.userId === 'dave'), 3000);
		assert.deepEqual(await b!.members('lobby'), [{userId: 'dave', status: 'online'}]);
	});

	test('cluster engine: kept names are shared by every node (first to claim keeps it)', async () => {
		const {engines} = nodes(2);
		const [a, b] = engines;
		const record = {name: 'Ana', hash: 'h1', lastUsed: 1};
		assert.equal(await a!.nameKeys.add('ana', record), true);
		assert.equal(await b!.nameKeys.add('ana', {...record, hash: 'h2'}), false);
		assert.deepEqual(await b!.nameKeys.get('ana'), record);
		await b!.nameKeys.touch('ana', 5);
		assert.equal((await a!.nameKeys.get('ana'))?.lastUsed, 5);
		assert.equal(await a!.nameKeys.count(), 1);
		await a!.nameKeys.remove('ana');
		assert.equal(await b!.nameKeys.get('ana'), undefined);
	});

	async function slotOf(key: string): Promise<number> {
		const inspect = new Redis(cluster.nodes[0]!.port, '127.0.0.1');
		try {
			return Number(await inspect.cluster('KEYSLOT', key));
		} finally {
			inspect.disconnect();
		}
	}
}

