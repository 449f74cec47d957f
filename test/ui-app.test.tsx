// The chat window end to end against a fake client: what the user sees and what the client is asked to do.
import {afterEach, test} from 'node:test';
import assert from 'node:assert/strict';
import {cleanup} from 'ink-testing-library';
import {renderApp, until, type Screen} from './helpers/app-screen.js';
import {FakeClient} from './helpers/fake-client.js';

const KEYS = {enter: '\r', backspace: '\x7f', delete: '\x1b[3~', left: '\x1b[D', right: '\x1b[C', up: '\x1b[A', down: '\x1b[B', home: '\x1b[H', end: '\x1b[F', tab: '\t', pageUp: '\x1b[5~', pageDown: '\x1b[6~', f2: '\x1bOQ', ctrlC: '\x03', ctrlN: '\x0e', ctrlP: '\x10', ctrlA: '\x01', ctrlE: '\x05', ctrlU: '\x15', ctrlW: '\x17', ctrlK: '\x0b', alt2: '\x1b2'};

afterEach(() => cleanup());

function open(options: {columns?: number; rows?: number; idleMs?: number; client?: FakeClient} = {}): Screen {
	return renderApp(options);
}

/** Type text, then (optionally) press keys, one stdin chunk each, letting Ink process each. */
async function type(screen: Screen, ...chunks: string[]): Promise<void> {
	for (const chunk of chunks) {
		screen.stdin.write(chunk);
		await new Promise(resolve => setTimeout(resolve, 5));
	}
}

const line = (frame: string, pattern: RegExp) => frame.split('\n').find(l => pattern.test(l));
const inputLine = (frame: string) => frame.split('\n').at(-1) ?? '';

test('the window fills exactly one row less than the terminal and starts the client', async () => {
	const screen = open({rows: 20});
	screen.client.joined('general', ['ana', 'bo']);
	const frame = await until(screen, 'you joined general');
	assert.equal(frame.split('\n').length, 19);
	assert.deepEqual(screen.client.callsOf('start'), [[]]);
	assert.match(frame.split('\n')[0]!, /natter.*1:general/);
	assert.match(inputLine(frame), /^\[general\]/);
});

test('tabs show unread counts and a mark for mentions; Ctrl+N, Ctrl+P and Alt+n switch', async () => {
	const screen = open();
	screen.client.joined('general');
	screen.client.joined('dev');
	screen.client.message('dev', 'bo', 'anyone?', 1);
	screen.client.message('dev', 'bo', 'ana, look', 2);
	screen.client.message('@cy', 'cy', 'psst', 1);
	let frame = await until(screen, '3:@cy');
	assert.match(frame.split('\n')[0]!, /1:general +2:dev 2! +3:@cy 1!/);
	await type(screen, KEYS.ctrlN);
	frame = await until(screen, 'ana, look');
	assert.match(frame.split('\n')[0]!, /2:dev +3:@cy 1!/, 'the tab being read has no count');
	await type(screen, KEYS.ctrlP);
	await until(screen, f => inputLine(f).startsWith('[general]'));
	await type(screen, '\x1b3');
	await until(screen, f => inputLine(f).startsWith('[@cy]') && f.includes('psst'));
});

test('the pane shows system lines, gaps in place, and sequence numbers', async () => {
	const screen = open();
	screen.client.joined('general', ['ana']);
	screen.client.emit({type: 'presence', room: 'general', userId: 'bo', action: 'join', status: 'online', timestamp: Date.now()});
	screen.client.message('general', 'bo', 'first', 1);
	screen.client.emit({type: 'gap', room: 'general', from: 2, to: 38, count: 37});
	screen.client.message('general', 'bo', 'later', 39);
	screen.client.emit({type: 'presence', room: 'general', userId: 'bo', action: 'away', status: 'away', reason: 'lunch', timestamp: Date.now()});
	const frame = await until(screen, 'bo is away: lunch');
	assert.ok(line(frame, /--> │ bo joined general/));
	assert.ok(line(frame, /bo │ first +#1/));
	assert.ok(line(frame, /│ … 37 earlier messages are no longer in history \(#2–#38\)/));
	assert.ok(line(frame, /bo │ later +#39/));
});

test('the member panel lists members sorted online, away, offline and counts them', async () => {
	const screen = open();
	screen.client.emit({type: 'joined', room: 'general', epoch: 'e', sequence: 0, resumed: false, members: [
		{userId: 'zed', status: 'online'}, {userId: 'bo', status: 'away', reason: 'lunch'}, {userId: 'ana', status: 'online'}, {userId: 'amy', status: 'away'},
	]});
	screen.client.emit({type: 'presence', room: 'general', userId: 'cy', action: 'leave', status: 'online', timestamp: Date.now()});
	const frame = await until(screen, '2 online · 2 away');
	const panel = frame.split('\n').map(l => l.split('│').at(-1)!.trim()).filter(Boolean);
	const names = panel.filter(p => /^[●◐○] /.test(p)).map(p => p.slice(2));
	assert.deepEqual(names, ['ana', 'zed', 'amy', 'bo lunch', 'cy']);
});

test('the member panel hides on narrow terminals, and F2 brings it back (and hides it again)', async () => {
	const screen = open({columns: 70});
	screen.client.joined('general', ['ana', 'bo']);
	let frame = await until(screen, 'you joined general');
	assert.doesNotMatch(frame, /1 online|2 online/);
	await type(screen, KEYS.f2);
	frame = await until(screen, '2 online');
	await type(screen, KEYS.f2);
	await until(screen, f => !f.includes('2 online'));
});

test('input editing: typing, cursor moves, backspace, delete, Ctrl+A/E/U/W/K', async () => {
	const screen = open();
	screen.client.joined('general');
	await until(screen, 'you joined general');
	await type(screen, 'helo wrld', KEYS.home, KEYS.right, KEYS.right, KEYS.right, 'l', KEYS.end, KEYS.left, KEYS.left, KEYS.left, 'o');
	await until(screen, f => inputLine(f).includes('hello world'));
	await type(screen, KEYS.backspace, KEYS.ctrlA, KEYS.delete);
	await until(screen, f => inputLine(f).includes('ello wrld'));
	await type(screen, KEYS.ctrlE, KEYS.ctrlW);
	await until(screen, f => /\[general\] ello$/.test(inputLine(f)));
	await type(screen, 'again', KEYS.ctrlA, KEYS.ctrlK);
	await until(screen, f => /\[general\]$/.test(inputLine(f)));
	await type(screen, 'one two', KEYS.left, KEYS.left, KEYS.ctrlU);
	await until(screen, f => /\[general\] wo$/.test(inputLine(f)));
	await type(screen, KEYS.ctrlA, 't', KEYS.enter);
	assert.deepEqual(screen.client.callsOf('publish'), [['general', 'two']]);
});

test('Enter sends to the active room; the message shows greyed as pending until it arrives', async () => {
	const screen = open();
	screen.client.joined('general');
	await until(screen, 'you joined general');
	await type(screen, 'hello there', KEYS.enter);
	let frame = await until(screen, 'hello there');
	assert.match(line(frame, /hello there/)!, /ana │ hello there +⋯/);
	assert.match(frame, /\[1 pending\]/);
	screen.client.emit({type: 'sent', room: 'general', clientId: 'c1', sequence: 1, duplicate: false});
	screen.client.message('general', 'ana', 'hello there', 1);
	frame = await until(screen, f => /ana │ hello there +#1/.test(f));
	assert.doesNotMatch(frame, /pending/);
});

test('Up and Down recall earlier lines', async () => {
	const screen = open();
	screen.client.joined('general');
	await until(screen, 'you joined general');
	await type(screen, 'first', KEYS.enter, 'second', KEYS.enter, 'dra', KEYS.up);
	await until(screen, f => inputLine(f).includes('second'));
	await type(screen, KEYS.up);
	await until(screen, f => inputLine(f).includes('first'));
	await type(screen, KEYS.down, KEYS.down);
	await until(screen, f => /\[general\] dra$/.test(inputLine(f)));
});

test('Tab completes commands, rooms and names, cycling on repeat', async () => {
	const screen = open();
	screen.client.joined('general', ['ana', 'bo', 'bob']);
	screen.client.joined('design');
	await until(screen, '2:design');
	await type(screen, '/jo', KEYS.tab);
	await until(screen, f => inputLine(f).endsWith('/join'));
	await type(screen, 'des', KEYS.tab);
	await until(screen, f => inputLine(f).endsWith('/join design'));
	await type(screen, KEYS.ctrlU, 'b', KEYS.tab);
	await until(screen, f => inputLine(f).endsWith('bo:'));
	await type(screen, KEYS.tab);
	await until(screen, f => inputLine(f).endsWith('bob:'));
	await type(screen, 'hi', KEYS.enter);
	assert.deepEqual(screen.client.callsOf('publish'), [['general', 'bob: hi']]);
});

test('a multi-line paste becomes one message, never several sends', async () => {
	const screen = open();
	screen.client.joined('general');
	await until(screen, 'you joined general');
	await type(screen, 'line one\rline two\r\nline three');
	await until(screen, f => inputLine(f).includes('line one⏎line two⏎line three') && inputLine(f).includes('(3 lines)'));
	assert.deepEqual(screen.client.callsOf('publish'), []);
	await type(screen, KEYS.enter);
	assert.deepEqual(screen.client.callsOf('publish'), [['general', 'line one\nline two\nline three']]);
	// A paste that ends in a line break is sent once, as one message; so is a bracketed paste.
	await type(screen, 'a\rb\r');
	await type(screen, '\x1b[200~', 'c\rd\r', '\x1b[201~', KEYS.enter);
	assert.deepEqual(screen.client.callsOf('publish').slice(1), [['general', 'a\nb'], ['general', 'c\nd\n']]);
});

test('hostile names and messages are neutralised: no title, clear or cursor sequence reaches the terminal', async () => {
	const screen = open();
	screen.client.joined('general', ['ana', 'x\x1b]0;owned\x07']);
	screen.client.message('general', 'ev\x1b[2Jil', 'hi\x1b]0;pwned\x07\x1b[2J\x1b[H\x1b[3J\x1b]52;c;Y2xpcA==\x07\u202eevil\rback\x08', 1);
	const frame = await until(screen, 'pwned');
	for (const bad of [']0;', '\x1b[2J', '\x1b[H', '\x1b[3J', ']52;', '\u202e', '\r', '\x08']) {
		assert.ok(!frame.includes(`\x1b${bad}`) && !(bad.startsWith('\x1b') && frame.includes(bad)) && !(bad.length === 1 && frame.includes(bad)), `${JSON.stringify(bad)} reached the screen`);
	}
	assert.ok(!frame.includes('\x1b]'), 'no OSC at all');
	assert.match(frame, /␛\]0;pwned␇␛\[2J␛\[H/);
	assert.match(frame, /⟨U\+202E⟩evil␍bac/);
	assert.match(frame, /ev␛\[2Jil │/);
});

test('Ctrl+C closes the client, then exits', async () => {
	const screen = open();
	await type(screen, KEYS.ctrlC);
	await until(screen, () => screen.exited());
	assert.equal(screen.client.closed, true);
});

test('while scrolled up, new messages do not move the view and a marker counts them; at the top older history is fetched', async () => {
	const screen = open({rows: 12});
	screen.client.joined('general', ['ana'], 200);
	for (let i = 181; i <= 200; i++) screen.client.message('general', 'bo', `m${i}`, i);
	await until(screen, 'm200');
	await type(screen, KEYS.pageUp);
	let frame = await until(screen, 'scrolled up');
	assert.doesNotMatch(frame, /m200/);
	screen.client.message('general', 'bo', 'm201', 201);
	screen.client.message('general', 'bo', 'm202', 202);
	frame = await until(screen, '2 new messages below');
	assert.doesNotMatch(frame, /m202/);
	await type(screen, KEYS.pageUp, KEYS.pageUp, KEYS.pageUp, KEYS.pageUp);
	await until(screen, 'loading earlier messages');
	assert.deepEqual(screen.client.callsOf('fetchHistory'), [['general', 181, 100]]);
	screen.client.answerHistory([{id: 'o', room: 'general', sender: 'cy', content: 'old one', sequence: 180, timestamp: Date.now()}], 180);
	await until(screen, f => !f.includes('loading earlier'));
	await type(screen, KEYS.pageUp);
	await until(screen, 'old one');
	await type(screen, KEYS.end);
	frame = await until(screen, 'm202');
	assert.doesNotMatch(frame, /new messages below/);
});

test('after a while without input I am marked away, and back on the next key', async () => {
	const screen = open({idleMs: 60});
	await until(screen, () => screen.client.callsOf('setAway').length > 0, 3000);
	assert.deepEqual(screen.client.callsOf('setAway'), [['idle']]);
	await until(screen, '· away: idle');
	await type(screen, 'x');
	await until(screen, () => screen.client.callsOf('setBack').length === 1);
});

test('the status bar tells the connection state, rtt, pending count', async () => {
	const screen = open();
	let frame = await until(screen, '● online');
	assert.match(frame, /\[ana\] \[ws:\/\/test:1\] \[rtt 3 ms\]/);
	screen.client.emit({type: 'status', status: {state: 'reconnecting', url: 'ws://test:1', attempt: 2, retryInMs: 4000, retryAt: Date.now() + 4000, reason: 'connection refused'}});
	frame = await until(screen, /reconnecting in \d+s, attempt 3/.source.length ? (f: string) => /reconnecting in [34]s, attempt 3/.test(f) : '');
	screen.client.emit({type: 'status', status: {state: 'auth_failed', url: 'ws://test:1', reason: 'bad token'}});
	frame = await until(screen, '✖ auth failed: bad token');
	screen.client.emit({type: 'status', status: {state: 'connecting', url: 'ws://test:1', attempt: 4}});
	await until(screen, 'connecting… (attempt 4)');
});
