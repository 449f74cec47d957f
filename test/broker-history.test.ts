// History over real sockets: size and TTL limits, get_history ranges, the fields of `subscribed`,
// and clear_history with its new epoch (seed exercise 1).
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {createMemoryEngine} from '../source/broker/engines/memory/memory-engine.js';
import type {Broker} from '../source/broker/create-broker.js';
import type {Engine} from '../source/broker/engines/engine.js';
import {FrameClient, type Frame} from './helpers/frame-client.js';
import {startBroker} from './helpers/start-broker.js';
import {closeAll, connectAs, range, request, sequencesIn, subscribe, sync} from './helpers/broker-session.js';

/** Publish `count` messages as `client` into `room` and wait until the broker acknowledged the last. */
async function publishMany(client: FrameClient, room: string, count: number, prefix = 'm'): Promise<Frame> {
	for (let i = 1; i < count; i++) client.send({type: 'publish', room, content: `${prefix}${i}`});
	return request(client, {type: 'publish', room, content: `${prefix}${count}`, clientId: `${prefix}-last-${room}-${Math.random()}`}, 'published');
}

const seqs = (frame: Frame): number[] => (frame.messages as Frame[]).map(m => m.sequence as number);

async function withBroker(options: Parameters<typeof startBroker>[0], body: (broker: Broker) => Promise<void>): Promise<void> {
	const broker = await startBroker(options);
	try {
		await body(broker);
	} finally {
		await broker.close();
	}
}

test('a room keeps only the last --history-size messages, and subscribed/get_history say where history starts', async () => {
	await withBroker({historySize: 5}, async broker => {
		const {client: ana} = await connectAs(broker.url, 'ana');
		try {
			await publishMany(ana, 'sized', 8);
			const history = await request(ana, {type: 'get_history', room: 'sized'}, 'history');
			assert.deepEqual(seqs(history), [4, 5, 6, 7, 8]);
			assert.equal(history.sequence, 8);
			assert.equal(history.first, 4);

			const sub = await subscribe(ana, 'sized', {since: 0});
			assert.equal(sub.sequence, 8);
			assert.equal(sub.first, 4);
			assert.equal(sub.since, 0);
			assert.equal(sub.lost, 3, 'sequences 1-3 are no longer in history and must be reported as lost');
			await ana.waitFor(f => f.type === 'message' && f.sequence === 8);
			assert.deepEqual(sequencesIn(ana, 'sized'), [4, 5, 6, 7, 8]);
		} finally {
			closeAll(ana);
		}
	});
});

test('messages older than the history TTL drop out of history, measured on the engine clock', async () => {
	let now = Date.now();
	const engine = createMemoryEngine({historySize: 100, historyTtl: 60, now: () => now});
	await withBroker({engine}, async broker => {
		const {client: ana} = await connectAs(broker.url, 'ana');
		try {
			await publishMany(ana, 'ttl', 3, 'old');
			now += 30_000;
			await publishMany(ana, 'ttl', 2, 'new');
			now += 31_000; // the first three are 61 s old, the last two 31 s
			const history = await request(ana, {type: 'get_history', room: 'ttl'}, 'history');
			assert.deepEqual(seqs(history), [4, 5]);
			assert.equal(history.first, 4);

			const sub = await subscribe(ana, 'ttl', {since: 0});
			assert.equal(sub.first, 4);
			assert.equal(sub.lost, 3);

			now += 60_000; // everything has expired now
			const empty = await request(ana, {type: 'get_history', room: 'ttl'}, 'history');
			assert.deepEqual(seqs(empty), []);
			assert.equal(empty.sequence, 5, 'expiry forgets messages, never the sequence');
			assert.equal(empty.first, 6, 'first is sequence + 1 when history is empty');

			// A message published after the clock moved is fresh, not born expired.
			await publishMany(ana, 'ttl', 1, 'fresh');
			const fresh = await request(ana, {type: 'get_history', room: 'ttl'}, 'history');
			assert.deepEqual(seqs(fresh), [6]);
		} finally {
			closeAll(ana);
		}
	});
});

test('get_history answers since, before and limit ranges, oldest first', async () => {
	await withBroker({}, async broker => {
		const {client: ana} = await connectAs(broker.url, 'ana');
		try {
			await publishMany(ana, 'ranges', 10);
			const ask = async (query: Record<string, unknown>): Promise<number[]> =>
				seqs(await request(ana, {type: 'get_history', room: 'ranges', ...query}, 'history'));
			assert.deepEqual(await ask({}), range(1, 10), 'without options: everything retained, as the seed');
			assert.deepEqual(await ask({since: 7}), [8, 9, 10]);
			assert.deepEqual(await ask({since: 0}), range(1, 10));
			assert.deepEqual(await ask({since: 10}), []);
			assert.deepEqual(await ask({since: 99}), []);
			assert.deepEqual(await ask({before: 4}), [1, 2, 3]);
			assert.deepEqual(await ask({before: 1}), []);
			assert.deepEqual(await ask({since: 2, limit: 3}), [3, 4, 5], 'limit with since: the oldest after since');
			assert.deepEqual(await ask({before: 10, limit: 3}), [7, 8, 9], 'limit with before: the newest before before');
			assert.deepEqual(await ask({since: 2, before: 6}), [3, 4, 5]);
			assert.deepEqual(await ask({limit: 2}), [1, 2], 'limit alone: the oldest retained');

			const page = await request(ana, {type: 'get_history', room: 'ranges', since: 8}, 'history');
			assert.equal(page.room, 'ranges');
			assert.equal(page.sequence, 10);
			assert.equal(page.first, 1);
			assert.equal(typeof page.epoch, 'string');
			for (const message of page.messages as Frame[]) {
				assert.deepEqual(Object.keys(message).slice(0, 6), ['id', 'room', 'sender', 'content', 'sequence', 'timestamp']);
				assert.equal(message.sender, 'ana');
			}
		} finally {
			closeAll(ana);
		}
	});
});

test('subscribed reports sequence, epoch, since, first, lost and members, and replays exactly what follows since', async () => {
	await withBroker({}, async broker => {
		const {client: ana} = await connectAs(broker.url, 'ana');
		const {client: bo} = await connectAs(broker.url, 'bo');
		try {
			const empty = await subscribe(ana, 'fields');
			assert.equal(empty.sequence, 0);
			assert.equal(empty.since, 0);
			assert.equal(empty.first, 1);
			assert.equal(empty.lost, 0);
			assert.match(String(empty.epoch), /^\S+$/);
			assert.deepEqual(empty.members, [{userId: 'ana', status: 'online'}]);

			await publishMany(ana, 'fields', 5);
			// Without since (and no acknowledged position) a subscriber goes live only, as in the seed.
			const live = await subscribe(bo, 'fields');
			assert.equal(live.sequence, 5);
			assert.equal(live.since, 5);
			assert.equal(live.epoch, empty.epoch);
			assert.deepEqual(
				(live.members as Frame[]).map(m => m.userId).sort(),
				['ana', 'bo'],
			);
			await sync(bo);
			assert.deepEqual(sequencesIn(bo, 'fields'), [], 'no replay without since');

			const partial = await subscribe(bo, 'fields', {since: 2});
			assert.equal(partial.since, 2);
			assert.equal(partial.lost, 0);
			await sync(bo);
			assert.deepEqual(sequencesIn(bo, 'fields'), [3, 4, 5]);

			// A since beyond the room's sequence (e.g. a client confused about the epoch) is clamped.
			const ahead = await subscribe(bo, 'fields', {since: 50});
			assert.equal(ahead.since, 5);
			await sync(bo);
			assert.deepEqual(sequencesIn(bo, 'fields'), [3, 4, 5], 'nothing replayed twice');
		} finally {
			closeAll(ana, bo);
		}
	});
});

test('an admin clears history: subscribers hear history_cleared and the room restarts at sequence 1 in a new epoch', async () => {
	await withBroker({}, async broker => {
		const {client: admin, welcome} = await connectAs(broker.url, 'host', {adminKey: broker.adminKey});
		assert.equal(welcome.admin, true);
		const {client: ana} = await connectAs(broker.url, 'ana');
		try {
			const before = await subscribe(ana, 'cleared');
			await publishMany(ana, 'cleared', 4);
			await ana.waitFor(f => f.type === 'message' && f.sequence === 4);

			// The admin is not in the room: it hears the outcome directly.
			const adminHeard = admin.next(f => f.type === 'history_cleared');
			const anaHeard = ana.next(f => f.type === 'history_cleared');
			admin.send({type: 'clear_history', room: 'cleared'});
			const cleared = await anaHeard;
			assert.equal(cleared.room, 'cleared');
			assert.equal(cleared.by, 'host');
			assert.notEqual(cleared.epoch, before.epoch);
			assert.equal((await adminHeard).epoch, cleared.epoch);

			const history = await request(ana, {type: 'get_history', room: 'cleared'}, 'history');
			assert.deepEqual(seqs(history), []);
			assert.equal(history.sequence, 0);
			assert.equal(history.epoch, cleared.epoch);

			const published = await request(ana, {type: 'publish', room: 'cleared', content: 'again', clientId: 'again-1'}, 'published');
			assert.equal(published.sequence, 1);
			const again = await ana.waitFor(f => f.type === 'message' && f.content === 'again');
			assert.equal(again.sequence, 1, 'a live subscriber receives sequence 1 of the new epoch');
		} finally {
			closeAll(admin, ana);
		}
	});
});

test('clear_history from a non-admin is forbidden and leaves history alone', async () => {
	await withBroker({}, async broker => {
		const {client: ana, welcome} = await connectAs(broker.url, 'ana', {adminKey: 'not-the-key'});
		assert.equal(welcome.admin, false, 'a wrong admin key grants nothing');
		try {
			await publishMany(ana, 'kept', 3);
			const refused = await request(ana, {type: 'clear_history', room: 'kept'}, 'history_cleared');
			assert.equal(refused.type, 'error');
			assert.equal(refused.code, 'forbidden');
			assert.equal(typeof refused.error, 'string');
			const history = await request(ana, {type: 'get_history', room: 'kept'}, 'history');
			assert.deepEqual(seqs(history), [1, 2, 3]);
		} finally {
			closeAll(ana);
		}
	});
});

test('a subscriber that comes back with a stale epoch gets the new epoch replayed from its start', async () => {
	await withBroker({}, async broker => {
		const {client: admin} = await connectAs(broker.url, 'host', {adminKey: broker.adminKey});
		const {client: ana} = await connectAs(broker.url, 'ana');
		const {client: bo} = await connectAs(broker.url, 'bo');
		try {
			const old = await subscribe(bo, 'epochs');
			await publishMany(ana, 'epochs', 6);
			await bo.waitFor(f => f.type === 'message' && f.sequence === 6);
			bo.send({type: 'unsubscribe', room: 'epochs'});
			await bo.waitFor(f => f.type === 'unsubscribed');

			await request(admin, {type: 'clear_history', room: 'epochs'}, 'history_cleared');
			await publishMany(ana, 'epochs', 2, 'n');

			// bo saw sequence 6 of the old epoch; sequences 1 and 2 of the new one are still news.
			const back = await subscribe(bo, 'epochs', {since: 6, epoch: old.epoch});
			assert.notEqual(back.epoch, old.epoch);
			assert.equal(back.since, 0);
			assert.equal(back.sequence, 2);
			await sync(bo);
			const replayed = bo.frames.filter(f => f.type === 'message' && f.room === 'epochs' && String(f.content).startsWith('n'));
			assert.deepEqual(replayed.map(f => f.sequence), [1, 2]);

			const stale = await request(bo, {type: 'get_history', room: 'epochs', since: 6, epoch: old.epoch}, 'history');
			assert.deepEqual(seqs(stale), [1, 2], 'get_history with a stale epoch answers as if since were 0');
			const current = await request(bo, {type: 'get_history', room: 'epochs', since: 1, epoch: back.epoch}, 'history');
			assert.deepEqual(seqs(current), [2]);
		} finally {
			closeAll(admin, ana, bo);
		}
	});
});

for (const when of ['before', 'after'] as const) {
	test(`a subscribe that races a clear_history (${when} its history read) follows the new epoch from its start`, async () => {
		await raceClear(when);
	});
}

/** An engine whose history reads wait at a gate, before or after reading, so a clear lands inside a subscribe. */
async function raceClear(when: 'before' | 'after'): Promise<void> {
	const inner = createMemoryEngine();
	let gate: Promise<void> | undefined;
	let open = (): void => {};
	const engine: Engine = {
		...inner,
		async history(room, query) {
			if (when === 'before') await gate;
			const page = await inner.history(room, query);
			if (when === 'after') await gate;
			return page;
		},
	};
	await withBroker({engine}, async broker => {
		const {client: admin} = await connectAs(broker.url, 'host', {adminKey: broker.adminKey});
		const {client: ana} = await connectAs(broker.url, 'ana');
		const {client: bo} = await connectAs(broker.url, 'bo');
		try {
			await publishMany(ana, 'race', 5);
			gate = new Promise(resolve => (open = resolve));
			const subscribed = subscribe(bo, 'race', {since: 2});
			await bo.waitFor(f => f.type === 'presence' && f.userId === 'bo'); // the subscribe is under way
			// Live traffic of the old epoch queues for the subscriber while it waits for history...
			await request(ana, {type: 'publish', room: 'race', content: 'stale', clientId: 'stale'}, 'published');
			const cleared = await request(admin, {type: 'clear_history', room: 'race'}, 'history_cleared');
			await request(ana, {type: 'publish', room: 'race', content: 'fresh', clientId: 'fresh'}, 'published');
			open();
			gate = undefined;
			const sub = await subscribed;
			assert.equal(sub.epoch, cleared.epoch, 'subscribed names the epoch now in force');
			assert.equal(sub.since, 0, 'everything in the new epoch is new to this subscriber');
			const fresh = await bo.waitFor(f => f.type === 'message' && f.content === 'fresh', 2000);
			assert.equal(fresh.sequence, 1);
			ana.send({type: 'publish', room: 'race', content: 'next'});
			assert.equal((await bo.waitFor(f => f.type === 'message' && f.content === 'next')).sequence, 2);
			assert.deepEqual(sequencesIn(bo, 'race'), [1, 2], 'nothing of the old epoch replayed after the clear');
			assert.equal(bo.frames.some(f => f.content === 'stale'), false, '...and is dropped by the clear, never passed off as the new epoch');
		} finally {
			open();
			closeAll(admin, ana, bo);
		}
	});
}
