// The habits in real terminals (tmux) on a real broker: /me reaches the other window as an
// action, Alt+A goes to the direct message first and then to the busy room, where the new line
// marks what arrived meanwhile, and /search with Ctrl+R steps back through the matches.
import {after, before, describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {Tmux, freePort, hasTmux, killServer} from './helpers/tmux.js';
import {buildCliIfStale, cli, root} from './helpers/built-cli.js';

const socket = `natter-habits-${process.pid}`;
const skip = hasTmux() ? false : 'tmux is not installed (.ci/run installs it)';
if (skip) console.error(`SKIPPING the TUI habit end-to-end tests: ${skip}`);

function natter(...args: string[]): Tmux {
	return Tmux.start(socket, [process.execPath, cli, ...args], {cwd: root, columns: 100, rows: 24});
}

const tabBar = (screen: string) => screen.split('\n')[0] ?? '';
const inputLine = (screen: string) => screen.trimEnd().split('\n').at(-1) ?? '';

before(() => {
	if (skip) return;
	buildCliIfStale();
});

after(() => killServer(socket));

describe('habits in two windows on a natter broker', {skip, timeout: 120_000}, () => {
	let ana: Tmux;
	let bo: Tmux;

	before(async () => {
		const port = await freePort();
		ana = natter('--serve', '--host', '127.0.0.1', '--port', String(port), '--name', 'ana', '--room', 'general', '--room', 'ops');
		await ana.waitFor(s => /1:general +2:ops/.test(tabBar(s)) && !tabBar(s).includes('…'));
		bo = natter('--url', `ws://127.0.0.1:${port}`, '--name', 'bo', '--room', 'general', '--room', 'ops');
		await bo.waitFor(s => /1:general +2:ops/.test(tabBar(s)) && !tabBar(s).includes('…'));
		await ana.waitFor('bo joined general');
	});

	after(() => {
		ana?.kill();
		bo?.kill();
	});

	test('/me in one window shows as "* bo waves" in the other', async () => {
		await bo.send('/me waves hello');
		await ana.waitFor(/\* │ bo waves hello/);
		await bo.waitFor(/\* │ bo waves hello/);
	});

	test('Alt+A goes to the direct message first, then to the room with unread messages, above which the new line sits', async () => {
		bo.press('M-2');
		await bo.waitFor(s => inputLine(s).startsWith('[ops]'));
		await bo.send('ops line one');
		await bo.send('ops line two');
		await bo.send('/msg @ana psst');
		await ana.waitFor(s => /2:ops 2/.test(tabBar(s)) && /3:@bo 1!/.test(tabBar(s)));
		assert.match(inputLine(ana.capture()), /^\[general\]/);
		ana.press('M-a');
		await ana.waitFor(s => inputLine(s).startsWith('[@bo]'));
		ana.press('M-a');
		const screen = await ana.waitFor(s => inputLine(s).startsWith('[ops]') && s.includes('ops line two'));
		const rows = screen.split('\n');
		const marker = rows.findIndex(row => row.includes('── new ──'));
		assert.ok(marker > 0, `the new line shows:\n${screen}`);
		assert.match(rows[marker + 1]!, /ops line one/);
	});

	test('/search highlights the latest match and Ctrl+R steps to the one before', async () => {
		ana.press('M-1');
		await ana.waitFor(s => inputLine(s).startsWith('[general]'));
		await bo.send('/join general');
		await bo.send('release one is out');
		for (let i = 0; i < 25; i++) await bo.send(`noise ${i}`);
		await bo.send('release two is out');
		await ana.waitFor('release two is out');
		await ana.send('/search release');
		await ana.waitFor('match 2 of 2');
		ana.press('C-r');
		const screen = await ana.waitFor('match 1 of 2');
		assert.match(screen, /release one is out/);
		assert.doesNotMatch(screen, /release two is out/);
		ana.press('Escape');
		await ana.waitFor(s => !s.includes('match 1 of 2') && s.includes('release two is out'));
	});
});
