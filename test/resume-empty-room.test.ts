// A subscriber that joined a room while it was still empty, then lost its connection before
// anything was published: on resume it must get every message published while it was away (or
// an explicit gap for what history no longer holds), never silently start at the room's current
// sequence. The memory engine drops an empty room nobody watches, so the room comes back in a new
// epoch; SQLite and Redis keep the epoch an unseen room was read in. Real broker, real client
// core, real WebSockets through a TCP proxy that cuts the subscriber off, for every engine.
import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {Engine} from '../source/broker/engines/engine.js';
import {createMemoryEngine} from '../source/broker/engines/memory/memory-engine.js';
import {createRedisEngine} from '../source/broker/engines/redis/redis-engine.js';
import {createSqliteEngine} from '../source/broker/engines/sqlite/sqlite-engine.js';
import type {ClientEvent} from '../source/client/types.js';
import {recordClient} from './helpers/client-events.js';
import {FrameClient, sleep} from './helpers/frame-client.js';
import {REDIS_SKIP, deleteKeys, findRedis, uniquePrefix} from './helpers/redis.js';
import {startBroker} from './helpers/start-broker.js';
import {startTcpProxy} from './helpers/tcp-proxy.js';

const cleanup: Array<() => Promise<unknown> | void> = [];
after(async () => {
	for (const step of cleanup.reverse()) await step();
});

const dir = mkdtempSync(join(tmpdir(), 'natter-resume-empty-'));
cleanup.push(() => rmSync(dir, {recursive: true, force: true}));
const redisUrl = await findRedis();

type EngineCase = {
	kind: string;
	/** A fresh engine keeping `historySize` messages per room; undefined when it cannot run here. */
	create(historySize: number): Engine | undefined;
	/** Whether the room comes back in a new epoch once its only subscriber is gone. */
	newEpoch: boolean;
};

let files = 0;
const engines: EngineCase[] = [
	{kind: 'memory', newEpoch: true, create: historySize => createMemoryEngine({historySize})},
	{kind: 'SQLite', newEpoch: false, create: historySize => createSqliteEngine(join(dir, `natter-${++files}.db`), {historySize})},
	{
		kind: 'Redis',
		newEpoch: false,
		create(historySize) {
			if (!redisUrl) return undefined;
			const prefix = uniquePrefix();
			cleanup.push(() => deleteKeys(redisUrl, prefix));
			return createRedisEngine(redisUrl, {historySize, prefix});
		},
	},
];

type Scenario = {
	/** The subscriber's `joined` events, then every message and gap it delivered, in order. */
	joined: Array<Extract<ClientEvent, {type: 'joined'}>>;
	delivered: Array<Extract<ClientEvent, {type: 'message' | 'gap'}>>;
	/** The epoch the publisher was told when it joined the room after the subscriber was cut off. */
	publisherEpoch: unknown;
};

/**
 * The subscriber joins the empty room `e2e`, is cut off (and kept off) until the broker has let
 * go of its connection, the publisher then joins and publishes `count` lines, and only then does
 * the subscriber get back in. Resolves once the subscriber has caught up with the last line.
 */
async function cutWhileEmpty(engine: Engine, count: number): Promise<Scenario> {
	const broker = await startBroker({graceMs: 500, engine});
	cleanup.push(() => broker.close());
	const proxy = await startTcpProxy(broker.port);
	cleanup.push(() => proxy.close());

	const sub = recordClient({urls: [proxy.url], name: 'listener', rooms: ['e2e']});
	cleanup.push(() => sub.client.close(0));
	await sub.waitFor(event => event.type === 'joined' && event.room === 'e2e');

	proxy.pause();
	await sub.waitFor(event => event.type === 'status' && event.status.state === 'reconnecting');
	// The broker has dropped the connection (and with it the room's only watcher) before anyone publishes.
	for (let i = 0; broker.stats().connections > 0; i++) {
		assert.ok(i < 200, 'the broker should notice the cut connection');
		await sleep(10);
	}

	const publisher = await FrameClient.connect(broker.url);
	cleanup.push(() => publisher.close());
	publisher.send({type: 'hello', userId: 'talker'});
	publisher.send({type: 'subscribe', room: 'e2e', userId: 'talker'});
	const subscribed = await publisher.waitFor(frame => frame.type === 'subscribed');
	for (let i = 1; i <= count; i++) publisher.send({type: 'publish', room: 'e2e', sender: 'talker', content: `line ${i}`, clientId: `c${i}`});
	await publisher.waitFor(frame => frame.type === 'published' && frame.clientId === `c${count}`);

	proxy.resume();
	await sub.waitFor(event => event.type === 'message' && event.message.content === `line ${count}`, 10_000, `line ${count}`);
	return {
		joined: sub.events.filter((event): event is Extract<ClientEvent, {type: 'joined'}> => event.type === 'joined'),
		delivered: sub.events.filter((event): event is Extract<ClientEvent, {type: 'message' | 'gap'}> => (event.type === 'message' || event.type === 'gap') && event.room === 'e2e'),
		publisherEpoch: subscribed.epoch,
	};
}

function lines(from: number, to: number): string[] {
	return Array.from({length: to - from + 1}, (_, i) => `line ${from + i}`);
}

for (const engine of engines) {
	const skip = engine.kind === 'Redis' && !redisUrl ? REDIS_SKIP : false;

	test(`${engine.kind}: a subscriber cut off while its room was empty gets, on resume, every line published meanwhile, once and in order`, {skip}, async () => {
		const result = await cutWhileEmpty(engine.create(100)!, 30);
		const [first, resumed] = result.joined;
		// The interleaving under test: the publisher's epoch is new (memory) or the one the subscriber was told.
		if (engine.newEpoch) assert.notEqual(result.publisherEpoch, first?.epoch, 'the memory engine should have dropped the empty room');
		else assert.equal(result.publisherEpoch, first?.epoch, 'an unseen room keeps the epoch it was read in');
		assert.equal(resumed?.since, 0, 'the resume replays from the start of the epoch');
		assert.deepEqual(
			result.delivered.map(event => (event.type === 'message' ? event.message.content : `gap ${event.from}-${event.to}`)),
			lines(1, 30),
		);
		assert.deepEqual(
			result.delivered.map(event => (event.type === 'message' ? event.message.sequence : -1)),
			lines(1, 30).map((_, i) => i + 1),
		);
	});

	test(`${engine.kind}: a subscriber cut off while its room was empty is told of the lines history no longer holds as a gap, then gets the rest`, {skip}, async () => {
		const result = await cutWhileEmpty(engine.create(10)!, 25);
		assert.deepEqual(
			result.delivered.map(event => (event.type === 'message' ? event.message.content : `gap ${event.from}-${event.to}`)),
			['gap 1-15', ...lines(16, 25)],
		);
	});
}
