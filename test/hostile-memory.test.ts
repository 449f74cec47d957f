// Attacks on a broker's memory through what it owes a connection (issue 16, finding 4), each
// against a real broker process, its resident memory read from /proc: history replies and
// replays to clients that never read. Bounded in connections and time; stops by itself.
// Findings 5 and 6: hostile-memory-dedupe.test.ts, hostile-memory-rooms.test.ts.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import {startBrokerProcess} from './helpers/broker-process.js';
import {type Frame} from './helpers/frame-client.js';
import {fill, metric, MiB, named, nonReader, peakRss, roundTrip, rss, sleep} from './helpers/broker-memory.js';

/**
 * What the broker may grow besides what the attack is allowed to cost: garbage of the pages it
 * serialised (collected in its own time) and allocator slack. Measured: +77 MiB for 40 stalled
 * history readers at --max-buffered 1 MiB (HEAD before the fix: +339 MiB).
 */
const SLACK = 64 * MiB;

/** A broker at `--max-buffered maxBuffered` whose room `full` holds 100 messages of 16K CJK characters: one full history is 4.7 MiB of UTF-8. */
async function brokerWithFullRoom(maxBuffered: number): Promise<Awaited<ReturnType<typeof startBrokerProcess>>> {
	const broker = await startBrokerProcess({timeoutMs: 60_000, args: ['--max-buffered', String(maxBuffered)]});
	const filler = await named(broker.url, 'filler');
	await fill(filler, 'full', 100, '漢'.repeat(16 * 1024));
	filler.ws.close();
	return broker;
}

test('clients that ask for a full room history and never read cost at most --max-buffered each, and are cut off', {timeout: 120_000}, async t => {
	const maxBuffered = MiB;
	const broker = await brokerWithFullRoom(maxBuffered);
	const sockets: WebSocket[] = [];
	try {
		const canary = await named(broker.url, 'canary');
		canary.send({type: 'subscribe', room: 'quiet'});
		await canary.waitFor(f => f.type === 'subscribed', 5000, 'subscribed');
		await roundTrip(canary, 'quiet', 0);

		const before = rss(broker);
		const n = 40;
		const trips: number[] = [];
		const peak = await peakRss(broker, async () => {
			for (let i = 0; i < n; i++) sockets.push(await nonReader(broker.url, `leech${i}`, [{type: 'get_history', room: 'full', id: `h${i}`}]));
			for (let i = 1; i <= 10; i++) {
				trips.push(await roundTrip(canary, 'quiet', i));
				await sleep(200);
			}
			// The stalled readers are cut off once they took nothing for a while (STALL_MS, 5 s).
			const deadline = Date.now() + 30_000;
			while ((await metric(broker, 'natter_slow_consumer_disconnects_total')) < n && Date.now() < deadline) await sleep(250);
		});
		const growth = peak - before;
		t.diagnostic(`RSS ${(before / MiB).toFixed(1)} MiB before, peak ${(peak / MiB).toFixed(1)} MiB (+${(growth / MiB).toFixed(1)} MiB)`);
		const bound = n * maxBuffered + SLACK;
		assert.ok(growth <= bound, `the broker grew by ${(growth / MiB).toFixed(1)} MiB, more than ${n} x --max-buffered + ${SLACK / MiB} MiB (${(bound / MiB).toFixed(0)} MiB)`);
		assert.equal(await metric(broker, 'natter_slow_consumer_disconnects_total'), n, 'every non-reader is cut off as a slow consumer');
		assert.ok(Math.max(...trips) < 1000, `a canary in another room still round-trips (slowest ${Math.max(...trips).toFixed(0)} ms)`);
		// Reading again, each non-reader finds its connection closed: 4009, or torn down (1006) if the close frame could not get out.
		const codes = await Promise.all(
			sockets.map(
				ws =>
					new Promise<number>(resolve => {
						if (ws.readyState === WebSocket.CLOSED) resolve(1006);
						ws.once('close', code => resolve(code));
						(ws as unknown as {_socket: {resume(): void}})._socket.resume();
					}),
			),
		);
		for (const code of codes) assert.ok(code === 4009 || code === 1006, `closed with ${code}`);
		canary.ws.close();
	} finally {
		for (const ws of sockets) ws.terminate();
		await broker.stop();
	}
});

test('a history reply larger than a page arrives as several history frames, each carrying the id, all but the last with more', {timeout: 60_000}, async () => {
	const broker = await startBrokerProcess({timeoutMs: 60_000, args: ['--max-buffered', String(MiB)]});
	try {
		const ana = await named(broker.url, 'ana');
		await fill(ana, 'big', 100, '漢'.repeat(16 * 1024));
		ana.send({type: 'get_history', room: 'big', id: 'q1'});
		const last = await ana.waitFor(f => f.type === 'history' && f.more === undefined, 20_000, 'the last history page');
		const pages = ana.ofType('history');
		assert.ok(pages.length > 1, `a 4.7 MiB reply comes in pages (got ${pages.length})`);
		for (const page of pages) {
			assert.equal(page.id, 'q1');
			assert.ok(JSON.stringify(page).length < 300 * 1024, 'a page is at most about 256 KiB');
		}
		for (const page of pages.slice(0, -1)) assert.equal(page.more, true);
		assert.equal(last, pages.at(-1));
		const sequences = pages.flatMap(page => (page.messages as Frame[]).map(m => m.sequence as number));
		assert.deepEqual(sequences, Array.from({length: 100}, (_, i) => i + 1), 'every message once, in order');
		// A reply that fits one page is one frame without `more`, as the seed's clients expect.
		ana.send({type: 'get_history', room: 'big', limit: 2, id: 'q2'});
		const small = await ana.waitFor(f => f.type === 'history' && f.id === 'q2', 5000, 'the small reply');
		assert.equal(small.more, undefined);
		assert.equal((small.messages as Frame[]).length, 2);
		// A refused get_history names its id too.
		ana.send({type: 'get_history', room: 'big', limit: 0, id: 'q3'});
		const refused = await ana.waitFor(f => f.type === 'error' && f.id === 'q3', 5000, 'the error for q3');
		assert.equal(refused.code, 'invalid_field');
		ana.send({type: 'get_history', room: 'big', id: 'x'.repeat(65)});
		const tooLong = await ana.waitFor(f => f.type === 'error' && /"id" is longer than 64/.test(String(f.error)), 5000, 'the error for a long id');
		assert.equal(tooLong.code, 'invalid_field');
		// A replay larger than the bound stops at the bound (4009); resuming from the last sequence gets the rest, in order.
		const seen: number[] = [];
		for (let attempt = 0; attempt < 20 && seen.at(-1) !== 100; attempt++) {
			const bob = await named(broker.url, `bob${attempt}`);
			bob.send({type: 'subscribe', room: 'big', since: seen.at(-1) ?? 0});
			await Promise.race([bob.waitFor(f => f.type === 'message' && f.sequence === 100, 20_000, 'the replay to its end'), bob.closed(20_000)]);
			seen.push(...bob.ofType('message').map(m => m.sequence as number));
			bob.ws.close();
		}
		assert.deepEqual(seen, Array.from({length: 100}, (_, i) => i + 1), 'every message once, in order, over the resumes');
		ana.ws.close();
	} finally {
		await broker.stop();
	}
});

test('clients that replay a full room on subscribe and never read are cut off within the bound', {timeout: 120_000}, async t => {
	const maxBuffered = MiB;
	const broker = await brokerWithFullRoom(maxBuffered);
	const sockets: WebSocket[] = [];
	try {
		const before = rss(broker);
		const n = 20;
		const peak = await peakRss(broker, async () => {
			for (let i = 0; i < n; i++) sockets.push(await nonReader(broker.url, `leech${i}`, [{type: 'subscribe', room: 'full', since: 0}]));
			const deadline = Date.now() + 30_000;
			while ((await metric(broker, 'natter_slow_consumer_disconnects_total')) < n && Date.now() < deadline) await sleep(250);
		});
		const growth = peak - before;
		t.diagnostic(`RSS ${(before / MiB).toFixed(1)} MiB before, peak ${(peak / MiB).toFixed(1)} MiB (+${(growth / MiB).toFixed(1)} MiB)`);
		const bound = n * maxBuffered + SLACK;
		assert.ok(growth <= bound, `the broker grew by ${(growth / MiB).toFixed(1)} MiB, more than ${n} x --max-buffered + ${SLACK / MiB} MiB`);
		assert.equal(await metric(broker, 'natter_slow_consumer_disconnects_total'), n, 'every non-reader is cut off as a slow consumer');
	} finally {
		for (const ws of sockets) ws.terminate();
		await broker.stop();
	}
});

