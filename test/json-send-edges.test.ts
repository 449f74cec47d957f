// The edges of sending from a --json process (issue 17): a message too large for the broker is
// refused or fails without jamming what follows, also against a broker that advertises no limit;
// SIGTERM and SIGINT end the process within --flush-timeout even while stdin stays open, and the
// exit code says whether everything was sent.
import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import {startJsonProcess, type JsonProcess} from './helpers/json-process.js';
import {startBroker} from './helpers/start-broker.js';
import {freePort} from './helpers/free-port.js';
import {startSmallSeedServer} from './helpers/small-seed-server.js';

const cleanup: Array<() => Promise<unknown> | void> = [];
after(async () => {
	for (const step of cleanup.reverse()) await step();
});

function bot(args: string[]): JsonProcess {
	const process = startJsonProcess(args);
	cleanup.push(() => {
		process.child.kill('SIGKILL');
	});
	return process;
}

/** Resolves with the exit code, or fails when the process is still alive after `ms`. */
async function exitWithin(process: JsonProcess, ms: number): Promise<number | null> {
	let timer: NodeJS.Timeout | undefined;
	const late = new Promise<never>((_, fail) => {
		timer = setTimeout(() => fail(new Error(`still running ${ms} ms later; stderr: ${process.stderr()}`)), ms);
	});
	try {
		return await Promise.race([process.exited, late]);
	} finally {
		clearTimeout(timer);
	}
}

test('--json refuses a line too large for the broker with its size and the limit, and the next line is sent', async () => {
	const broker = await startBroker({maxPayload: 4096});
	cleanup.push(() => broker.close());
	const ana = bot(['--url', broker.url, '--name', 'ana', '--room', 'ops']);
	await ana.waitFor(line => line.type === 'joined');
	ana.write('x'.repeat(5000));
	ana.write('after the big one');
	await ana.waitFor(line => line.type === 'message' && line.content === 'after the big one');
	assert.match(ana.stderr(), /message is 5,\d{3} bytes; this broker takes at most 4,096/);
	// Refused in place: never queued, never sent, the connection never closed.
	assert.equal(ana.lines.some(line => line.type === 'pending' && String(line.content).startsWith('xxx')), false);
	assert.equal(ana.lines.filter(line => line.type === 'status' && line.state === 'reconnecting').length, 0);
	ana.end();
	assert.equal(await exitWithin(ana, 10_000), 0);
});

test('--json: a JSON line the broker will never take fails with a `failed` line naming its clientId, and what follows is sent', async () => {
	const broker = await startBroker({maxPayload: 4096});
	cleanup.push(() => broker.close());
	const ana = bot(['--url', broker.url, '--name', 'ana', '--room', 'ops']);
	await ana.waitFor(line => line.type === 'joined');
	ana.write(JSON.stringify({content: 'y'.repeat(5000)}));
	ana.write('still flowing');
	const failed = await ana.waitFor(line => line.type === 'failed');
	const pending = ana.lines.find(line => line.type === 'pending' && String(line.content).startsWith('yyy'));
	assert.equal(failed.clientId, pending?.clientId);
	assert.equal(failed.code, 'too_large');
	await ana.waitFor(line => line.type === 'message' && line.content === 'still flowing');
	assert.match(ana.stderr(), /not sent \(too_large\): message is 5,\d{3} bytes; this broker takes at most 4,096/);
	ana.end();
	// The failed message is reported, not pending: everything that could be sent was.
	assert.equal(await exitWithin(ana, 10_000), 0);
});

test('--json against a broker without advertised limits: a 1009 close fails the oversized message once, and later lines are sent', async () => {
	const seed = await startSmallSeedServer();
	cleanup.push(() => seed.close());
	const ana = bot(['--url', seed.url, '--name', 'ana', '--room', 'ops']);
	await ana.waitFor(line => line.type === 'joined');
	ana.write('z'.repeat(5000));
	ana.write('after the close');
	const failed = await ana.waitFor(line => line.type === 'failed', 15_000);
	assert.equal(failed.code, 'too_large');
	await ana.waitFor(line => line.type === 'message' && line.content === 'after the close', 15_000);
	// One close for the big frame and one reconnect: not a loop.
	assert.ok(seed.connections() <= 3, `connected ${seed.connections()} times`);
	ana.end();
	assert.equal(await exitWithin(ana, 10_000), 0);
});

test('--json exits on SIGTERM while stdin stays open: 0 when everything was sent', async () => {
	const broker = await startBroker();
	cleanup.push(() => broker.close());
	const ana = bot(['--url', broker.url, '--name', 'ana', '--room', 'ops']);
	await ana.waitFor(line => line.type === 'joined');
	ana.write('all sent');
	await ana.waitFor(line => line.type === 'sent');
	ana.child.kill('SIGTERM');
	assert.equal(await exitWithin(ana, 5000), 0);
});

test('--json exits on SIGINT or SIGTERM within --flush-timeout with the broker gone, exit code 1, naming what was not sent', async () => {
	const port = await freePort();
	for (const signal of ['SIGINT', 'SIGTERM'] as const) {
		const ana = bot(['--url', `ws://127.0.0.1:${port}`, '--name', 'ana', '--room', 'ops', '--flush-timeout', '1']);
		await ana.waitFor(line => line.type === 'status' && line.state === 'reconnecting');
		ana.write('hello?');
		await ana.waitFor(line => line.type === 'pending');
		const started = Date.now();
		ana.child.kill(signal);
		assert.equal(await exitWithin(ana, 4000), 1, signal);
		assert.ok(Date.now() - started >= 900, `${signal}: it should have waited for the flush`);
		assert.match(ana.stderr(), /1 message\(s\) could not be sent/);
	}
});

test('--json at end of input with the broker gone gives up after the default flush timeout (5 s), exit code 1', async () => {
	const port = await freePort();
	const ana = bot(['--url', `ws://127.0.0.1:${port}`, '--name', 'ana', '--room', 'ops']);
	await ana.waitFor(line => line.type === 'status' && line.state === 'reconnecting');
	ana.write('hello?');
	await ana.waitFor(line => line.type === 'pending');
	ana.end();
	assert.equal(await exitWithin(ana, 9000), 1);
});

test('--json: a line too large, written while still connecting, fails once the broker says its limit, without costing the connection', async () => {
	const port = await freePort();
	const ana = bot(['--url', `ws://127.0.0.1:${port}`, '--name', 'ana', '--room', 'ops']);
	await ana.waitFor(line => line.type === 'status' && line.state === 'reconnecting');
	ana.write('w'.repeat(5000));
	ana.write('written while offline');
	await ana.waitFor(line => line.type === 'pending' && line.content === 'written while offline');
	const broker = await startBroker({port, maxPayload: 4096});
	cleanup.push(() => broker.close());
	const failed = await ana.waitFor(line => line.type === 'failed', 15_000);
	assert.equal(failed.code, 'too_large');
	assert.match(String(failed.message), /^message is 5,\d{3} bytes; this broker takes at most 4,096$/);
	await ana.waitFor(line => line.type === 'message' && line.content === 'written while offline', 15_000);
	// Refused before it was sent: the broker never closed the connection on it (1009).
	const online = ana.lines.findIndex(line => line.type === 'status' && line.state === 'online');
	assert.equal(ana.lines.slice(online).filter(line => line.type === 'status' && line.state === 'reconnecting').length, 0, JSON.stringify(ana.lines.slice(online)));
	ana.end();
	assert.equal(await exitWithin(ana, 10_000), 0);
});
