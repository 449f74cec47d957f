// The edges of ordinary use in the chat window (issue 17), for real: natter windows in tmux
// against a real broker process. A message too large for the broker is refused in place and
// the connection goes on; quitting with pending messages says so, waits, and reports what it
// dropped with exit code 1; a window that cannot connect says why, and /reconnect retries now.
import {after, before, describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {startBrokerProcess, type BrokerProcess} from './helpers/broker-process.js';
import {startBroker} from './helpers/start-broker.js';
import {startSmallSeedServer} from './helpers/small-seed-server.js';
import {Tmux, freePort, hasTmux, killServer} from './helpers/tmux.js';
import {buildCliIfStale, cli, root} from './helpers/built-cli.js';

const socket = `natter-edges-${process.pid}`;
const skip = hasTmux() ? false : 'tmux is not installed (.ci/run installs it)';
if (skip) console.error(`SKIPPING the TUI send-edge tests: ${skip}`);

const windows: Tmux[] = [];
const brokers: BrokerProcess[] = [];
const servers: Array<{close(): Promise<void>}> = [];

/** A natter window: `node dist/cli.js ARGS` in a 120×40 terminal. */
function natter(...args: string[]): Tmux {
	const window = Tmux.start(socket, [process.execPath, cli, ...args], {cwd: root, columns: 120, rows: 40});
	windows.push(window);
	return window;
}

async function broker(...args: string[]): Promise<BrokerProcess> {
	const started = await startBrokerProcess({args});
	brokers.push(started);
	return started;
}

before(() => {
	if (skip) return;
	buildCliIfStale();
});

after(async () => {
	for (const window of windows) window.kill();
	killServer(socket);
	for (const b of brokers) await b.stop();
	for (const seed of servers) await seed.close();
});

describe('sending at the edges, in the chat window', {skip, timeout: 120_000}, () => {
	test('a message too large for the broker is refused in place, stays in the input, and the next line is sent', async () => {
		const b = await broker('--max-payload', '4096');
		const ana = natter('--url', b.url, '--name', 'ana');
		await ana.waitFor('you joined general');
		ana.type('x'.repeat(5000));
		await ana.waitFor(() => ana.inputLine().includes('xxxxxxxxxx'), 20_000);
		ana.press('Enter');
		const refused = await ana.waitFor(/message is 5,\d{3} bytes; this broker takes at most 4,096/);
		// Nothing was queued and the text is still there to edit.
		assert.doesNotMatch(refused, /pending/);
		assert.match(ana.inputLine(), /xxxxxxxxxx/);
		ana.press('C-u');
		await ana.waitFor(() => !ana.inputLine().includes('xxx'));
		await ana.send('a normal line');
		const screen = await ana.waitFor(/ana │ a normal line +#1/);
		assert.doesNotMatch(screen, /reconnecting|connection lost/);
	});

	test('against a broker that advertises no limit, a message it closes the connection on (1009) is marked not sent, and the next line goes out', async () => {
		const seed = await startSmallSeedServer();
		servers.push(seed);
		const ana = natter('--url', seed.url, '--name', 'ana');
		await ana.waitFor('you joined general');
		ana.type('z'.repeat(5000));
		await ana.waitFor(() => ana.inputLine().includes('zzzzzzzzzz'), 20_000);
		ana.press('Enter');
		const failed = await ana.waitFor(/✖ not sent: the broker closed the/, 15_000);
		// The reason may wrap anywhere; its red row (cut at 400 characters) stands above it.
		assert.match(failed.replace(/\s*│\s*/g, ' ').replace(/\s+/g, ' '), /on a message of 5,\d{3} bytes as too large/);
		assert.match(failed, /ana │ z+ +✖/);
		await ana.send('after the close');
		const screen = await ana.waitFor(/ana │ after the close +#1/, 15_000);
		assert.doesNotMatch(screen, /\d+ pending/);
		assert.ok(seed.connections() <= 3, `connected ${seed.connections()} times`);
	});

	test('quitting with a pending message says so, Ctrl+C again quits without it, and stderr lists it with exit code 1', async () => {
		const port = await freePort();
		const ana = natter('--url', `ws://127.0.0.1:${port}`, '--name', 'ana');
		await ana.waitFor('reconnecting');
		await ana.send('hello?');
		await ana.waitFor('1 pending');
		ana.press('C-c');
		await ana.waitFor('sending 1 pending… (Ctrl+C again to quit without them)');
		ana.press('C-c');
		const screen = await ana.waitFor('[exit 1]', 10_000);
		assert.match(screen, /natter: 1 message\(s\) not sent:/);
		assert.match(screen, /general: "hello\?"/);
	});

	test('/quit with a pending message waits for it a few seconds, then gives up with exit code 1', async () => {
		const port = await freePort();
		const ana = natter('--url', `ws://127.0.0.1:${port}`, '--name', 'ana');
		await ana.waitFor('reconnecting');
		await ana.send('still here?');
		await ana.waitFor('1 pending');
		await ana.send('/quit');
		await ana.waitFor('sending 1 pending…');
		const started = Date.now();
		const screen = await ana.waitFor('[exit 1]', 15_000);
		assert.ok(Date.now() - started >= 3000, 'it should have waited for the message');
		assert.match(screen, /general: "still here\?"/);
	});

	test('quitting with everything sent exits 0', async () => {
		const b = await broker();
		const ana = natter('--url', b.url, '--name', 'ana');
		await ana.waitFor('you joined general');
		await ana.send('bye all');
		await ana.waitFor(/ana │ bye all +#1/);
		ana.press('C-c');
		const screen = await ana.waitFor('[exit 0]', 10_000);
		assert.doesNotMatch(screen, /not sent/);
	});

	test('a window that cannot connect says why in the status bar and the pane, and /reconnect connects at once when the broker is back', async () => {
		const port = await freePort();
		const ana = natter('--url', `ws://127.0.0.1:${port}`, '--name', 'ana');
		const screen = await ana.waitFor(/cannot connect to ws:\/\/127\.0\.0\.1:\d+: connection refused/);
		assert.match(screen, /reconnecting in \d+s, attempt \d+: connection refused/);
		// The broker comes back on the same port (in this process: a broker process cannot be told its port twice).
		const back = await startBroker({port});
		servers.push(back);
		await ana.send('/reconnect');
		await ana.waitFor('you joined general', 3000);
	});

	test('an unknown host is named as such', async () => {
		const ana = natter('--url', 'ws://no-such-host.invalid:8080', '--name', 'ana');
		await ana.waitFor(/cannot connect to ws:\/\/no-such-host\.invalid:8080: host not found/);
	});

	test('wss:// to a broker without TLS is named as a TLS failure in one sentence, not OpenSSL\'s record dump', async () => {
		const plain = await broker();
		const ana = natter('--url', plain.url.replace(/^ws:/, 'wss:'), '--name', 'ana');
		const screen = await ana.waitFor(/cannot connect to wss:\/\/127\.0\.0\.1:\d+: TLS failed: /);
		// The pane wraps the sentence: read it with the wrapping (and the member panel's rule) undone.
		const text = screen.replace(/\s*│\s*/g, ' ').replace(/\s+/g, ' ');
		assert.match(text, /TLS failed: the broker does not speak TLS on that port \(a plain broker's address starts with ws:\/\/\)/);
		assert.doesNotMatch(screen, /EPROTO|openssl|ssl3_get_record/);
	});

	test('while the user is active, a reconnect wait is never longer than about 5 s', async () => {
		const port = await freePort();
		const ana = natter('--url', `ws://127.0.0.1:${port}`, '--name', 'ana');
		await ana.waitFor('reconnecting');
		let longest = 0;
		const deadline = Date.now() + 12_000;
		while (Date.now() < deadline) {
			ana.type('.');
			const match = /reconnecting in (\d+)s/.exec(ana.capture());
			if (match) longest = Math.max(longest, Number(match[1]));
			await new Promise(resolve => setTimeout(resolve, 250));
		}
		// Attempts 1-7 without the cap reach 16 s; with it none waits more than 5. The countdown is
		// rounded up against the window's clock, which ticks once a second, so it may read 6.
		assert.ok(longest <= 6, `waited up to ${longest} s`);
		const attempt = /attempt (\d+)/.exec(ana.capture());
		assert.ok(Number(attempt?.[1]) >= 6, `only ${attempt?.[1]} attempts in 12 s`);
	});
});
