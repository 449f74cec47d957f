// A room opens with its recent conversation: the real window in tmux, against a broker process,
// with another user (a FrameClient) talking in the room before and between the visits.
import {after, before, describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {startBrokerProcess, type BrokerProcess} from './helpers/broker-process.js';
import {FrameClient} from './helpers/frame-client.js';
import {Tmux, hasTmux, killServer} from './helpers/tmux.js';
import {buildCliIfStale, cli, root} from './helpers/built-cli.js';

const socket = `natter-recent-${process.pid}`;
const skip = hasTmux() ? false : 'tmux is not installed (.ci/run installs it)';
if (skip) console.error(`SKIPPING the recent-conversation window tests: ${skip}`);
const config = mkdtempSync(join(tmpdir(), 'natter-recent-'));

function natter(...args: string[]): Tmux {
	return Tmux.start(socket, [process.execPath, cli, ...args], {cwd: root, columns: 100, rows: 30, env: {XDG_CONFIG_HOME: config}});
}

/** How many rows of the screen show `text`. */
function count(screen: string, text: string): number {
	return screen.split('\n').filter(row => row.includes(text)).length;
}

before(() => {
	if (skip) return;
	buildCliIfStale();
});

after(() => {
	killServer(socket);
	rmSync(config, {recursive: true, force: true});
});

describe('a room opens with its recent conversation', {skip, timeout: 90_000}, () => {
	let broker: BrokerProcess;
	let ana: FrameClient;

	before(async () => {
		broker = await startBrokerProcess();
		ana = await FrameClient.connect(broker.url);
		ana.send({type: 'hello', userId: 'ana'});
		await ana.waitFor(f => f.type === 'welcome');
		ana.send({type: 'subscribe', room: 'general', userId: 'ana'});
		await ana.waitFor(f => f.type === 'subscribed');
		for (const text of ['first words', 'second words', 'third words']) ana.send({type: 'publish', room: 'general', content: text, sender: 'ana'});
		await ana.waitFor(f => f.type === 'message' && f.content === 'third words');
	});

	after(async () => {
		ana?.close();
		await broker?.stop();
	});

	test('joining shows the messages before it above "── joined ──", read, each once; re-joining shows them again', async () => {
		const bo = natter('--url', broker.url, '--name', 'bo', '--room', 'general');
		try {
			let screen = await bo.waitFor('── joined ──');
			const rows = screen.split('\n');
			const at = (text: string) => rows.findIndex(row => row.includes(text));
			assert.ok(at('ana │ first words') >= 0 && at('ana │ first words') < at('ana │ second words'), screen);
			assert.ok(at('ana │ third words') < at('── joined ──'), screen);
			assert.ok(at('── joined ──') < at('you joined general'), screen);
			for (const text of ['first words', 'second words', 'third words']) assert.equal(count(screen, text), 1, `${text} once:\n${screen}`);
			// History starts at #1 and all of it is shown: no offer to load earlier ones.
			assert.doesNotMatch(screen, /PageUp to load them/, screen);

			await bo.send('/leave general');
			await bo.waitFor('you left general');
			ana.send({type: 'publish', room: 'general', content: 'said while bo was out', sender: 'ana'});
			await ana.waitFor(f => f.type === 'message' && f.content === 'said while bo was out');
			await bo.send('/join general');
			screen = await bo.waitFor(s => s.includes('── joined ──') && s.includes('said while bo was out'));
			for (const text of ['first words', 'third words', 'said while bo was out']) assert.equal(count(screen, text), 1, `${text} once:\n${screen}`);
		} finally {
			bo.kill();
		}
	});

	test('a window that comes back shows what it read above the line and what it missed below it, none twice', async () => {
		let cy = natter('--url', broker.url, '--name', 'cy', '--room', 'general');
		await cy.waitFor('── joined ──');
		cy.press('C-c');
		await cy.waitFor('[exit');
		cy.kill();
		ana.send({type: 'publish', room: 'general', content: 'missed by cy', sender: 'ana'});
		await ana.waitFor(f => f.type === 'message' && f.content === 'missed by cy');
		// A new process of cy: the broker replays after cy's acknowledged position; the fetch adds only what is before it.
		cy = natter('--url', broker.url, '--name', 'cy', '--room', 'general');
		try {
			const screen = await cy.waitFor(s => s.includes('── joined ──') && s.includes('missed by cy'));
			const rows = screen.split('\n');
			const at = (text: string) => rows.findIndex(row => row.includes(text));
			assert.ok(at('said while bo was out') < at('── joined ──'), screen);
			assert.ok(at('── joined ──') < at('missed by cy'), screen);
			for (const text of ['first words', 'said while bo was out', 'missed by cy']) assert.equal(count(screen, text), 1, `${text} once:\n${screen}`);
		} finally {
			cy.kill();
		}
	});
});

