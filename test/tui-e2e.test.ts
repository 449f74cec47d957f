// The chat window for real: natter processes in tmux terminals, driven by keystrokes and read
// back with capture-pane. Covers the seed chapter's manual tests 1-4 with two and three windows,
// a direct message a third user never sees, a hostile message that changes nothing on screen,
// and a window connected to the seed's own reference server.
import {after, before, describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {FrameClient} from './helpers/frame-client.js';
import {seedServerUnavailable, startSeedServer, type SeedServer} from './helpers/seed-server.js';
import {Tmux, freePort, hasTmux, killServer} from './helpers/tmux.js';
import {buildCliIfStale, cli, root} from './helpers/built-cli.js';

const socket = `natter-e2e-${process.pid}`;
const skip = hasTmux() ? false : 'tmux is not installed (.ci/run installs it)';
if (skip) console.error(`SKIPPING the TUI end-to-end tests: ${skip}`);

/** A natter window: `node dist/cli.js ARGS` in a 120×40 terminal. */
function natter(...args: string[]): Tmux {
	return Tmux.start(socket, [process.execPath, cli, ...args], {cwd: root, columns: 120, rows: 40});
}

/** The rows of the message pane (left of the member panel). */
function pane(screen: string): string[] {
	return screen.split('\n').slice(1, -3).map(row => row.split('│ ').length > 2 ? row.slice(0, row.lastIndexOf('│')) : row);
}

before(() => {
	if (skip) return;
	// `npm test` builds first; a lone run of this file builds only when dist is missing or stale.
	buildCliIfStale();
});

after(() => killServer(socket));

describe('three windows on a natter broker', {skip, timeout: 120_000}, () => {
	let port: number;
	let url: string;
	let ana: Tmux;
	let bo: Tmux;
	let cy: Tmux | undefined;

	before(async () => {
		port = await freePort();
		url = `ws://127.0.0.1:${port}`;
		ana = natter('--serve', '--host', '127.0.0.1', '--port', String(port), '--name', 'ana', '--grace', '1');
		await ana.waitFor('you joined general');
		bo = natter('--url', url, '--name', 'bo');
		await bo.waitFor('you joined general');
		await ana.waitFor('bo joined general');
	});

	after(() => {
		for (const window of [ana, bo, cy]) window?.kill();
	});

	test('test 1: a message reaches the other window; a later joiner reads it with /history', async () => {
		const hosting = await ana.waitFor('hosting');
		// Bound to 127.0.0.1: no other machine can join, and the bar says so instead of an address.
		assert.match(hosting, /hosting · loopback only: other machines cannot join/);
		// Every window starts with where to find the commands.
		await ana.waitFor('type /help for commands, Tab to complete');
		await ana.send('Hello everyone!');
		await bo.waitFor(/ana │ Hello everyone! +#1/);
		await ana.waitFor(/ana │ Hello everyone! +#1/);
		cy = natter('--url', url, '--name', 'cy');
		await cy.waitFor('you joined general — 2 others here');
		await cy.send('/history 5');
		const screen = await cy.waitFor('end of the history of general');
		assert.match(screen, /the last 1 message of general:/);
		assert.match(screen, /ana │ Hello everyone! +#1/);
		// The member panel counts all three.
		await ana.waitFor(/3 online/);
	});

	test('test 2: messages stay in their room; a window in both rooms gets both', async () => {
		await ana.send('/join sports');
		await ana.waitFor('you joined sports');
		await bo.send('/join news');
		await bo.waitFor('you joined news');
		await cy!.send('/join sports');
		await cy!.waitFor('you joined sports');
		await cy!.send('/join news');
		await cy!.waitFor('you joined news');
		await ana.send('goal in sports');
		await bo.send('breaking in news');
		await cy!.waitFor(/bo │ breaking in news/);
		// cy is looking at news: sports counts one unread; switching shows it.
		await cy!.waitFor(/\d:sports 1 /);
		cy!.press('C-p');
		await cy!.waitFor(/ana │ goal in sports/);
		const boScreen = bo.capture();
		assert.doesNotMatch(boScreen, /goal in sports/);
		assert.doesNotMatch(boScreen.split('\n')[0]!, /sports/);
	});

	test('test 3: a rapid burst arrives complete and in order in every window', async () => {
		// /join of a room already joined switches to it.
		await ana.send('/join general');
		await bo.send('/join general');
		await cy!.send('/join general');
		// A script posts 30 lines as fast as it can (--json mode).
		const lines = Array.from({length: 30}, (_, i) => `burst ${i + 1}`).join('\n');
		const bot = spawn(process.execPath, [cli, '--url', url, '--name', 'bot', '--room', 'general', '--json'], {cwd: root, stdio: ['pipe', 'ignore', 'pipe']});
		bot.stdin.end(`${lines}\n`);
		await exited(bot);
		for (const window of [ana, bo, cy!]) {
			const screen = await window.waitFor(/bot │ burst 30 /);
			const seen = pane(screen).map(row => /bot │ burst (\d+) +#(\d+)/.exec(row)).filter(m => m !== null);
			assert.ok(seen.length >= 20, `only ${seen.length} burst lines visible`);
			const numbers = seen.map(m => Number(m[1]));
			const sequences = seen.map(m => Number(m[2]));
			assert.deepEqual(numbers, Array.from({length: numbers.length}, (_, i) => 31 - numbers.length + i), 'contiguous, in order, ending at 30');
			for (let i = 1; i < sequences.length; i++) assert.equal(sequences[i], sequences[i - 1]! + 1);
		}
	});

	test('a direct message reaches only its two parties', async () => {
		await ana.send('/msg @bo the secret is 42');
		await ana.waitFor(/ana │ the secret is 42/);
		const boTabs = (await bo.waitFor(/@ana 1!/)).split('\n')[0]!;
		assert.match(boTabs, /\d:@ana 1!/);
		bo.press(`M-${tabNumber(boTabs, '@ana')}`);
		await bo.waitFor(/ana │ the secret is 42/);
		await bo.send('got it');
		await ana.waitFor(/bo │ got it/);
		const cyScreen = cy!.capture();
		assert.doesNotMatch(cyScreen, /secret|got it|@ana|@bo/);
	});

	test('a hostile message full of escape sequences changes nothing on screen', async () => {
		await ana.send('/join general');
		await ana.waitFor(/\[general\]/);
		await ana.send('before the storm');
		const title = ana.title();
		const mallory = await FrameClient.connect(url);
		mallory.send({type: 'subscribe', room: 'general', userId: 'mallory'});
		await mallory.waitFor(f => f.type === 'subscribed');
		const hostile = 'evil\x1b]0;PWNED\x07\x1b]2;PWNED\x07\x1b[2J\x1b[H\x1b[3J\x1bc\x1b]52;c;aGk=\x07\x1b[31mred\x1b[0m\x1b[?1049l\x1bP+q\x1b\\\r\u202eabc\x08\x08 end';
		mallory.send({type: 'publish', room: 'general', content: hostile});
		const screen = await ana.waitFor('end', 10_000).then(() => ana.waitFor(/mallory │ evil/));
		assert.match(screen, /before the storm/, 'the earlier lines are still there: nothing cleared the screen');
		assert.match(screen, /bot │ burst 30 /);
		assert.match(screen, /␛\]0;PWNED␇/, 'the sequences are shown, not obeyed');
		assert.match(screen, /\[general\]/, 'the input line is where it was');
		assert.equal(ana.title(), title, 'the title did not change');
		assert.doesNotMatch(spawnSync('env', ['-u', 'CI', 'tmux', '-L', socket, 'list-buffers'], {encoding: 'utf8'}).stdout, /\S/, 'the clipboard was not written');
		mallory.close();
	});

	test('test 4: presence: a window closed with Ctrl+C leaves, and the others see it', async () => {
		await bo.send('/join general');
		cy!.press('C-c');
		await cy!.waitFor('[exit 0]');
		await ana.waitFor('cy left general');
		await bo.waitFor('cy left');
		const screen = await ana.waitFor(/2 online/);
		assert.match(screen, /○ cy/);
	});
});

describe('a window on the seed reference server', {skip: skip || seedServerUnavailable(), timeout: 60_000}, () => {
	let server: SeedServer | undefined;
	let ana: Tmux | undefined;
	let bo: Tmux | undefined;

	after(async () => {
		ana?.kill();
		bo?.kill();
		await server?.stop();
	});

	test('two windows chat through the seed server, which knows none of natter\'s extensions', async () => {
		server = await startSeedServer();
		const url = server.url;
		ana = natter('--url', url, '--name', 'ana');
		await ana.waitFor("speaks only the seed's protocol");
		await ana.waitFor('● online');
		bo = natter('--url', url, '--name', 'bo');
		await bo.waitFor('you joined general');
		await ana.waitFor('bo joined general');
		await ana.send('hello over the seed');
		await bo.waitFor(/ana │ hello over the seed +#1/);
		await ana.waitFor(/ana │ hello over the seed +#1/);
		await bo.send('loud and clear');
		await ana.waitFor(/bo │ loud and clear +#2/);
		// The seed server checks no names: a hostile one is neutralised too.
		const mallory = await FrameClient.connect(url);
		mallory.send({type: 'subscribe', room: 'general', userId: 'x\x1b]0;T\x07\x1b[2J'});
		await ana.waitFor('x␛]0;T␇␛[2J joined general');
		mallory.close();
		assert.match(ana.capture(), /hello over the seed/);
		await bo.send('/history');
		await bo.waitFor('the last 2 messages of general:');
	});
});

/** The number Alt+n switches to for the tab named `name`, read from the tab bar. */
function tabNumber(tabBar: string, name: string): number {
	const match = new RegExp(`(\\d):${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`).exec(tabBar);
	assert.ok(match, `no tab ${name} in ${tabBar}`);
	return Number(match[1]);
}

/** Resolve when the child exits (fail when it exits non-zero). */
function exited(child: ChildProcess): Promise<void> {
	return new Promise((done, fail) => {
		let stderr = '';
		child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		child.once('exit', code => (code === 0 ? done() : fail(new Error(`exited with ${code}: ${stderr}`))));
	});
}

/** The newest modification time under source/ and of cli.tsx. */
