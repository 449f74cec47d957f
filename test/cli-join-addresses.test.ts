// Where others join a broker from, as the hosting user sees it: the machine's own addresses
// (never a wildcard such as ws://[::]:8080), `ps` naming each natter process by its role, and
// the broker URLs a user types, read the way natter means them.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {existsSync, readFileSync} from 'node:fs';
import {networkInterfaces, type NetworkInterfaceInfo} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {isLoopback, joinAddresses, joinLines, type MachineView} from '../source/cli/join-addresses.js';
import {checkUrl} from '../source/cli/check-url.js';
import {joinText} from '../source/ui/components/status-bar.js';
import {startBrokerProcess} from './helpers/broker-process.js';
import {startJsonProcess} from './helpers/json-process.js';

const root = fileURLToPath(new URL('..', import.meta.url));

function entry(address: string, family: 'IPv4' | 'IPv6', internal = false): NetworkInterfaceInfo {
	return {address, family, internal, netmask: '', mac: '00:00:00:00:00:00', cidr: null, ...(family === 'IPv6' ? {scopeid: 0} : {})} as NetworkInterfaceInfo;
}

/** A machine with loopback, a LAN address, a unique-local and a link-local IPv6 address. */
function machine(resolved: string | undefined, name = 'ana-laptop'): MachineView {
	return {
		interfaces: () => ({
			lo: [entry('127.0.0.1', 'IPv4', true), entry('::1', 'IPv6', true)],
			eth0: [entry('192.168.1.20', 'IPv4'), entry('fd00::20', 'IPv6'), entry('fe80::1c:ff:fe00:1', 'IPv6')],
		}),
		hostname: () => name,
		resolve: async () => {
			if (resolved === undefined) throw new Error('ENOTFOUND');
			return resolved;
		},
	};
}

test('a broker on every interface is joined by its LAN addresses, IPv4 first, and the host name only when it resolves outward', async () => {
	assert.deepEqual(await joinAddresses('::', 8080, machine('192.168.1.20')), ['ws://192.168.1.20:8080', 'ws://[fd00::20]:8080', 'ws://ana-laptop:8080']);
	assert.deepEqual(await joinAddresses('::', 8080, machine(undefined)), ['ws://192.168.1.20:8080', 'ws://[fd00::20]:8080'], 'a name that does not resolve is left out');
	assert.deepEqual(await joinAddresses('::', 8080, machine('127.0.1.1')), ['ws://192.168.1.20:8080', 'ws://[fd00::20]:8080'], 'a name that resolves to loopback is left out');
	assert.deepEqual(await joinAddresses('0.0.0.0', 9000, machine(undefined)), ['ws://192.168.1.20:9000'], 'an IPv4 wildcard offers no IPv6 address');
});

test('a host name that takes too long to resolve is left out rather than holding up the start', async () => {
	const slow: MachineView = {...machine(undefined), resolve: () => new Promise(() => {})};
	const started = Date.now();
	assert.deepEqual(await joinAddresses('::', 8080, slow), ['ws://192.168.1.20:8080', 'ws://[fd00::20]:8080']);
	assert.ok(Date.now() - started < 2000);
});

test('a broker bound to loopback, or on a machine with only loopback, offers no address and says so', async () => {
	const lonely: MachineView = {...machine('127.0.0.1'), interfaces: () => ({lo: [entry('127.0.0.1', 'IPv4', true)]})};
	assert.deepEqual(await joinAddresses('::', 8080, lonely), []);
	assert.deepEqual(await joinAddresses('127.0.0.1', 8080, machine('192.168.1.20')), []);
	assert.deepEqual(await joinAddresses('192.168.1.20', 8080, machine(undefined)), ['ws://192.168.1.20:8080'], 'a bind to one address offers that address');
	assert.deepEqual(joinLines([], 'ws://127.0.0.1:8080'), ['loopback only: other machines cannot join (this one can: natter --url ws://127.0.0.1:8080)']);
	assert.equal(joinText([]), 'loopback only: other machines cannot join');
	assert.equal(joinText(['ws://192.168.1.20:8080', 'ws://[fd00::20]:8080']), 'join with: natter --url ws://192.168.1.20:8080 (or ws://[fd00::20]:8080)');
	assert.ok(isLoopback('::ffff:127.0.0.1') && isLoopback('127.0.1.1') && !isLoopback('192.168.1.20'));
});

test('a URL without a port means port 8080, and http(s):// is read as ws(s)://, each shown in full', () => {
	assert.equal(checkUrl('ws://ana-laptop'), 'ws://ana-laptop:8080');
	assert.equal(checkUrl('http://ana-laptop'), 'ws://ana-laptop:8080');
	assert.equal(checkUrl('ws://[fd00::20]'), 'ws://[fd00::20]:8080');
	assert.equal(checkUrl('ws://ana-laptop:80'), 'ws://ana-laptop:80', 'a port that is written stays, also the scheme default');
	assert.equal(checkUrl('ws://ana-laptop:9000/chat'), 'ws://ana-laptop:9000/chat');
	assert.equal(checkUrl('https://chat.example.com'), 'wss://chat.example.com', 'TLS comes from a proxy on 443');
	assert.throws(() => checkUrl('ftp://ana-laptop'), /must start with ws:\/\/ or wss:\/\//);
	assert.throws(() => checkUrl('ana-laptop:8080'), /must start with ws:\/\/ or wss:\/\/|is not a URL/);
});

/** The command line `ps` shows for a process (Linux: /proc). */
function shownAs(pid: number): string {
	return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
}

const noProc = existsSync('/proc/self/cmdline') ? false : 'no /proc to read process titles from';

test('a headless broker on every interface prints the addresses others can use, one per line, never a wildcard, and ps names it natter serve :PORT', {skip: noProc}, async () => {
	const child = spawn(process.execPath, [join(root, 'dist', 'cli.js'), '--serve', '--headless', '--port', '0'], {cwd: root, stdio: ['ignore', 'pipe', 'inherit']});
	const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
	try {
		let banner = '';
		await new Promise<void>((done, fail) => {
			child.stdout.on('data', chunk => {
				banner += String(chunk);
				// The banner ends with its last address line (or the loopback-only line).
				if (/listening on[^]*\n( {2}natter --url \S+|loopback only[^\n]*)\n$/.test(banner)) done();
			});
			child.once('exit', code => fail(new Error(`exited ${code}: ${banner}`)));
		});
		const port = Number(/listening on ws:\/\/127\.0\.0\.1:(\d+)\n/.exec(banner)?.[1]);
		assert.ok(port > 0, banner);
		assert.doesNotMatch(banner, /\[::\]|0\.0\.0\.0/);
		const lan = Object.values(networkInterfaces()).flat().filter(info => info && !info.internal && info.family === 'IPv4').map(info => info!.address);
		for (const address of lan) assert.match(banner, new RegExp(`^  natter --url ws://${address.replaceAll('.', '\\.')}:${port}$`, 'm'));
		if (lan.length === 0) assert.match(banner, /loopback only/);
		else assert.match(banner, /^others join with:$/m);
		assert.equal(shownAs(child.pid!), `natter serve :${port}`);
	} finally {
		clearTimeout(guard);
		child.kill('SIGTERM');
	}
});

test('ps names a chat process natter chat NAME@HOST:PORT, and a URL given as http:// joins the broker', {skip: noProc}, async () => {
	const broker = await startBrokerProcess();
	const port = new URL(broker.url).port;
	const bo = startJsonProcess(['--url', `http://127.0.0.1:${port}`, '--name', 'bo']);
	try {
		await bo.waitFor(line => line.type === 'joined');
		assert.equal(shownAs(bo.child.pid!), `natter chat bo@127.0.0.1:${port}`);
	} finally {
		bo.end();
		await bo.exited;
		await broker.stop();
	}
});
