// Attacks on a broker's memory, each against a real broker process, with its resident memory read
// from /proc (issue 16, findings 4-6): a reply or replay to a client that never reads, idempotency
// keys, rooms nobody uses. Every attack is bounded in connections and time and stops by itself.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import WebSocket from 'ws';
import {startBrokerProcess, type BrokerProcess} from './helpers/broker-process.js';
import {FrameClient, type Frame} from './helpers/frame-client.js';

const MiB = 1024 * 1024;
/**
 * What the broker may grow besides what the attack is allowed to cost: garbage of the pages it
 * serialised (collected in its own time) and allocator slack. Measured: +77 MiB for 40 stalled
 * history readers at --max-buffered 1 MiB (HEAD before the fix: +339 MiB).
 */
const SLACK = 64 * MiB;

/** The broker process's resident memory in bytes (VmRSS in /proc/<pid>/status). */
function rss(broker: BrokerProcess): number {
	const status = readFileSync(`/proc/${broker.child.pid}/status`, 'utf8');
	const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status);
	assert.ok(kib, 'VmRSS is in /proc/<pid>/status');
	return Number(kib[1]) * 1024;
}

/** Sample the broker's RSS every 50 ms while `body` runs; resolves with the highest sample. */
async function peakRss(broker: BrokerProcess, body: () => Promise<void>): Promise<number> {
	let peak = rss(broker);
	const timer = setInterval(() => {
		peak = Math.max(peak, rss(broker));
	}, 50);
	try {
		await body();
	} finally {
		clearInterval(timer);
	}
	return Math.max(peak, rss(broker));
}

async function named(url: string, userId: string): Promise<FrameClient> {
	const client = await FrameClient.connect(url);
	client.send({type: 'hello', userId});
	await client.waitFor(f => f.type === 'welcome', 5000, 'welcome');
	return client;
}

/** A client's publish round trip in ms: publish with a clientId, wait for `published`. */
async function roundTrip(client: FrameClient, room: string, n: number): Promise<number> {
	const started = performance.now();
	const clientId = `rt-${n}`;
	client.send({type: 'publish', room, content: `ping ${n}`, clientId});
	await client.waitFor(f => f.type === 'published' && f.clientId === clientId, 10_000, `published ${clientId}`);
	return performance.now() - started;
}

/** Fill `room` with `count` messages of `content`, waiting for the broker to acknowledge the last. */
async function fill(client: FrameClient, room: string, count: number, content: string): Promise<void> {
	for (let i = 1; i <= count; i++) client.send({type: 'publish', room, content, clientId: `fill-${room}-${i}`});
	await client.waitFor(f => f.type === 'published' && f.clientId === `fill-${room}-${count}`, 30_000, 'the last fill published');
}

/** A socket that connects, names itself, sends `frames`, and then never reads again. */
async function nonReader(url: string, userId: string, frames: unknown[]): Promise<WebSocket> {
	const ws = new WebSocket(url);
	await new Promise<void>((resolve, reject) => {
		ws.once('open', () => resolve());
		ws.once('error', reject);
	});
	ws.send(JSON.stringify({type: 'hello', userId}));
	for (const frame of frames) ws.send(JSON.stringify(frame));
	// Stop reading: the TCP window closes, and everything the broker still owes this socket stays with the broker.
	(ws as unknown as {_socket: {pause(): void}})._socket.pause();
	ws.on('error', () => {});
	return ws;
}

async function metric(broker: BrokerProcess, name: string): Promise<number> {
	const port = new URL(broker.url).port;
	const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
	const match = new RegExp(`^${name} (\\d+)$`, 'm').exec(text);
	return match ? Number(match[1]) : 0;
}

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms));

test('clients that ask for a full room history and never read cost at most --max-buffered each, and are cut off', {timeout: 120_000}, async t => {
	const maxBuffered = MiB;
	const broker = await startBrokerProcess({args: ['--max-buffered', String(maxBuffered)]});
	const sockets: WebSocket[] = [];
	try {
		const filler = await named(broker.url, 'filler');
		// 100 messages of 16K CJK characters: one full history is 4.7 MiB of UTF-8.
		await fill(filler, 'full', 100, '漢'.repeat(16 * 1024));
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
		filler.ws.close();
		canary.ws.close();
	} finally {
		for (const ws of sockets) ws.terminate();
		await broker.stop();
	}
});

test('a history reply larger than a page arrives as several history frames, each carrying the id, all but the last with more', {timeout: 60_000}, async () => {
	const broker = await startBrokerProcess({args: ['--max-buffered', String(MiB)]});
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
		// A subscribe replaying the same room stays within the bound too: all 100, in order, in one piece.
		const bob = await named(broker.url, 'bob');
		bob.send({type: 'subscribe', room: 'big', since: 0});
		await bob.waitFor(f => f.type === 'message' && f.sequence === 100, 20_000, 'the replay to its end');
		assert.deepEqual(
			bob.ofType('message').map(m => m.sequence),
			Array.from({length: 100}, (_, i) => i + 1),
		);
		assert.equal(bob.closeCode, undefined, 'a reader that keeps up is never cut off');
		ana.ws.close();
		bob.ws.close();
	} finally {
		await broker.stop();
	}
});

test('clients that replay a full room on subscribe and never read are cut off within the bound', {timeout: 120_000}, async t => {
	const maxBuffered = MiB;
	const broker = await startBrokerProcess({args: ['--max-buffered', String(maxBuffered)]});
	const sockets: WebSocket[] = [];
	try {
		const filler = await named(broker.url, 'filler');
		await fill(filler, 'full', 100, '漢'.repeat(16 * 1024));
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
		filler.ws.close();
	} finally {
		for (const ws of sockets) ws.terminate();
		await broker.stop();
	}
});
