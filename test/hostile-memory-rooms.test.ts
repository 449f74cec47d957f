// Rooms nobody uses are forgotten and all history is bounded (issue 16, finding 6): against a
// real broker process, its resident memory read from /proc. Bounded in count; stops by itself.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {startBrokerProcess} from './helpers/broker-process.js';
import {MiB, named, roundTrip, rss} from './helpers/broker-memory.js';

test('get_history of 11,000 made-up rooms leaves nothing behind', {timeout: 120_000}, async t => {
	const broker = await startBrokerProcess({timeoutMs: 60_000});
	try {
		const ana = await named(broker.url, 'ana');
		// Warm up the same code path first, so the baseline includes its code and buffers.
		const ask = async (from: number, count: number): Promise<void> => {
			for (let i = from; i < from + count; i++) ana.send({type: 'get_history', room: `made-up-${i}`, id: `q${i}`});
			await ana.waitFor(f => f.type === 'history' && f.id === `q${from + count - 1}`, 60_000, 'the last reply');
		};
		await ask(0, 2000);
		ana.frames.length = 0;
		const before = rss(broker);
		for (let batch = 0; batch < 11; batch++) {
			await ask(10_000 + batch * 1000, 1000);
			ana.frames.length = 0;
		}
		const after = rss(broker);
		t.diagnostic(`RSS ${(before / MiB).toFixed(1)} -> ${(after / MiB).toFixed(1)} MiB`);
		assert.ok(after - before < 8 * MiB, `11,000 reads of unknown rooms grew the broker ${((after - before) / MiB).toFixed(1)} MiB`);
		ana.ws.close();
	} finally {
		await broker.stop();
	}
});

test('5,600 rooms of one 16K-character message each stay within --max-history-bytes, and a member sees the gap', {timeout: 180_000}, async t => {
	const maxHistory = 8 * MiB;
	const broker = await startBrokerProcess({timeoutMs: 60_000, args: ['--max-history-bytes', String(maxHistory)]});
	try {
		const ana = await named(broker.url, 'ana');
		const bob = await named(broker.url, 'bob');
		bob.send({type: 'subscribe', room: 'room-0'});
		await bob.waitFor(f => f.type === 'subscribed', 5000, 'subscribed');
		const content = '漢'.repeat(16 * 1024);
		await roundTrip(ana, 'warm', 0);
		const before = rss(broker);
		let half = before;
		let peak = before;
		for (let batch = 0; batch < 56; batch++) {
			for (let i = batch * 100; i < batch * 100 + 99; i++) ana.send({type: 'publish', room: `room-${i}`, content});
			ana.send({type: 'publish', room: `room-${batch * 100 + 99}`, content, clientId: `b${batch}`});
			await ana.waitFor(f => f.type === 'published' && f.clientId === `b${batch}`, 30_000, `batch ${batch}`);
			ana.frames.length = 0;
			peak = Math.max(peak, rss(broker));
			if (batch === 27) half = peak;
		}
		t.diagnostic(`RSS ${(before / MiB).toFixed(1)} MiB before, ${(half / MiB).toFixed(1)} MiB after 2,800 rooms, peak ${(peak / MiB).toFixed(1)} MiB after 5,600`);
		// Kept whole, each 2,800 rooms would add 87 MiB of V8 strings (5,600: 175 MiB). Bounded, the
		// second half adds nothing that stays: what grows is garbage not yet collected, which on a
		// clean CI run measured up to 24 MiB (peak RSS depends on when V8 collects), so the bound sits
		// at 40 MiB: well under the 87 MiB that keeping the messages would cost.
		assert.ok(peak - half < 40 * MiB, `the second 2,800 rooms grew the broker ${((peak - half) / MiB).toFixed(1)} MiB more`);
		assert.ok(peak - before < maxHistory + 128 * MiB, `the broker grew ${((peak - before) / MiB).toFixed(1)} MiB`);
		// room-0 was the least recently used: its message is gone, and its member is told so.
		const page = await (async () => {
			bob.send({type: 'get_history', room: 'room-0', id: 'gap'});
			return bob.waitFor(f => f.type === 'history' && f.id === 'gap', 5000, 'history of room-0');
		})();
		assert.deepEqual([page.messages, page.sequence, page.first], [[], 1, 2], 'an explicit gap: sequence 1, first 2');
		ana.ws.close();
		bob.ws.close();
	} finally {
		await broker.stop();
	}
});
