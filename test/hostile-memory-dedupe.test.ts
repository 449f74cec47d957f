// Idempotency keys cannot grow a broker (issue 16, finding 5): against a real broker process,
// its resident memory read from /proc. Bounded in connections and time; stops by itself.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {startBrokerProcess} from './helpers/broker-process.js';
import {mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {gcProbeEnv, heapAfterGc, MiB, named, roundTrip, sleep} from './helpers/broker-memory.js';

/** Growth of what a fresh broker retains (heap + external after GC) while 10 connections publish 16K-character messages just under the rate limit for `ms`. */
async function publishFlood(t: {diagnostic(message: string): void}, withClientId: boolean, ms: number): Promise<number> {
	// The helper lifts the rate limit for speed; this attack is about the real one (20 a second).
	const dir = mkdtempSync(join(tmpdir(), 'natter-mem-'));
	const broker = await startBrokerProcess({timeoutMs: 60_000, args: ['--rate', '20', '--burst', '50'], env: gcProbeEnv(dir)});
	try {
		const clients = await Promise.all(Array.from({length: 10}, (_, i) => named(broker.url, `pub${i}`)));
		const content = '漢'.repeat(16 * 1024);
		await roundTrip(clients[0]!, 'warm', 0);
		const before = await heapAfterGc(broker, dir);
		const stop = Date.now() + ms;
		let sent = 0;
		await Promise.all(
			clients.map(async (client, i) => {
				for (let n = 0; Date.now() < stop; n++) {
					client.send({type: 'publish', room: `flood${i}`, content, ...(withClientId ? {clientId: `c${n}`} : {})});
					sent++;
					// 12 a second: under the limit of 20 with room for a loaded machine bunching the timers.
					await sleep(1000 / 12);
				}
				await roundTrip(client, `flood${i}`, 1);
			}),
		);
		const refused = clients.flatMap(client => client.ofType('error'));
		assert.deepEqual(refused.map(frame => frame.code), [], 'just under the rate limit: nothing refused');
		const after = await heapAfterGc(broker, dir);
		t.diagnostic(`${withClientId ? 'with' : 'without'} clientId: ${sent} publishes, retained after GC ${(before / MiB).toFixed(1)} -> ${(after / MiB).toFixed(1)} MiB`);
		for (const client of clients) client.ws.close();
		return after - before;
	} finally {
		await broker.stop();
	}
}

test('publishing with clientIds just under the rate limit keeps the broker as flat as publishing without', {timeout: 120_000}, async t => {
	const without = await publishFlood(t, false, 15_000);
	const withIds = await publishFlood(t, true, 15_000);
	// 1,800 messages of 48 KiB: kept whole for the dedupe window they would be ~84 MiB; kept as
	// id, sequence and timestamp they are well under 1 MiB. Measured after GC, so garbage of the
	// flood (RSS alone differed by 33 MiB between two equal runs) does not count.
	assert.ok(withIds <= without + 8 * MiB, `with clientIds the broker grew ${(withIds / MiB).toFixed(1)} MiB, without ${(without / MiB).toFixed(1)} MiB`);
});

