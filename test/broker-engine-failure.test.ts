// When the engine fails (a durable store's disk, a Redis link), the broker answers `unavailable`,
// leaves nothing half-done, keeps serving, and never lets a rejection escape and kill the process.
import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import {createMemoryEngine} from '../source/broker/engines/memory/memory-engine.js';
import type {Engine} from '../source/broker/engines/engine.js';
import type {Broker} from '../source/broker/create-broker.js';
import {sleep} from './helpers/frame-client.js';
import {startBroker} from './helpers/start-broker.js';
import {closeAll, connectAs, request, sequencesIn, subscribe, sync} from './helpers/broker-session.js';

type Method = 'publish' | 'room' | 'history' | 'presenceAdd' | 'presenceRemove' | 'members' | 'watch' | 'unwatch' | 'announce';

/** A memory engine whose chosen methods reject while they are listed in `failing`. */
function flakyEngine(): {engine: Engine; failing: Set<Method>} {
	const inner = createMemoryEngine();
	const failing = new Set<Method>();
	const engine: Engine = {...inner};
	for (const method of ['publish', 'room', 'history', 'presenceAdd', 'presenceRemove', 'members', 'watch', 'unwatch', 'announce'] as const) {
		const original = inner[method] as (...args: unknown[]) => Promise<unknown>;
		(engine as Record<string, unknown>)[method] = async (...args: unknown[]) => {
			if (failing.has(method)) throw new Error(`engine ${method} is down`);
			return original(...args);
		};
	}
	return {engine, failing};
}

const crashes: unknown[] = [];
const onCrash = (error: unknown): void => {
	crashes.push(error);
};
let broker: Broker;
let failing: Set<Method>;
before(async () => {
	process.on('uncaughtException', onCrash);
	process.on('unhandledRejection', onCrash);
	const flaky = flakyEngine();
	failing = flaky.failing;
	broker = await startBroker({engine: flaky.engine, graceMs: 50});
});
after(async () => {
	await broker.close();
	process.off('uncaughtException', onCrash);
	process.off('unhandledRejection', onCrash);
});

test('a publish the engine cannot store is answered unavailable with its clientId, and nothing is delivered', async () => {
	const {client: ana} = await connectAs(broker.url, 'ana-p');
	try {
		await subscribe(ana, 'flaky-pub');
		failing.add('publish');
		const refused = await request(ana, {type: 'publish', room: 'flaky-pub', content: 'lost?', clientId: 'c1'}, 'published');
		failing.clear();
		assert.equal(refused.code, 'unavailable');
		assert.equal(refused.clientId, 'c1');
		const retried = await request(ana, {type: 'publish', room: 'flaky-pub', content: 'lost?', clientId: 'c1'}, 'published');
		assert.equal(retried.duplicate, false, 'the failed attempt stored nothing');
		assert.equal(retried.sequence, 1);
		await sync(ana);
		assert.deepEqual(sequencesIn(ana, 'flaky-pub'), [1]);
	} finally {
		closeAll(ana);
	}
});

test('a subscribe whose history read fails is undone: unavailable, no membership, and a retry works', async () => {
	const {client: bo} = await connectAs(broker.url, 'bo-s');
	const {client: ana} = await connectAs(broker.url, 'ana-s');
	try {
		await subscribe(bo, 'flaky-sub');
		failing.add('history');
		const refused = await request(ana, {type: 'subscribe', room: 'flaky-sub', since: 0}, 'subscribed');
		failing.clear();
		assert.equal(refused.code, 'unavailable');
		assert.equal(refused.room, 'flaky-sub');
		// Not a member: the failed subscribe holds no presence and queues nothing.
		const who = await request(bo, {type: 'who', room: 'flaky-sub'}, 'members');
		assert.deepEqual(who.members, [{userId: 'bo-s', status: 'online'}]);
		bo.send({type: 'publish', room: 'flaky-sub', content: 'while out'});
		await bo.waitFor(f => f.type === 'message' && f.content === 'while out');
		await sync(ana);
		assert.deepEqual(sequencesIn(ana, 'flaky-sub'), [], 'a failed subscribe must not deliver');

		const retry = await subscribe(ana, 'flaky-sub', {since: 0});
		assert.equal(retry.sequence, 1);
		bo.send({type: 'publish', room: 'flaky-sub', content: 'after'});
		await ana.waitFor(f => f.type === 'message' && f.content === 'after');
		assert.deepEqual(sequencesIn(ana, 'flaky-sub'), [1, 2]);
	} finally {
		closeAll(bo, ana);
	}
});

test('watch, unwatch and presence failures while joining and leaving never crash the process', async () => {
	failing.add('watch');
	failing.add('unwatch');
	const {client: ana} = await connectAs(broker.url, 'ana-w');
	try {
		await subscribe(ana, 'flaky-watch');
		ana.send({type: 'unsubscribe', room: 'flaky-watch'});
		await ana.waitFor(f => f.type === 'unsubscribed');
		failing.add('presenceRemove');
		await subscribe(ana, 'flaky-watch');
		ana.close();
		await ana.closed();
		await sleep(100);
	} finally {
		failing.clear();
		closeAll(ana);
	}
	// The broker still serves a newcomer.
	const {client: bo} = await connectAs(broker.url, 'bo-w');
	try {
		await subscribe(bo, 'flaky-watch-2');
		bo.send({type: 'publish', room: 'flaky-watch-2', content: 'alive'});
		await bo.waitFor(f => f.type === 'message' && f.content === 'alive');
	} finally {
		closeAll(bo);
	}
	assert.deepEqual(crashes.map(String), []);
});
