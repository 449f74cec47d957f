// A room whose sequence went back without a new epoch: a Redis room whose keys were lost (a
// Redis restart without persistence, an eviction, a flush) reads in its unseen epoch again, the
// same one its subscribers were told, and numbers its messages from 1 again. A subscriber that
// resumes must take what the room numbers from then on as new, not drop it as already seen.
// Real broker, real client core, real WebSockets through a cutting TCP proxy, a real Redis (the
// test skips loudly without one) whose keys are lost by deleting this test's own key prefix.
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

test('Redis: a subscriber away while its room lost its keys gets the messages the room numbers again from 1 after the resume, not dropped as duplicates', {skip: redisUrl ? false : REDIS_SKIP}, async () => {
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
	proxy.resume();
	const resumed = await sub.waitFor(event => event.type === 'joined' && event.resumed, 5000, 'the resume');
	assert.deepEqual(resumed.type === 'joined' && [resumed.sequence, resumed.since], [0, 0], 'the room starts over in the epoch the subscriber knows');
	await publish(publisher, 'e2e', ['after 1', 'after 2', 'after 3', 'after 4', 'after 5', 'after 6']);
	await sub.waitFor(event => event.type === 'message' && event.message.content === 'after 6', 5000, 'the restarted room\'s messages');

	assert.deepEqual(sub.contents('e2e'), ['before 1', 'before 2', 'before 3', 'before 4', 'before 5', 'after 1', 'after 2', 'after 3', 'after 4', 'after 5', 'after 6']);
	assert.deepEqual(sub.sequences('e2e'), [1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 6]);
	assert.equal(sub.events.some(event => event.type === 'gap'), false);
});
