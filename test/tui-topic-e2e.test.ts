// Topics in real terminals (tmux) on a real broker: one window sets the topic, every window shows
// it under the tab bar and the change in the room, and a window that joins later shows it at once.
import {after, before, describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {Tmux, freePort, hasTmux, killServer} from './helpers/tmux.js';
import {buildCliIfStale, cli, root} from './helpers/built-cli.js';

const socket = `topic-e2e-${process.pid}`;
const skip = hasTmux() ? false : 'tmux is not installed (.ci/run installs it)';
if (skip) console.error(`SKIPPING the TUI topic end-to-end tests: ${skip}`);

function natter(...args: string[]): Tmux {
	return Tmux.start(socket, [process.execPath, cli, ...args], {cwd: root, columns: 100, rows: 24});
}

const row = (screen: string, n: number) => screen.split('\n')[n] ?? '';

before(() => {
	if (skip) return;
	buildCliIfStale();
});

after(() => killServer(socket));

describe('topics in windows on a natter broker', {skip, timeout: 120_000}, () => {
	let port: number;
	let ana: Tmux;
	let bo: Tmux;
	let cy: Tmux | undefined;

	before(async () => {
		port = await freePort();
		ana = natter('--serve', '--host', '127.0.0.1', '--port', String(port), '--name', 'ana', '--room', 'general');
		await ana.waitFor(s => /1:general/.test(row(s, 0)) && !row(s, 0).includes('…'));
		bo = natter('--url', `ws://127.0.0.1:${port}`, '--name', 'bo', '--room', 'general');
		await bo.waitFor(s => /1:general/.test(row(s, 0)) && !row(s, 0).includes('…'));
		await ana.waitFor('bo joined general');
	});

	after(() => {
		ana?.kill();
		bo?.kill();
		cy?.kill();
	});

	test('/topic in one window: both show it under the tab bar and "* bo set the topic: …" in the room', async () => {
		await bo.send('/topic deploy at 5, then ☕');
		for (const window of [ana, bo]) {
			const screen = await window.waitFor(s => row(s, 1).includes('deploy at 5, then ☕') && /\* │ bo set the topic: deploy at 5/.test(s));
			assert.match(row(screen, 0), /1:general/, 'the line sits right under the tab bar');
		}
		await ana.send('/topic');
		await ana.waitFor('topic of general: deploy at 5');
	});

	test('a window that joins later shows the topic at once', async () => {
		cy = natter('--url', `ws://127.0.0.1:${port}`, '--name', 'cy', '--room', 'general');
		const screen = await cy.waitFor(s => row(s, 1).includes('deploy at 5'));
		assert.match(row(screen, 0), /1:general/);
	});

	test('/topic -delete removes the line in every window', async () => {
		await ana.send('/topic -delete');
		await bo.waitFor(s => s.includes('* │ ana cleared the topic') && !row(s, 1).includes('deploy at 5'));
		await cy!.waitFor(s => s.includes('* │ ana cleared the topic') && !row(s, 1).includes('deploy at 5'));
	});
});
