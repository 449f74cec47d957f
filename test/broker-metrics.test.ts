// /metrics carries what an operator watches to see a node running out (docs/scaling.md): how
// late the event loop runs, memory, and the open-file limit beside the connection count.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {startBroker} from './helpers/start-broker.js';
import {closeAll, connectAs} from './helpers/broker-session.js';

async function scrape(port: number): Promise<string> {
	return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}

function gauge(text: string, name: string): number {
	const match = new RegExp(`^${name.replace(/[{}"=.]/g, c => `\\${c}`)} (\\S+)$`, 'm').exec(text);
	assert.ok(match, `${name} is missing from /metrics`);
	return Number(match[1]);
}

test('a blocked event loop shows in /metrics as event-loop delay, and the next scrape starts afresh', async () => {
	const broker = await startBroker({});
	try {
		await scrape(broker.port);
		// Block this process's loop, which is the broker's, for 300 ms.
		const until = Date.now() + 300;
		while (Date.now() < until) {
			// busy
		}
		await new Promise(resolve => setTimeout(resolve, 50));
		const blocked = await scrape(broker.port);
		assert.ok(gauge(blocked, 'natter_event_loop_delay_max_seconds') >= 0.25, 'the 300 ms block is the max');
		assert.ok(gauge(blocked, 'natter_event_loop_utilization') > 0.5, 'the loop was busy most of the time since the last scrape');
		await new Promise(resolve => setTimeout(resolve, 300));
		const calm = await scrape(broker.port);
		assert.ok(gauge(calm, 'natter_event_loop_delay_max_seconds') < 0.2, 'reset at each scrape');
		assert.ok(gauge(calm, 'natter_event_loop_utilization') < 0.5);
	} finally {
		await broker.close();
	}
});

test('/metrics shows resident and heap memory and the open-file limit beside natter_connections', async () => {
	const broker = await startBroker({});
	const clients = [];
	try {
		for (const name of ['ana', 'bo']) clients.push((await connectAs(broker.url, name)).client);
		const text = await scrape(broker.port);
		assert.equal(gauge(text, 'natter_connections'), 2);
		assert.ok(gauge(text, 'natter_resident_memory_bytes') > 10 * 1024 * 1024);
		assert.ok(gauge(text, 'natter_heap_used_bytes') > 1024 * 1024);
		const limits = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
		if (limits) assert.equal(gauge(text, 'natter_open_files_limit'), Number(limits[1]));
	} finally {
		closeAll(...clients);
		await broker.close();
	}
});
