// The habit commands in the window: /me shows as `* bo waves`, /query opens a tab and sends
// nothing, /close closes one, /search finds and highlights with Ctrl+R stepping back, /clear
// empties my pane only, /set changes the time format and the member panel, /help filter.
import {afterEach, test} from 'node:test';
import assert from 'node:assert/strict';
import {cleanup} from 'ink-testing-library';
import {FakeClient} from './helpers/fake-client.js';
import {renderApp, until, type Screen} from './helpers/app-screen.js';

afterEach(() => cleanup());

async function type(screen: Screen, ...chunks: string[]): Promise<void> {
	for (const chunk of chunks) {
		screen.stdin.write(chunk);
		await new Promise(resolve => setTimeout(resolve, 5));
	}
}
const run = (screen: Screen, line: string) => type(screen, line, '\r');
const lines = (frame: string) => frame.split('\n');
const inputLine = (frame: string) => lines(frame).at(-1) ?? '';
const target = (screen: Screen) => /^\[([^\]]*)\]/.exec(inputLine(screen.lastFrame() ?? ''))?.[1];

async function open(options: {columns?: number; rows?: number} = {}): Promise<Screen> {
	const screen = renderApp({client: new FakeClient('ana'), columns: options.columns ?? 100, rows: options.rows ?? 20});
	screen.client.joined('general', ['ana', 'bo']);
	await until(screen, 'you joined general');
	return screen;
}

test('/me sends the action with its marker, and an action arriving shows as "* bo waves"', async () => {
	const screen = await open();
	await run(screen, '/me waves');
	assert.deepEqual(screen.client.callsOf('publish'), [['general', 'waves', {action: true}]]);
	screen.client.emit({type: 'message', room: 'general', replayed: false, message: {id: 'm1', room: 'general', sender: 'bo', content: 'waves back', sequence: 1, timestamp: Date.now(), data: {action: true}}});
	const frame = await until(screen, 'bo waves back');
	assert.match(frame, /\* │ bo waves back/, 'a star in the name column, then the sentence');
	assert.doesNotMatch(frame, /action: true/, 'the marker itself is not shown');
	// Other data still shows beside the action.
	screen.client.emit({type: 'message', room: 'general', replayed: false, message: {id: 'm2', room: 'general', sender: 'bo', content: 'ships it', sequence: 2, timestamp: Date.now(), data: {action: true, build: 7}}});
	await until(screen, 'bo ships it {build: 7}');
});

test('/query @bo opens and shows the conversation without sending anything', async () => {
	const screen = await open();
	await run(screen, '/query @bo');
	await until(screen, () => target(screen) === '@bo');
	assert.match(lines(screen.lastFrame()!)[0]!, /2:@bo/);
	assert.deepEqual(screen.client.callsOf('publish'), []);
	await run(screen, 'hello');
	assert.deepEqual(screen.client.callsOf('publish'), [['@bo', 'hello']]);
});

test('/close hides a direct conversation and goes back to the room; in a room it leaves', async () => {
	const screen = await open();
	await run(screen, '/query @bo');
	await until(screen, () => target(screen) === '@bo');
	await run(screen, '/close');
	await until(screen, 'closed @bo');
	assert.equal(target(screen), 'general');
	assert.doesNotMatch(lines(screen.lastFrame()!)[0]!, /@bo/);
	await run(screen, '/close');
	await until(screen, 'you left general');
	assert.deepEqual(screen.client.callsOf('leave'), [['general']]);
});

test('/search shows the latest match highlighted, Ctrl+R steps to earlier ones, Esc ends', async () => {
	const screen = await open({rows: 12});
	screen.client.message('general', 'bo', 'the deploy failed', 1);
	for (let i = 2; i <= 12; i++) screen.client.message('general', 'bo', `filler ${i}`, i);
	screen.client.message('general', 'bo', 'Deploy is green now', 13);
	screen.client.message('general', 'bo', 'latest line', 14);
	await until(screen, 'latest line');
	await run(screen, '/search deploy');
	let frame = await until(screen, 'match 2 of 2');
	assert.match(frame, /Deploy is green now/);
	await type(screen, '\x12');
	frame = await until(screen, 'match 1 of 2');
	assert.match(frame, /the deploy failed/, 'the view scrolled back to the earlier match');
	assert.doesNotMatch(frame, /latest line/);
	await type(screen, '\x12');
	await until(screen, 'match 2 of 2');
	await type(screen, '\x1b');
	frame = await until(screen, f => !f.includes('match 2 of 2'));
	assert.match(frame, /latest line/);
	await run(screen, '/search nothing-like-this');
	await until(screen, 'no match for "nothing-like-this" in what general has loaded');
});

test('/clear empties my pane of this tab and asks nothing of the client; new messages still show', async () => {
	const screen = await open();
	screen.client.message('general', 'bo', 'old chatter', 1);
	await until(screen, 'old chatter');
	const before = screen.client.calls.length;
	await run(screen, '/clear');
	await until(screen, f => !f.includes('old chatter') && !f.includes('you joined general'));
	assert.equal(screen.client.calls.length, before, 'nothing was asked of the broker');
	screen.client.message('general', 'bo', 'fresh line', 2);
	await until(screen, 'fresh line');
});

test('/set timestamp HH:mm:ss shows seconds; /set members narrows the panel or hides it', async () => {
	const screen = await open({columns: 80});
	const at = new Date(2026, 0, 5, 14, 7, 9).getTime();
	screen.client.message('general', 'bo', 'timed', 1, at);
	await until(screen, '14:07  bo');
	await run(screen, '/set timestamp HH:mm:ss');
	await until(screen, '14:07:09  bo');
	const panelColumn = (frame: string) => lines(frame).find(line => line.includes('timed'))!.lastIndexOf('│');
	const wide = panelColumn(screen.lastFrame()!);
	await run(screen, '/set members 12');
	let frame = await until(screen, f => panelColumn(f) > wide);
	assert.equal(panelColumn(frame), 80 - 12, 'the panel takes 12 columns');
	await run(screen, '/set members off');
	frame = await until(screen, f => !f.includes('2 online'));
	await run(screen, '/set members 40x');
	await until(screen, 'members is a width from 12 to 40, on, off or auto, not "40x"');
});

test('/help filter shows the filter syntax with examples', async () => {
	const screen = await open({rows: 30});
	await run(screen, '/help filter');
	const frame = await until(screen, 'data.type == "order" and data.value > 100');
	assert.match(frame, /field ~ "text"/);
	assert.match(frame, /sender in \["alice", "bob"\]/);
});

test('/close of a direct conversation that had messages (so was followed) says "closed @bo" as for any hidden one, not "you left"', async () => {
	const screen = await open();
	screen.client.joined('@bo', ['ana', 'bo']);
	screen.client.message('@bo', 'bo', 'psst', 1);
	await until(screen, '2:@bo 1');
	await type(screen, '\x1b2');
	await until(screen, () => target(screen) === '@bo');
	await run(screen, '/close');
	const frame = await until(screen, () => target(screen) === 'general');
	assert.deepEqual(screen.client.callsOf('leave'), [['@bo']]);
	assert.match(frame, /closed @bo/);
	assert.doesNotMatch(frame, /you left @bo/);
});
