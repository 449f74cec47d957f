// A Redis room whose keys were lost (a Redis restart without persistence, a flush) starts over in
// a new epoch (its slot's generation went with its keys), so its subscribers see it start over
// and take what it numbers from 1 again as new, both one that was away during the loss and one
// connected through it. Real broker, real client core, real WebSockets (through a cutting TCP
// proxy for the one away), a real Redis (the test skips loudly without one) whose keys are lost
// by deleting this test's own key prefix.
import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import {createRedisEngine} from '../source/broker/engines/redis/redis-engine.js';
import {recordClient} from './helpers/client-events.js';
import {FrameClient} from './helpers/frame-client.js';
import {REDIS_SKIP, deleteKeys, findRedis, uniquePrefix} from './helpers/redis.js';
import {until} from './helpers/until.js';
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

test('Redis: a subscriber away while its room lost its keys sees the room start over in a new epoch and gets everything it numbers from 1 again', {skip: redisUrl ? false : REDIS_SKIP}, async () => {
	const url = redisUrl!;
	const prefix = uniquePrefix();
	cleanup.push(() => deleteKeys(url, prefix));
	const broker = await startBroker({engine: createRedisEngine(url, {prefix})});
	cleanup.push(() => broker.close());
	const proxy = await startTcpProxy(broker.port);
	cleanup.push(() => proxy.close());
	const sub = recordClient({urls: [proxy.url], name: 'listener', rooms: ['e2e']});
	cleanup.push(() => sub.client.close(0));
	const joined = await sub.waitFor(event => event.type === 'joined' && event.room === 'e2e');
	const epoch = joined.type === 'joined' ? joined.epoch : undefined;

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
	proxy.resume();
	const again = await sub.waitFor(event => event.type === 'joined' && event.epoch !== epoch, 5000, 'the rejoin in a new epoch');
	assert.deepEqual(again.type === 'joined' && [again.sequence, again.since], [0, 0], 'the room starts over');
	await publish(publisher, 'e2e', ['after 1', 'after 2', 'after 3', 'after 4', 'after 5', 'after 6']);
	await sub.waitFor(event => event.type === 'message' && event.message.content === 'after 6', 5000, "the restarted room's messages");

	assert.deepEqual(sub.contents('e2e'), ['before 1', 'before 2', 'before 3', 'before 4', 'before 5', 'after 1', 'after 2', 'after 3', 'after 4', 'after 5', 'after 6']);
	assert.deepEqual(sub.sequences('e2e'), [1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 6]);
	assert.equal(sub.events.some(event => event.type === 'gap'), false);
});

test('Redis: a subscriber connected while its room lost its keys gets what the room numbers from 1 again, not dropped as already seen', {skip: redisUrl ? false : REDIS_SKIP}, async () => {
	const url = redisUrl!;
	const prefix = uniquePrefix();
	cleanup.push(() => deleteKeys(url, prefix));
	const broker = await startBroker({engine: createRedisEngine(url, {prefix})});
	cleanup.push(() => broker.close());
	const listener = await FrameClient.connect(broker.url);
	cleanup.push(() => listener.close());
	listener.send({type: 'hello', userId: 'listener'});
	listener.send({type: 'subscribe', room: 'kept', userId: 'listener'});
	await listener.waitFor(frame => frame.type === 'subscribed');
	const publisher = await FrameClient.connect(broker.url);
	cleanup.push(() => publisher.close());
	publisher.send({type: 'hello', userId: 'talker'});
	await publisher.waitFor(frame => frame.type === 'welcome');
	await publish(publisher, 'kept', ['before 1', 'before 2', 'before 3']);
	await listener.waitFor(frame => frame.type === 'message' && frame.content === 'before 3');

	await deleteKeys(url, prefix);
	await publish(publisher, 'kept', ['after 1', 'after 2']);
	const notice = await listener.waitFor(frame => frame.type === 'history_cleared', 5000);
	assert.deepEqual([notice.room, notice.by], ['kept', undefined], 'told the room started over, by nobody');
	const after1 = await listener.waitFor(frame => frame.type === 'message' && frame.content === 'after 1', 5000);
	await listener.waitFor(frame => frame.type === 'message' && frame.content === 'after 2', 5000);
	assert.equal(after1.sequence, 1);
});
