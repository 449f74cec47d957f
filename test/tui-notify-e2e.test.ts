// The bell for real: natter in a tmux terminal, its output copied through `tmux pipe-pane`. The
// window turns on focus reporting, and a direct message arriving in a tab that is not the active
// one writes BEL to the terminal (with --notify off it does not).
import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {startJsonProcess} from './helpers/json-process.js';
import {startBroker} from './helpers/start-broker.js';
import {Tmux, hasTmux, killServer} from './helpers/tmux.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const socket = `natter-notify-${process.pid}`;
const skip = hasTmux() ? false : 'tmux is not installed';
if (skip) console.error(`SKIPPING the bell end-to-end test: ${skip}`);
const dir = mkdtempSync(join(tmpdir(), 'natter-bell-'));
after(() => {
	killServer(socket);
	rmSync(dir, {recursive: true, force: true});
});

for (const notify of ['bell', 'off'] as const) {
	test(`a DM in a background tab ${notify === 'bell' ? 'rings the terminal bell' : 'stays silent with --notify off'}`, {skip, timeout: 60_000}, async () => {
		const broker = await startBroker();
		after(() => broker.close());
		const ana = Tmux.start(socket, [process.execPath, join(root, 'dist/cli.js'), '--url', broker.url, '--name', 'ana', '--notify', notify], {cwd: root, columns: 100, rows: 24});
		const output = join(dir, `${notify}.out`);
		execFileSync('tmux', ['-L', socket, '-f', '/dev/null', 'pipe-pane', '-o', '-t', `${ana.name}:`, `cat >> ${output}`]);
		await ana.waitFor('you joined general');
		const bo = startJsonProcess(['--url', broker.url, '--name', 'bo']);
		await bo.waitFor(line => line.type === 'joined');
		bo.write('/msg @ana are you there');
		await ana.waitFor('@bo');
		bo.write('/msg @ana second one');
		await new Promise(resolve => setTimeout(resolve, 1000));
		const bytes = readFileSync(output, 'latin1');
		assert.equal(bytes.includes('\x07'), notify === 'bell', `BEL in the output: ${JSON.stringify(bytes.slice(-300))}`);
		ana.press('C-c');
		await ana.waitFor('[exit 0]');
		assert.ok(readFileSync(output, 'latin1').includes('\x1b[?1004l'), 'focus reporting is turned off on the way out');
		bo.end();
		await bo.exited;
	});
}

test('the first direct message of a new conversation rings the bell too (it opens the tab before its subscription is answered)', {skip, timeout: 60_000}, async () => {
	const broker = await startBroker();
	after(() => broker.close());
	const ana = Tmux.start(socket, [process.execPath, join(root, 'dist/cli.js'), '--url', broker.url, '--name', 'ana'], {cwd: root, columns: 100, rows: 24});
	const output = join(dir, 'first.out');
	execFileSync('tmux', ['-L', socket, '-f', '/dev/null', 'pipe-pane', '-o', '-t', `${ana.name}:`, `cat >> ${output}`]);
	await ana.waitFor('you joined general');
	const bo = startJsonProcess(['--url', broker.url, '--name', 'bo']);
	await bo.waitFor(line => line.type === 'joined');
	bo.write('/msg @ana a first word');
	await ana.waitFor('@bo');
	await new Promise(resolve => setTimeout(resolve, 1000));
	const bytes = readFileSync(output, 'latin1');
	assert.ok(bytes.includes('\x07'), `BEL in the output: ${JSON.stringify(bytes.slice(-300))}`);
	ana.press('C-c');
	await ana.waitFor('[exit 0]');
	bo.end();
	await bo.exited;
});
