// Tabs and text in real terminals (tmux) on a real broker: /leave goes back to the room looked at
// before, never into a direct conversation; a room keeps its number after leaving and joining
// again, and Alt+N follows those numbers; emoji ZWJ sequences and Persian ZWNJ show as the
// sequences they form in both windows.
import {after, before, describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {Tmux, freePort, hasTmux, killServer} from './helpers/tmux.js';
import {buildCliIfStale, cli, root} from './helpers/built-cli.js';

const socket = `natter-tabs-${process.pid}`;
const skip = hasTmux() ? false : 'tmux is not installed (.ci/run installs it)';
if (skip) console.error(`SKIPPING the TUI tab end-to-end tests: ${skip}`);

function natter(...args: string[]): Tmux {
	return Tmux.start(socket, [process.execPath, cli, ...args], {cwd: root, columns: 120, rows: 30});
}

const tabBar = (screen: string) => screen.split('\n')[0] ?? '';
const inputLine = (screen: string) => screen.trimEnd().split('\n').at(-1) ?? '';
/** The tabs as "N:name", badges (unread counts, marks) left out: "1:general 2:ops". */
const tabs = (screen: string) => (tabBar(screen).match(/\d+:[^\s…]+/g) ?? []).join(' ');

before(() => {
	if (skip) return;
	buildCliIfStale();
});

after(() => killServer(socket));

describe('tabs in two windows on a natter broker', {skip, timeout: 120_000}, () => {
	let ana: Tmux;
	let bo: Tmux;

	before(async () => {
		const port = await freePort();
		ana = natter('--serve', '--host', '127.0.0.1', '--port', String(port), '--name', 'ana', '--room', 'general', '--room', 'ops');
		await ana.waitFor(s => tabs(s) === '1:general 2:ops' && !tabBar(s).includes('…'));
		bo = natter('--url', `ws://127.0.0.1:${port}`, '--name', 'bo');
		await bo.waitFor('you joined general');
	});

	after(() => {
		ana?.kill();
		bo?.kill();
	});

	test('after /leave the window goes back to the room looked at before, not into the direct conversation next to it', async () => {
		await bo.send('/msg @ana psst');
		await ana.waitFor(s => tabs(s) === '1:general 2:ops 3:@bo');
		bo.press('M-1');
		await bo.waitFor(s => inputLine(s).startsWith('[general]'));
		assert.match(inputLine(ana.capture()), /^\[general\]/, 'a direct message does not take the window');
		ana.press('M-2');
		await ana.waitFor(s => inputLine(s).startsWith('[ops]'));
		await ana.send('/leave');
		const screen = await ana.waitFor('you left ops');
		assert.match(inputLine(screen), /^\[general\]/);
		assert.doesNotMatch(tabBar(screen), /ops/);
		// The next plain line goes to the room, where everyone reads it, not privately to bo.
		await ana.send('back in general');
		await bo.waitFor(/ana │ back in general/);
		await bo.send('/join @ana');
		const dm = await bo.waitFor(s => inputLine(s).startsWith('[@ana]'));
		assert.doesNotMatch(dm, /back in general/);
	});

	test('a room keeps its number after leaving and joining again, and Alt+N picks by those numbers', async () => {
		await ana.send('/join dev');
		await ana.waitFor(s => tabs(s) === '1:general 3:@bo 4:dev');
		await ana.send('/join ops');
		let screen = await ana.waitFor(s => tabs(s) === '1:general 2:ops 3:@bo 4:dev');
		assert.match(inputLine(screen), /^\[ops\]/);
		ana.press('M-4');
		await ana.waitFor(s => inputLine(s).startsWith('[dev]'));
		ana.press('M-3');
		await ana.waitFor(s => inputLine(s).startsWith('[@bo]'));
		ana.press('M-1');
		screen = await ana.waitFor(s => inputLine(s).startsWith('[general]'));
		assert.equal(tabs(screen), '1:general 2:ops 3:@bo 4:dev');
	});

	test('emoji ZWJ sequences and Persian ZWNJ show as the sequences they form, in both windows', async () => {
		bo.press('M-1');
		await bo.waitFor(s => inputLine(s).startsWith('[general]'));
		await bo.send('family 👨\u200d👩\u200d👧 and م\u200cی ok');
		for (const window of [ana, bo]) {
			const screen = await window.waitFor(/bo │ family .* ok +#\d+/);
			assert.doesNotMatch(screen, /U\+200[CD]/);
			const row = screen.split('\n').find(line => /bo │ family/.test(line))!;
			assert.ok(row.includes('👨\u200d👩\u200d👧'), row);
			assert.ok(row.includes('م\u200cی'), row);
		}
	});
});
