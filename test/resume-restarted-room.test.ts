// A room whose history restarted without a new epoch: a Redis room whose keys were lost (a Redis
// restart without persistence, an eviction, a flush) reads in its unseen epoch again, the same
// one its subscribers were told, and numbers its messages from 1 again. A subscriber resuming
// from a later sequence must get those messages (or an explicit gap), not skip them as already
// seen. Real brokers, real WebSockets; the Redis case runs against a real Redis (skips loudly
// without one) and loses the keys by deleting this test's own key prefix.
import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import {createRedisEngine} from '../source/broker/engines/redis/redis-engine.js';
import {recordClient} from './helpers/client-events.js';
import {FrameClient} from './helpers/frame-client.js';
import {REDIS_SKIP, deleteKeys, findRedis, uniquePrefix} from './helpers/redis.js';
import {until} from './helpers/retrying-publisher.js';
import {startBroker} from './helpers/start-broker.js';
import {startTcpProxy} from './helpers/tcp-proxy.js';

const cleanup: Array<() => Promise<unknown> | void> = [];
after(async () => {
	for (const step of cleanup.reverse()) await step();
});

const redisUrl = await findRedis();

/** Publish `contents` into `room` as `publisher` and wait until the broker has taken the last. */
async function publish(publisher: FrameClient, room: string, contents: string[]): Promise<void> {
	for (const content of contents) publisher.send({type: 'publish', room, sender: 'talker', content, clientId: content});
	await publisher.waitFor(frame => frame.type === 'published' && frame.clientId === contents.at(-1));
}

test('a subscribe in the room\'s epoch from past its current sequence is replayed from the start of the room, not from its current sequence', async () => {
	const broker = await startBroker();
	cleanup.push(() => broker.close());
	const publisher = await FrameClient.connect(broker.url);
	cleanup.push(() => publisher.close());
	publisher.send({type: 'hello', userId: 'talker'});
	publisher.send({type: 'subscribe', room: 'ops', userId: 'talker'});
	const joined = await publisher.waitFor(frame => frame.type === 'subscribed');
	await publish(publisher, 'ops', ['one', 'two', 'three']);

	const reader = await FrameClient.connect(broker.url);
	cleanup.push(() => reader.close());
	reader.send({type: 'hello', userId: 'reader'});
	reader.send({type: 'subscribe', room: 'ops', userId: 'reader', since: 50, epoch: joined.epoch});
	const subscribed = await reader.waitFor(frame => frame.type === 'subscribed');
	assert.equal(subscribed.since, 0);
	assert.equal(subscribed.lost, 0);
	await reader.waitFor(frame => frame.type === 'message' && frame.content === 'three');
	assert.deepEqual(reader.ofType('message').map(frame => frame.content), ['one', 'two', 'three']);
});

test('Redis: a subscriber away while the room lost its keys gets, on resume, the messages the room numbered again from 1, then live ones', {skip: redisUrl ? false : REDIS_SKIP}, async () => {
	const url = redisUrl!;
	const prefix = uniquePrefix();
	cleanup.push(() => deleteKeys(url, prefix));
	const broker = await startBroker({engine: createRedisEngine(url, {prefix})});
	cleanup.push(() => broker.close());
	const proxy = await startTcpProxy(broker.port);
	cleanup.push(() => proxy.close());
	const sub = recordClient({urls: [proxy.url], name: 'listener', rooms: ['e2e']});
	cleanup.push(() => sub.client.close(0));
	await sub.waitFor(event => event.type === 'joined' && event.room === 'e2e');

	const publisher = await FrameClient.connect(broker.url);
	cleanup.push(() => publisher.close());
	publisher.send({type: 'hello', userId: 'talker'});
	publisher.send({type: 'subscribe', room: 'e2e', userId: 'talker'});
	await publisher.waitFor(frame => frame.type === 'subscribed');
	await publish(publisher, 'e2e', ['before 1', 'before 2', 'before 3', 'before 4', 'before 5']);
	await sub.waitFor(event => event.type === 'message' && event.message.content === 'before 5');

	proxy.pause();
	await until(() => broker.stats().connections === 1, 5000, 'the broker to drop the subscriber');
	await deleteKeys(url, prefix);
	await publish(publisher, 'e2e', ['after 1', 'after 2', 'after 3']);
	proxy.resume();
	await sub.waitFor(event => event.type === 'message' && event.message.content === 'after 3', 5000, 'the restarted room\'s messages');
	await publish(publisher, 'e2e', ['after 4', 'after 5', 'after 6']);
	await sub.waitFor(event => event.type === 'message' && event.message.content === 'after 6', 5000, 'live messages after the resume');

	assert.deepEqual(sub.contents('e2e'), ['before 1', 'before 2', 'before 3', 'before 4', 'before 5', 'after 1', 'after 2', 'after 3', 'after 4', 'after 5', 'after 6']);
	assert.deepEqual(sub.sequences('e2e'), [1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 6]);
	assert.equal(sub.events.some(event => event.type === 'gap'), false);
});
