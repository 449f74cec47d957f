// Room topics in the chat window: the line under the tab bar, /topic to read and set it, the
// change said in the room like an action, /help and Tab completion, down to a 20x6 terminal.
import {afterEach, test} from 'node:test';
import assert from 'node:assert/strict';
import {cleanup} from 'ink-testing-library';
import {renderApp, until, type Screen} from './helpers/app-screen.js';
import {SEED_DIALECT} from '../source/client/dialect.js';
import {FakeClient} from './helpers/fake-client.js';
import {complete} from '../source/ui/input/complete.js';
import {helpLines} from '../source/ui/help.js';
import {MAX_TOPIC_LENGTH} from '../source/protocol/topic.js';

afterEach(() => cleanup());

const lines = (frame: string): string[] => frame.split('\n');

async function open(options: {columns?: number; rows?: number; client?: FakeClient} = {}): Promise<Screen> {
	const client = options.client ?? new FakeClient('ana');
	const screen = renderApp({client, columns: options.columns ?? 110, rows: options.rows ?? 16});
	client.joined('general', ['ana', 'bo']);
	// The tab loses its … once joined (a 20-column pane cuts the line that says so).
	await until(screen, f => /1:general(?!…)/.test(lines(f)[0]!));
	return screen;
}

/** Type a line and press Enter. */
async function run(screen: Screen, line: string): Promise<void> {
	screen.stdin.write(line);
	await new Promise(resolve => setTimeout(resolve, 5));
	screen.stdin.write('\r');
	await new Promise(resolve => setTimeout(resolve, 5));
}


test("the active room's topic shows on the line under the tab bar, cut to the width, and goes when it is cleared", async () => {
	const screen = await open({columns: 60});
	assert.doesNotMatch(lines(screen.lastFrame()!)[1]!, /deploy/);
	screen.client.emit({type: 'topic', room: 'general', topic: `deploy at 5, ${'then celebrate '.repeat(8)}`});
	const frame = await until(screen, f => lines(f)[1]!.includes('deploy at 5'));
	const line = lines(frame)[1]!;
	assert.ok(line.trimEnd().endsWith('…'), `cut with …: ${line}`);
	assert.ok(line.length <= 60, 'never wider than the window');
	assert.equal(lines(frame).length, 15, 'the window keeps its height: the pane gave the topic a row');
	screen.client.emit({type: 'topic', room: 'general', topic: undefined});
	await until(screen, f => !f.includes('deploy at 5'));
});

test("the topic line follows the active tab: another room's topic is not shown", async () => {
	const screen = await open();
	screen.client.emit({type: 'topic', room: 'general', topic: 'general things'});
	await until(screen, f => lines(f)[1]!.includes('general things'));
	screen.client.joined('ops');
	await run(screen, '/join ops');
	const frame = await until(screen, f => /2:ops/.test(lines(f)[0]!) && !f.includes('general things'));
	assert.doesNotMatch(frame, /general things/);
});

test('a topic is neutralised before it reaches the terminal: escapes, bidi and line breaks show as stand-ins', async () => {
	const screen = await open();
	screen.client.emit({type: 'topic', room: 'general', topic: 'evil\u001b[2J\u001b]0;pwned\u0007 \u202eright\nnext'});
	const frame = await until(screen, f => lines(f)[1]!.includes('evil'));
	const line = lines(frame)[1]!;
	assert.ok(!frame.includes('\u001b'), 'no escape reaches the terminal');
	assert.match(line, /evil␛\[2J␛\]0;pwned␇ ⟨U\+202E⟩right⏎ next/);
});

test('/topic alone shows the topic, or says there is none; /topic TEXT and /topic -delete ask the client', async () => {
	const screen = await open();
	await run(screen, '/topic');
	await until(screen, 'general has no topic; /topic TEXT sets one');
	await run(screen, '/topic -delete');
	await until(screen, 'general has no topic to delete');
	await run(screen, '/topic   ship   it  ');
	assert.deepEqual(screen.client.callsOf('setTopic'), [['general', 'ship   it']]);
	screen.client.emit({type: 'topic', room: 'general', topic: 'ship it'});
	await run(screen, '/topic');
	await until(screen, 'topic of general: ship it');
	await run(screen, '/topic -delete');
	assert.deepEqual(screen.client.callsOf('setTopic').at(-1), ['general', '']);
	await run(screen, `/topic ${'x'.repeat(MAX_TOPIC_LENGTH + 1)}`);
	await until(screen, `a topic is at most ${MAX_TOPIC_LENGTH} characters; this one has ${MAX_TOPIC_LENGTH + 1}`);
	assert.equal(screen.client.callsOf('setTopic').length, 2, 'a topic too long is not sent');
});

test('a topic change reads in the room like an action of its sender', async () => {
	const screen = await open();
	screen.client.emit({type: 'message', room: 'general', replayed: false, message: {id: 'm1', room: 'general', sender: 'bo', content: 'bo set the topic: release week', sequence: 1, timestamp: Date.now(), data: {topic: 'release week'}}});
	await until(screen, '* │ bo set the topic: release week');
	screen.client.emit({type: 'message', room: 'general', replayed: false, message: {id: 'm2', room: 'general', sender: 'bo', content: 'bo cleared the topic', sequence: 2, timestamp: Date.now(), data: {topic: ''}}});
	const frame = await until(screen, '* │ bo cleared the topic');
	assert.doesNotMatch(frame, /\{topic/, 'the data is not repeated after the text');
});

test('/topic in a direct conversation, against the seed server, or offline is refused with why', async () => {
	const screen = await open();
	await run(screen, '/query @bo');
	await until(screen, f => /@bo/.test(lines(f)[0]!));
	await run(screen, '/topic hello');
	await until(screen, 'a direct conversation has no topic: only rooms do');
	await run(screen, '/join general');
	screen.client.emit({type: 'status', status: {state: 'reconnecting', url: 'ws://test:1', attempt: 1, retryInMs: 1000, retryAt: Date.now() + 1000, reason: 'gone'}});
	await run(screen, '/topic hello');
	await until(screen, 'the topic lives on the broker: wait until you are online');
	screen.client.emit({type: 'status', status: {state: 'online', url: 'ws://test:1', rtt: 1}});
	screen.client.emit({type: 'welcome', userId: 'ana', admin: false, flavour: 'seed', dialect: SEED_DIALECT});
	await run(screen, '/topic hello');
	await until(screen, "this broker (the seed's server) has no room topics");
	assert.deepEqual(screen.client.callsOf('setTopic'), []);
});

test('/topic is in /help and Tab completes it', () => {
	assert.ok(helpLines().some(line => line.includes('/topic [TEXT|-delete]')));
	assert.ok(helpLines('topic').some(line => line.includes('/topic')));
	assert.deepEqual(complete('/to', {rooms: [], users: []}), {start: 0, candidates: ['/topic ']});
});

test('a 20x6 terminal keeps its pane, status and input: the topic line gives way', async () => {
	const screen = await open({columns: 20, rows: 6});
	screen.client.emit({type: 'topic', room: 'general', topic: 'a long topic here'});
	await new Promise(resolve => setTimeout(resolve, 30));
	const frame = screen.lastFrame()!;
	assert.equal(lines(frame).length, 5);
	assert.doesNotMatch(frame, /long topic/, 'no row to spare for it');
	assert.match(lines(frame).at(-1)!, /^\[general\]/, 'the input line is still there');
	// One row more, and it fits above a pane of two rows.
	const taller = await open({columns: 20, rows: 7});
	taller.client.emit({type: 'topic', room: 'general', topic: 'a long topic here'});
	const shown = await until(taller, f => lines(f)[1]!.includes('a long topic'));
	assert.equal(lines(shown).length, 6);
	assert.match(lines(shown).at(-1)!, /^\[general\]/);
});
