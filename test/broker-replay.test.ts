// Replay joins live without a seam, acknowledged cursors, and idempotent publish, over real sockets.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {createMemoryEngine} from '../source/broker/engines/memory/memory-engine.js';
import type {Engine} from '../source/broker/engines/engine.js';
import type {Broker} from '../source/broker/create-broker.js';
import type {FrameClient, Frame} from './helpers/frame-client.js';
import {startBroker} from './helpers/start-broker.js';
import {closeAll, connectAs, range, request, sequencesIn, subscribe, sync} from './helpers/broker-session.js';

const TOTAL = 2000;
const BATCH = 20;
/** Where in the stream late subscribers join, and how far back each asks to be replayed from. */
const JOINS = [{at: 1, back: 1}, {at: 180, back: 100}, {at: 520, back: 520}, {at: 900, back: 37}, {at: 1300, back: 300}, {at: 1600, back: 900}, {at: 1700, back: 1}];

const nextTurn = (): Promise<void> => new Promise(resolve => setImmediate(resolve));

/** A memory engine whose reads take a few ms, so live publishes certainly land inside a subscriber's history read. */
function slowReadEngine(historySize: number): Engine {
	const inner = createMemoryEngine({historySize});
	const pause = (): Promise<void> => new Promise(resolve => setTimeout(resolve, 1 + Math.floor(Math.random() * 3)));
	return {
		...inner,
		async room(room) {
			await pause();
			return inner.room(room);
		},
		async history(room, query) {
			await pause();
			const page = await inner.history(room, query);
			await pause();
			return page;
		},
		async members(room) {
			await pause();
			return inner.members(room);
		},
	};
}

/**
 * One publisher streams TOTAL messages in batches, pacing itself on a watcher so the stream is
 * still running while late subscribers join with `since` at several points. Each must receive
 * every message after its since exactly once, in order, up to the end.
 */
async function streamWithLateJoiners(broker: Broker, room: string, expectLoss: boolean): Promise<void> {
	const clients: FrameClient[] = [];
	try {
		const {client: publisher} = await connectAs(broker.url, 'streamer');
		const {client: watcher} = await connectAs(broker.url, 'watcher');
		clients.push(publisher, watcher);
		await subscribe(watcher, room);
		const joiners: Array<{client: FrameClient; since: number; subscribed?: Promise<Frame>}> = [];
		for (const [i] of JOINS.entries()) {
			const {client} = await connectAs(broker.url, `late-${i}`);
			clients.push(client);
			joiners.push({client, since: 0});
		}
		// A subscriber already live from the start resubscribes with since mid-stream.
		const {client: again} = await connectAs(broker.url, 'again');
		clients.push(again);
		await subscribe(again, room);
		let resubscribed: {since: number; from: number; subscribed: Promise<Frame>} | undefined;

		let sent = 0;
		let joined = 0;
		while (sent < TOTAL) {
			const end = Math.min(TOTAL, sent + BATCH);
			for (let n = sent + 1; n <= end; n++) publisher.send({type: 'publish', room, content: `c${n}`});
			// Subscribe in the same turn as a batch goes out, so the broker handles both together.
			while (joined < JOINS.length && JOINS[joined]!.at <= end) {
				const join = JOINS[joined]!;
				const joiner = joiners[joined]!;
				joiner.since = Math.max(0, Math.min(sent, join.at) - join.back);
				joiner.subscribed = subscribe(joiner.client, room, {since: joiner.since});
				joined++;
			}
			if (!resubscribed && end >= 1100) {
				const from = again.frames.length;
				resubscribed = {since: sent - 250, from, subscribed: subscribe(again, room, {since: sent - 250})};
			}
			sent = end;
			await watcher.waitFor(f => f.type === 'message' && f.sequence === end, 5000, `message ${end}`);
			await nextTurn();
		}

		let lostSome = false;
		for (const [i, joiner] of joiners.entries()) {
			const subscribed = await joiner.subscribed!;
			assert.equal(subscribed.since, joiner.since);
			assert.ok((subscribed.sequence as number) < TOTAL, `joiner ${i} subscribed after the stream ended; the test proves nothing`);
			// Whatever history no longer held is reported as lost; everything after it arrives.
			const first = subscribed.first as number;
			assert.equal(subscribed.lost, Math.max(0, first - 1 - joiner.since), `joiner ${i}: lost`);
			lostSome ||= (subscribed.lost) > 0;
			const from = Math.max(joiner.since, first - 1) + 1;
			await joiner.client.waitFor(f => f.type === 'message' && f.sequence === TOTAL, 5000, `joiner ${i} reaching ${TOTAL}`);
			await sync(joiner.client);
			const got = sequencesIn(joiner.client, room);
			assert.deepEqual(got, range(from, TOTAL), `joiner ${i} (since ${joiner.since}) got a gap, a duplicate or a reordering`);
			const contents = joiner.client.frames.filter(f => f.type === 'message').map(f => f.content);
			assert.deepEqual(contents, range(from, TOTAL).map(n => `c${n}`));
		}
		assert.equal(lostSome, expectLoss, expectLoss ? 'some joiner should have reached past history' : 'history should have held everything');

		const second = await resubscribed!.subscribed;
		await again.waitFor(f => f.type === 'message' && f.sequence === TOTAL);
		await sync(again);
		const afterSecond = again.frames.slice(again.frames.indexOf(second)).filter(f => f.type === 'message').map(f => f.sequence);
		assert.deepEqual(afterSecond, range(resubscribed!.since + 1, TOTAL), 'a live subscriber that resubscribed with since');
		assert.deepEqual(sequencesIn(watcher, room), range(1, TOTAL));
	} finally {
		closeAll(...clients);
	}
}

test('subscribers that join with since while 2,000 messages stream in get every later message exactly once, in order', async () => {
	const broker = await startBroker({historySize: TOTAL});
	try {
		await streamWithLateJoiners(broker, 'stream', false);
	} finally {
		await broker.close();
	}
});

test('replay joins live without a seam when the engine is slow to read, and what history dropped is counted as lost', async () => {
	const broker = await startBroker({engine: slowReadEngine(500)});
	try {
		await streamWithLateJoiners(broker, 'slow-stream', true);
	} finally {
		await broker.close();
	}
});

test('a user who acknowledged n and comes back in a new process with no since is replayed n+1 onwards', async () => {
	const broker = await startBroker();
	try {
		const {client: ana} = await connectAs(broker.url, 'ana');
		const {client: first} = await connectAs(broker.url, 'reader');
		await subscribe(first, 'acks');
		for (let n = 1; n <= 10; n++) ana.send({type: 'publish', room: 'acks', content: `a${n}`});
		await first.waitFor(f => f.type === 'message' && f.sequence === 10);
		first.send({type: 'ack', room: 'acks', sequence: 6});
		await sync(first);
		first.close();
		await first.closed();

		const {client: later} = await connectAs(broker.url, 'reader');
		const subscribed = await subscribe(later, 'acks');
		assert.equal(subscribed.since, 6, 'without since, replay starts at the acknowledged position');
		assert.equal(subscribed.sequence, 10);
		await later.waitFor(f => f.type === 'message' && f.sequence === 10);
		ana.send({type: 'publish', room: 'acks', content: 'a11'});
		await later.waitFor(f => f.type === 'message' && f.sequence === 11);
		assert.deepEqual(sequencesIn(later, 'acks'), [7, 8, 9, 10, 11]);

		// An ack cannot move the position past what the broker delivered, nor back.
		later.send({type: 'ack', room: 'acks', sequence: 500});
		later.send({type: 'ack', room: 'acks', sequence: 3});
		await sync(later);
		later.close();
		await later.closed();
		ana.send({type: 'publish', room: 'acks', content: 'a12'});
		const {client: third} = await connectAs(broker.url, 'reader');
		const s3 = await subscribe(third, 'acks');
		assert.equal(s3.since, 11);
		await third.waitFor(f => f.type === 'message' && f.sequence === 12);
		assert.deepEqual(sequencesIn(third, 'acks'), [12]);
		closeAll(ana, third);
	} finally {
		await broker.close();
	}
});

test('a publish retried with the same clientId enters the room once; the retry is answered duplicate with the same sequence', async () => {
	const broker = await startBroker({graceMs: 2000});
	try {
		const {client: ana, welcome} = await connectAs(broker.url, 'ana');
		const {client: bo} = await connectAs(broker.url, 'bo');
		await subscribe(bo, 'idem');
		const firstTry = await request(ana, {type: 'publish', room: 'idem', content: 'once', clientId: 'k1'}, 'published');
		assert.equal(firstTry.type, 'published');
		assert.equal(firstTry.duplicate, false);
		assert.equal(firstTry.clientId, 'k1');
		assert.equal(firstTry.room, 'idem');
		const retry = await request(ana, {type: 'publish', room: 'idem', content: 'once', clientId: 'k1'}, 'published');
		assert.equal(retry.duplicate, true);
		assert.equal(retry.sequence, firstTry.sequence);
		assert.equal(retry.id, firstTry.id);

		// A retry after a network drop, from a new socket that resumed the name, is still a duplicate.
		ana.kill();
		const {client: resumed} = await connectAs(broker.url, 'ana', {resume: welcome.resume});
		const afterDrop = await request(resumed, {type: 'publish', room: 'idem', content: 'once', clientId: 'k1'}, 'published');
		assert.equal(afterDrop.duplicate, true);
		assert.equal(afterDrop.sequence, firstTry.sequence);

		// The same clientId from another sender is that sender's own message.
		const other = await request(bo, {type: 'publish', room: 'idem', content: 'mine', clientId: 'k1'}, 'published');
		assert.equal(other.duplicate, false);
		assert.equal(other.sequence, 2);

		await bo.waitFor(f => f.type === 'message' && f.sequence === 2);
		await sync(bo);
		assert.deepEqual(bo.ofType('message').map(f => [f.sequence, f.sender, f.content]), [
			[1, 'ana', 'once'],
			[2, 'bo', 'mine'],
		]);
		const history = await request(bo, {type: 'get_history', room: 'idem'}, 'history');
		assert.equal((history.messages as Frame[]).length, 2);
		closeAll(resumed, bo);
	} finally {
		await broker.close();
	}
});

