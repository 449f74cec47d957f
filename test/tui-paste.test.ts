// A large bracketed paste into the real chat window (issue 17, finding 2): 100,000 characters
// pasted with tmux's bracketed paste into `natter --serve` show in the input line as one
// multi-line message, typing after it lands at its end, and the whole text stays editable.
// The bounds are generous (no timing is asserted; `npm run bench -- --scenario input-paste`
// measures speed): before the fix, 40,000 characters took 20 s and 100,000 several minutes.
import {after, before, describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {Tmux, freePort, hasTmux, killServer} from './helpers/tmux.js';
import {buildCliIfStale, cli, root} from './helpers/built-cli.js';

const socket = `natter-paste-${process.pid}`;
const skip = hasTmux() ? false : 'tmux is not installed (.ci/run installs it)';
if (skip) console.error(`SKIPPING the paste end-to-end test: ${skip}`);

/** 100,000 characters of prose in 1,000 lines, with markers at both ends. */
function bigPaste(): string {
	const lines: string[] = [];
	for (let i = 0; i < 1000; i++) lines.push(`${i === 0 ? 'FIRST-LINE' : `line ${i}`} ${'lorem ipsum dolor sit amet '.repeat(4)}`.slice(0, 99));
	const text = lines.join('\n');
	return `${text.slice(0, 100_000 - 'LAST-LINE-END'.length)}LAST-LINE-END`;
}

/** Paste `text` into `window` as a terminal does for a bracketed paste (tmux adds the markers the app asked for). */
function paste(window: Tmux, text: string, dir: string): void {
	const file = join(dir, 'paste.txt');
	writeFileSync(file, text);
	const tmux = (...args: string[]) => execFileSync('env', ['-u', 'CI', 'tmux', '-L', window.socket, '-f', '/dev/null', ...args]);
	tmux('load-buffer', '-b', 'big', file);
	tmux('paste-buffer', '-p', '-b', 'big', '-t', `${window.name}:`);
}

before(() => {
	if (skip) return;
	buildCliIfStale();
});

after(() => killServer(socket));

describe('a large paste into the chat window', {skip, timeout: 120_000}, () => {
	let window: Tmux;
	let dir: string;

	before(async () => {
		dir = mkdtempSync(join(tmpdir(), 'natter-paste-'));
		const port = await freePort();
		window = Tmux.start(socket, [process.execPath, cli, '--serve', '--host', '127.0.0.1', '--port', String(port), '--name', 'ana', '--max-payload', '262144'], {cwd: root, columns: 120, rows: 40});
		await window.waitFor('you joined general');
	});

	after(() => {
		window?.kill();
		rmSync(dir, {recursive: true, force: true});
	});

	test('100,000 pasted characters are one message in the input line, typing goes after them, and all of it stays editable', async () => {
		const text = bigPaste();
		assert.equal(text.length, 100_000);
		paste(window, text, dir);
		// One input of 1,000 lines (not 1,000 messages sent), the cursor after its end.
		await window.waitFor(() => /LAST-LINE-END +\(1000 lines\)$/.test(window.inputLine()), 10_000);
		window.type(' and more');
		await window.waitFor(() => /LAST-LINE-END and more +\(1000 lines\)$/.test(window.inputLine()), 10_000);
		// Home reaches the start of the paste; Delete edits it there.
		window.press('C-a');
		await window.waitFor(() => /\] FIRST-LINE lorem/.test(window.inputLine()), 10_000);
		window.press('Delete');
		await window.waitFor(() => /\] IRST-LINE lorem/.test(window.inputLine()), 10_000);
		assert.doesNotMatch(window.capture(), /ana │/, 'nothing was sent while pasting');
		// Enter: 100,008 characters is more than this broker takes in one message (16,384), so the
		// window says so in place and keeps the whole paste in the input to edit; nothing is sent.
		window.press('Enter');
		await window.waitFor(/message is 100,008 characters; this broker takes at most 16,384/, 10_000);
		assert.match(window.inputLine(), /\(1000 lines\)$/, 'the paste stays in the input');
		assert.doesNotMatch(window.capture(), /ana │/, 'no line of the paste became a message of its own');
		// Emptied with End, Ctrl+U, the input takes a short line at once.
		window.press('C-e');
		window.press('C-u');
		await window.waitFor(() => !window.inputLine().includes('lines)'), 10_000);
		await window.send('still quick');
		await window.waitFor(/│ still quick/, 10_000);
	});
});

