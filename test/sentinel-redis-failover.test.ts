// Two natter broker processes on a Sentinel-managed Redis (a master, a replica and three
// sentinels, started for this file): when the master is SIGKILLed mid-traffic the sentinels
// promote the replica; meanwhile publishes are refused as `unavailable`, then the brokers find
// the new master through the sentinels and carry on, with no order violation and no duplicate at
// a subscriber on the other node. Skips loudly when redis-server 7+ is not installed.
import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import {startBrokerProcess, type BrokerProcess} from './helpers/broker-process.js';
import {connectAs, messagesIn, request, subscribe, sync} from './helpers/broker-session.js';
import type {FrameClient} from './helpers/frame-client.js';
import {SENTINEL_SKIP, sentinelAvailable, startRedisSentinel, type RedisSentinel} from './helpers/redis-sentinel.js';
import {startPublishing} from './helpers/retrying-publisher.js';
import {until} from './helpers/until.js';

if (!sentinelAvailable()) {
	test('Redis Sentinel broker suites', {skip: SENTINEL_SKIP}, () => {});
	console.warn(`\n*** SKIPPED the Redis Sentinel broker suites: ${SENTINEL_SKIP} ***\n`);
} else {
	suites();
}

function suites(): void {
	let sentinel: RedisSentinel;
	const brokers: BrokerProcess[] = [];
	const clients: FrameClient[] = [];
	before(async () => {
		sentinel = await startRedisSentinel();
		brokers.push(...(await Promise.all([0, 1].map(() => startBrokerProcess({args: ['--redis', sentinel.url, '--presence-ttl', '3', '--history-size', '1000']})))));
	});
	after(async () => {
		for (const client of clients) client.kill();
		await Promise.all(brokers.map(broker => broker.stop()));
		await sentinel?.stop();
	});

	async function connect(node: number, userId: string): Promise<FrameClient> {
		const {client} = await connectAs(brokers[node]!.url, userId);
		clients.push(client);
		return client;
	}

	test('sentinel: the master SIGKILLed mid-traffic: publishes fail as unavailable, resume on the promoted replica, and a subscriber on the other node sees no duplicate or step back', async () => {
		const room = 'failover';
		const reader = await connect(1, 'watcher');
		await subscribe(reader, room);
		const writer = await connect(0, 'talker');
		const publisher = startPublishing(writer, room, 'm');
		await until(() => publisher.acked.length >= 50, 10_000, '50 acknowledged');
		const [first, second] = sentinel.servers;
		assert.equal(await sentinel.master(), first, 'the first server starts as master');
		await first!.kill();
		const killedAt = publisher.acked.length;
		await sentinel.promoted(second!, 20_000);
		await until(() => publisher.acked.length >= killedAt + 50, 20_000, '50 more acknowledged after the promotion');
		await publisher.stop();

		assert.ok(publisher.unavailable() > 0, 'publishes failed as unavailable while the replica was promoted');
		const history = await request(reader, {type: 'get_history', room, limit: 1000}, 'history');
		const stored = (history.messages as Array<{content: string}>).map(m => m.content);
		assert.equal(new Set(stored).size, stored.length, 'no message stored twice');
		const sinceKill = publisher.acked.slice(killedAt);
		assert.deepEqual(sinceKill.filter(content => !stored.includes(content)), [], 'everything acknowledged by the new master is in its history');
		await until(() => messagesIn(reader, room).length >= stored.length, 5000, 'the reader caught up');
		await sync(reader);
		const seen = messagesIn(reader, room).map(m => m.sequence as number);
		for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! > seen[i - 1]!, `in order and no duplicate at ${i}: ${seen.slice(Math.max(0, i - 3), i + 3).join(',')}`);
		const contents = messagesIn(reader, room).map(m => m.content);
		assert.equal(new Set(contents).size, contents.length, 'no message delivered twice');
	});
}
