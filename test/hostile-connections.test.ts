// Attacks on the broker's connection handling, each first reproduced against a real broker
// process and then bounded: slots that leaked when an upgrade failed (issue 16, finding 2),
// every user one address behind a proxy (3), slowloris exhausting file descriptors (7), weak
// secrets and the legacy Sec-WebSocket-Origin header (12).
import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import {execFileSync, spawnSync} from 'node:child_process';
import {readdirSync} from 'node:fs';
import {connect as tcpConnect, type Socket} from 'node:net';
import {fileURLToPath} from 'node:url';
import WebSocket from 'ws';
import {signToken} from '../source/auth/tokens.js';
import {parseFlags, type RawFlags} from '../source/cli/parse-flags.js';
import {startBrokerProcess, type BrokerProcess} from './helpers/broker-process.js';
import {FrameClient, sleep} from './helpers/frame-client.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SECRET = 'hostile-connections-test-secret-7Qx2';
const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

const brokers: BrokerProcess[] = [];
const sockets: Socket[] = [];
const clients: FrameClient[] = [];
after(async () => {
	for (const socket of sockets) socket.destroy();
	for (const client of clients) client.kill();
	await Promise.all(brokers.map(b => b.stop()));
});

async function broker(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{b: BrokerProcess; port: number}> {
	const b = await startBrokerProcess({args, env: {...process.env, ...env}});
	brokers.push(b);
	return {b, port: Number(new URL(b.url).port)};
}

/** Send `head` (request line and headers) on a fresh TCP connection; resolves with the status code, or 0 when closed without one. */
function rawRequest(port: number, head: string[], options: {localAddress?: string} = {}): Promise<number> {
	return new Promise(resolve => {
		const socket = tcpConnect({port, host: '127.0.0.1', ...options});
		sockets.push(socket);
		let reply = '';
		socket.setEncoding('latin1');
		socket.on('data', (chunk: string) => (reply += chunk));
		socket.on('error', () => {});
		socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1] ?? 0)));
		socket.write(`${head.join('\r\n')}\r\n\r\n`);
		// A 101 leaves the socket open: the status is all this helper wants.
		socket.once('data', () => {
			if (reply.startsWith('HTTP/1.1 101')) socket.destroy();
		});
	});
}

/** Open a WebSocket; resolves 101 when it opens (and keeps it), or the HTTP status it was refused with. */
function wsStatus(url: string, options: WebSocket.ClientOptions = {}): Promise<number> {
	return new Promise(resolve => {
		const ws = new WebSocket(url, options);
		ws.once('unexpected-response', (_request, response) => {
			resolve(response.statusCode ?? 0);
			ws.terminate();
		});
		ws.once('open', () => {
			opened.push(ws);
			resolve(101);
		});
		ws.once('error', () => resolve(0));
	});
}
const opened: WebSocket[] = [];
after(() => {
	for (const ws of opened) ws.terminate();
});

/** The broker process's open file descriptors, from /proc. */
function fdCount(b: BrokerProcess): number {
	return readdirSync(`/proc/${b.child.pid}/fd`).length;
}

/** A client that connects, names itself and gets a `published` back: the broker still serves. */
async function roundTrip(url: string, name: string, options: WebSocket.ClientOptions = {}): Promise<number> {
	const started = performance.now();
	const client = await FrameClient.connect(url, options);
	clients.push(client);
	client.send({type: 'subscribe', room: 'canary', userId: name});
	await client.waitFor(f => f.type === 'subscribed', 5000);
	client.send({type: 'publish', room: 'canary', content: 'still here', clientId: 'c1'});
	await client.waitFor(f => f.type === 'published', 5000);
	client.close();
	return performance.now() - started;
}

const upgradeHead = (extra: string[]): string[] => ['GET / HTTP/1.1', 'Host: 127.0.0.1', 'Connection: Upgrade', ...extra];

test('failed upgrades give their slot back: keyless, h2c, bad version, bad token, refused origin, and clients that leave mid-auth', {timeout: 30_000}, async () => {
	const {b, port} = await broker(['--max-conns-per-ip', '5'], {NATTER_SECRET: SECRET});
	const token = await signToken(SECRET, 'ana', {ttlSeconds: 60});
	// With a valid token, so that these reach ws's own checks.
	const upgrade = (extra: string[]): string[] => upgradeHead([...extra, `Authorization: Bearer ${token}`]);
	const attacks: Array<[string, () => Promise<unknown>]> = [
		['no Sec-WebSocket-Key', () => rawRequest(port, upgrade(['Upgrade: websocket', 'Sec-WebSocket-Version: 13']))],
		['Upgrade: h2c', () => rawRequest(port, upgrade(['Upgrade: h2c', 'HTTP2-Settings: AAMAAABkAAQAAP__']))],
		['an unknown version', () => rawRequest(port, upgrade(['Upgrade: websocket', `Sec-WebSocket-Key: ${KEY}`, 'Sec-WebSocket-Version: 99']))],
		['a bad token', () => wsStatus(b.url, {headers: {authorization: 'Bearer a.b.c'}})],
		['a refused origin', () => wsStatus(b.url, {origin: 'https://evil.example', headers: {authorization: `Bearer ${token}`}})],
		[
			'a client that leaves while its token is checked',
			() =>
				new Promise<void>(resolve => {
					const socket = tcpConnect({port, host: '127.0.0.1'}, () => {
						socket.end(`${upgrade(['Upgrade: websocket', `Sec-WebSocket-Key: ${KEY}`, 'Sec-WebSocket-Version: 13']).join('\r\n')}\r\n\r\n`);
						socket.destroy();
					});
					socket.on('error', () => {});
					socket.on('close', () => resolve());
				}),
		],
	];
	for (const [what, attack] of attacks) {
		// Five of each at once: with the old gate, any one kind locked the address out for good.
		await Promise.all(Array.from({length: 5}, attack));
		await sleep(100);
		assert.equal(await wsStatus(b.url, {headers: {authorization: `Bearer ${token}`}}), 101, `a client is served after five times ${what}`);
		opened.pop()!.terminate();
		await sleep(50);
	}
	// The limit itself still holds: five at once are served, the sixth is refused.
	const statuses = [];
	for (let i = 0; i < 6; i++) statuses.push(await wsStatus(b.url, {headers: {authorization: `Bearer ${token}`}}));
	assert.deepEqual(statuses, [101, 101, 101, 101, 101, 429]);
});

test('1,100 half-sent upgrade requests do not exhaust a broker limited to 1024 file descriptors', {timeout: 40_000}, async t => {
	const {b, port} = await broker([]);
	execFileSync('prlimit', ['--pid', String(b.child.pid), '--nofile=1024:1024']);
	const before = fdCount(b);
	// Each sends a request line and one header, then nothing more: the classic slowloris.
	const attack: Socket[] = [];
	let closedByBroker = 0;
	for (let batch = 0; batch < 11; batch++) {
		await Promise.all(
			Array.from(
				{length: 100},
				() =>
					new Promise<void>(resolve => {
						const socket = tcpConnect({port, host: '127.0.0.1'}, () => {
							socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n');
							resolve();
						});
						socket.on('error', () => resolve());
						socket.on('close', () => closedByBroker++);
						// Read what the broker says (a 408), or its close would go unnoticed here.
						socket.resume();
						attack.push(socket);
						sockets.push(socket);
					}),
			),
		);
	}
	await sleep(300);
	const during = fdCount(b);
	const stillOpen = attack.filter(s => !s.destroyed && s.readyState === 'open').length;
	// The half-open cap is 64 per address by default; everything past it was closed at accept.
	assert.ok(stillOpen <= 64, `${stillOpen} half-open sockets still open`);
	assert.ok(during - before <= 64 + 4, `broker fds grew from ${before} to ${during}`);
	// Another address is not locked out by it, and is served promptly.
	const ms = await roundTrip(b.url, 'canary', {localAddress: '127.0.0.2'});
	t.diagnostic(`broker fds ${before} before, ${during} under attack (${stillOpen} attack sockets kept); canary ${ms.toFixed(0)} ms`);
	assert.ok(ms < 1000, `canary round trip took ${ms.toFixed(0)} ms`);
	// The broker times out the ones it kept (headers timeout 5 s).
	const deadline = Date.now() + 8000;
	while (attack.some(s => s.readyState === 'open') && Date.now() < deadline) await sleep(200);
	assert.equal(attack.filter(s => s.readyState === 'open').length, 0, 'half-open sockets are closed by the broker');
	assert.equal(closedByBroker, attack.length);
	// And the attacker's own address is served again once they are gone.
	await roundTrip(b.url, 'after');
	assert.ok(fdCount(b) <= before + 2, `broker fds back to ${fdCount(b)} from ${before}`);
});

test('a socket that never becomes a WebSocket is closed after the upgrade timeout, even while it keeps sending requests', {timeout: 30_000}, async () => {
	const {port} = await broker([]);
	const socket = tcpConnect({port, host: '127.0.0.1'});
	sockets.push(socket);
	socket.on('error', () => {});
	socket.resume();
	await new Promise(resolve => socket.once('connect', resolve));
	const started = Date.now();
	// A complete keep-alive request every second: neither the headers timeout nor the idle timeout ever fires.
	const poll = (): void => {
		if (socket.writable) socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
	};
	poll();
	const timer = setInterval(poll, 1000);
	try {
		await new Promise(resolve => socket.once('close', resolve));
	} finally {
		clearInterval(timer);
	}
	const ms = Date.now() - started;
	assert.ok(ms > 9000 && ms < 12_000, `closed after ${ms} ms`);
});

test('behind a trusted proxy each forwarded client is counted on its own; X-Forwarded-For from anyone else is ignored', {timeout: 30_000}, async () => {
	const trusted = await broker(['--max-conns-per-ip', '2', '--trust-proxy', '10.9.9.9,127.0.0.1']);
	const via = (chain: string): WebSocket.ClientOptions => ({headers: {'x-forwarded-for': chain}});
	// Two clients of the proxy at the limit; a third from the same client is refused, another client is not.
	assert.equal(await wsStatus(trusted.b.url, via('203.0.113.1')), 101);
	assert.equal(await wsStatus(trusted.b.url, via('203.0.113.1')), 101);
	assert.equal(await wsStatus(trusted.b.url, via('203.0.113.1')), 429);
	assert.equal(await wsStatus(trusted.b.url, via('203.0.113.2')), 101);
	// The rightmost untrusted hop counts: a client cannot escape its limit by prepending addresses.
	assert.equal(await wsStatus(trusted.b.url, via('198.51.100.7, 203.0.113.1')), 429);
	// A chain through another trusted proxy (10.9.9.9) still finds the client in front of it.
	assert.equal(await wsStatus(trusted.b.url, via('203.0.113.2, 10.9.9.9')), 101);
	assert.equal(await wsStatus(trusted.b.url, via('203.0.113.2')), 429);

	// The same forged headers at a broker that does not trust this peer: all one address.
	const untrusted = await broker(['--max-conns-per-ip', '2', '--trust-proxy', '10.9.9.9']);
	assert.equal(await wsStatus(untrusted.b.url, via('203.0.113.1')), 101);
	assert.equal(await wsStatus(untrusted.b.url, via('203.0.113.2')), 101);
	assert.equal(await wsStatus(untrusted.b.url, via('203.0.113.3')), 429);
});

/** Run the real CLI to its end (a refusal); the flags are checked before anything listens. */
function cli(args: string[], env: NodeJS.ProcessEnv = {}): {status: number | null; stdout: string; stderr: string} {
	return spawnSync(process.execPath, ['--import', 'tsx', 'cli.tsx', ...args], {cwd: ROOT, encoding: 'utf8', timeout: 20_000, env: {...process.env, ...env}});
}

const serveFlags = (): RawFlags => ({serve: true, headless: true, json: false, url: [], room: [], port: '0'});

test('a bad --trust-proxy is refused with one sentence and exit 2', {timeout: 30_000}, () => {
	const run = cli(['--serve', '--headless', '--port', '0', '--trust-proxy', '10.0.0.1,8080']);
	assert.equal(run.status, 2);
	assert.equal(run.stderr.split('\n')[0], 'natter: --trust-proxy "8080" is not an address or range; use addresses or CIDR ranges like 10.0.0.5,10.1.0.0/16 or loopback');
	for (const value of ['10.0.0.0/33', '10.0.0.0/0', 'proxy.example', '10.0.0.1,,10.0.0.2', '::1/129', '1.2.3.4/8/8']) {
		const parsed = parseFlags({...serveFlags(), trustProxy: [value]}, {});
		assert.ok(!parsed.ok && /^--trust-proxy ".*" is not an address or range/.test(parsed.error), value);
	}
	for (const value of ['10.0.0.1', '10.0.0.0/8', 'fd00::/8', '::1', 'loopback', '127.0.0.1,10.1.0.0/16']) {
		assert.ok(parseFlags({...serveFlags(), trustProxy: [value]}, {}).ok, value);
	}
});

const WEAK_SECRET = /^the secret is too easy to guess \(.+\); make one with `natter token --new-secret` or `openssl rand -base64 32`$/;

test('weak secrets are refused with exit 2 and how to make a good one; natter token --new-secret makes one the broker takes', {timeout: 90_000}, async () => {
	for (const [args, secret] of [
		[['--serve', '--headless', '--port', '0'], ' '.repeat(16)],
		[['token', '--name', 'ana'], 'a'.repeat(16)],
	] as const) {
		const run = cli([...args], {NATTER_SECRET: secret});
		assert.equal(run.status, 2, `${JSON.stringify(secret)} ${args[0]}`);
		assert.match(run.stderr.split('\n')[0]!, /^natter: the secret is too easy to guess/);
		assert.match(run.stderr.slice('natter: '.length).split('\n')[0]!, WEAK_SECRET);
	}
	for (const secret of ['abcabcabcabcabcabc', 'natter'.repeat(3), 'abcdefghijklmnopq', '1234567890123456', 'aaaaaaaabbbbbbbb', 'short']) {
		for (const [flags, command] of [[serveFlags(), undefined], [{...serveFlags(), serve: false, headless: false, name: 'ana'}, 'token']] as const) {
			const parsed = parseFlags({...flags, secret}, {}, command);
			assert.ok(!parsed.ok && WEAK_SECRET.test(parsed.error), `${JSON.stringify(secret)}: ${parsed.ok ? 'accepted' : parsed.error}`);
			assert.ok(!parsed.ok && !parsed.error.includes(secret), 'the secret is not echoed');
		}
	}
	const made = cli(['token', '--new-secret']);
	assert.equal(made.status, 0, made.stderr);
	const secret = made.stdout.trim();
	assert.match(secret, /^[\w-]{43}$/);
	const {b} = await broker([], {NATTER_SECRET: secret});
	await roundTrip(b.url, 'ana', {headers: {authorization: `Bearer ${await signToken(secret, 'ana', {ttlSeconds: 60})}`}});
});

test('a version-8 upgrade is refused with 403 when its Sec-WebSocket-Origin is not allowed', {timeout: 30_000}, async () => {
	const {port} = await broker(['--allow-origin', 'https://chat.example.com']);
	const v8 = (origin?: string): string[] =>
		upgradeHead(['Upgrade: websocket', `Sec-WebSocket-Key: ${KEY}`, 'Sec-WebSocket-Version: 8', ...(origin === undefined ? [] : [`Sec-WebSocket-Origin: ${origin}`])]);
	assert.equal(await rawRequest(port, v8('https://evil.example')), 403);
	assert.equal(await rawRequest(port, v8('https://chat.example.com')), 101);
	assert.equal(await rawRequest(port, v8()), 101);
	// Both headers are checked: an allowed Origin does not excuse a refused legacy one.
	assert.equal(await rawRequest(port, [...v8('https://evil.example'), 'Origin: https://chat.example.com']), 403);
});
