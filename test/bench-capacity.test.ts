// The capacity-100k scenario's parts, through their real interfaces: the generator fleet's child
// processes against a real broker, its source addresses as the broker sees them, and the Redis
// cost arithmetic.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {IdleFleet} from '../bench/idle-fleet.js';
import {redisCost, redisDelta, withoutBackground, type RedisCounters} from '../bench/redis-info.js';
import {nodeCapacity} from '../bench/scenarios/capacity-100k.js';
import {startBroker} from './helpers/start-broker.js';

test('an idle fleet spreads its clients over processes on their own source addresses, and counts what the server closes', async () => {
	const broker = await startBroker({heartbeatMs: 60_000});
	const fleet = new IdleFleet();
	try {
		const rooms = Array.from({length: 30}, (_, i) => `r${i % 3}`);
		const connected = await fleet.connect([broker.url], rooms, {userPrefix: 'idle', concurrency: 10, lifetimeMs: 60_000, perProcess: 12});
		assert.equal(connected.count, 30);
		assert.deepEqual(fleet.addresses, ['127.0.0.2', '127.0.0.3', '127.0.0.4'], '30 clients at 12 a process: 3 processes, one address each');
		assert.equal(broker.stats().connections, 30);
		assert.equal(broker.stats().rooms, 3);
		const quiet = await fleet.report();
		assert.deepEqual({open: quiet.open, closed: quiet.closed}, {open: 30, closed: 0});
		// The broker going away closes every idle client: each is counted as closed by the server.
		await broker.close();
		for (let waited = 0; waited < 5000 && (await fleet.report()).closed < 30; waited += 100) await new Promise(resolve => setTimeout(resolve, 100));
		const after = await fleet.report();
		assert.deepEqual({open: after.open, closed: after.closed, codes: after.closeCodes}, {open: 0, closed: 30, codes: {1001: 30}});
	} finally {
		await fleet.stop();
		await broker.close();
	}
});

test('one node takes what its hard open-file limit allows, less headroom; --quick caps it at 2,500 so the spread phase runs', () => {
	assert.equal(nodeCapacity(false, 20_000), 19_500);
	assert.equal(nodeCapacity(false, 1_048_576), 1_048_076, 'a higher limit puts all 100,000 on one node');
	assert.equal(nodeCapacity(true, 20_000), 2500);
});

const reading = (commands: Record<string, [number, number]>, bytesIn: number, bytesOut: number): RedisCounters => ({
	commands: Object.fromEntries(Object.entries(commands).map(([name, [calls, usec]]) => [name, {calls, usec}])),
	netInputBytes: bytesIn,
	netOutputBytes: bytesOut,
	usedMemory: 0,
});

test("Redis cost per publish leaves out the reading's own INFO calls and the idle background, scaled to the phase's length", () => {
	const idle = redisDelta(reading({info: [3, 30], zadd: [0, 0]}, 0, 0), reading({info: [6, 60], zadd: [100, 200], evalsha: [10, 500]}, 1000, 500));
	assert.deepEqual(idle.commands, {zadd: {calls: 100, usec: 200}, evalsha: {calls: 10, usec: 500}}, 'INFO x3 of the reading itself is not counted');
	// A live phase twice as long as the idle stretch: 200 background ZADDs and 20 scripts, plus 50 publish scripts.
	const live = redisDelta(reading({}, 0, 0), reading({zadd: [250, 500], evalsha: [70, 3500], incr: [50, 100]}, 12_000, 51_000));
	const cost = redisCost(withoutBackground(live, idle, 2), 50);
	assert.equal(cost.commands, (50 + 50 + 50) / 50);
	assert.equal(cost.usec, (100 + 2500 + 100) / 50);
	assert.equal(cost.bytesIn, 10_000 / 50);
	assert.equal(cost.bytesOut, 50_000 / 50);
});
