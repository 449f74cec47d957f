// Tabs: where /leave goes (back to the room looked at before, never silently into a direct
// conversation), numbers that stay with their room for the session, and Alt+N by those numbers.
import {afterEach, test} from 'node:test';
import assert from 'node:assert/strict';
import {cleanup} from 'ink-testing-library';
import {renderApp, until, type Screen} from './helpers/app-screen.js';

afterEach(() => cleanup());

async function type(screen: Screen, ...chunks: string[]): Promise<void> {
	for (const chunk of chunks) {
		screen.stdin.write(chunk);
		await new Promise(resolve => setTimeout(resolve, 5));
	}
}

const tabBar = (frame: string) => frame.split('\n')[0] ?? '';
const inputLine = (frame: string) => frame.split('\n').at(-1) ?? '';
const target = (screen: Screen) => /^\[([^\]]*)\]/.exec(inputLine(screen.lastFrame() ?? ''))?.[1];

async function open(): Promise<Screen> {
	const screen = renderApp({columns: 110, rows: 16});
	screen.client.joined('general', ['ana', 'bo']);
	await until(screen, 'you joined general');
	return screen;
}

test('/leave goes back to the room looked at before, not to the next tab, even when that is a direct conversation', async () => {
	const screen = await open();
	screen.client.joined('ops', ['ana']);
	await until(screen, f => / 2:ops(?!…)/.test(tabBar(f)));
	// bo writes privately: a third tab, after ops.
	screen.client.message('@bo', 'bo', 'psst', 1);
	await until(screen, f => tabBar(f).includes('3:@bo'));
	assert.equal(target(screen), 'general', 'a direct message does not take the window');
	await type(screen, '/join ops', '\r');
	await until(screen, () => target(screen) === 'ops');
	await type(screen, '/leave', '\r');
	const frame = await until(screen, 'you left ops');
	assert.equal(target(screen), 'general');
	assert.doesNotMatch(tabBar(frame), /ops/);
});

test('leaving the last room with only a direct conversation open shows the home view; plain text goes nowhere', async () => {
	const screen = await open();
	screen.client.message('@bo', 'bo', 'psst', 1);
	await until(screen, f => tabBar(f).includes('2:@bo'));
	await type(screen, '/leave', '\r');
	await until(screen, 'You are in no room');
	assert.equal(target(screen), 'natter');
	await type(screen, 'hello?', '\r');
	await until(screen, 'you are in no room');
	assert.deepEqual(screen.client.callsOf('publish'), [], 'nothing was sent, privately or otherwise');
});

test('a room keeps its tab number after leaving and joining again; a new room takes the next number', async () => {
	const screen = await open();
	for (const room of ['ops', 'dev']) {
		await type(screen, `/join ${room}`, '\r');
		screen.client.joined(room);
		await until(screen, `you joined ${room}`);
	}
	await until(screen, f => /1:general +2:ops +3:dev/.test(tabBar(f)));
	await type(screen, '/leave general', '\r');
	await until(screen, f => !tabBar(f).includes('general'));
	await type(screen, '/join news', '\r');
	screen.client.joined('news');
	await until(screen, f => tabBar(f).includes('4:news'));
	await type(screen, '/join general', '\r');
	screen.client.joined('general', ['ana', 'bo']);
	const frame = await until(screen, f => /1:general +2:ops +3:dev +4:news/.test(tabBar(f)));
	assert.match(tabBar(frame), /1:general/, 'general is 1 again, not 5');
});

test('Alt+N picks the tab showing N, whatever tabs closed before it', async () => {
	const screen = await open();
	for (const room of ['ops', 'dev']) {
		await type(screen, `/join ${room}`, '\r');
		screen.client.joined(room);
		await until(screen, `you joined ${room}`);
	}
	await type(screen, '/leave ops', '\r');
	await until(screen, f => /1:general +3:dev/.test(tabBar(f)));
	await type(screen, '\x1b3');
	await until(screen, () => target(screen) === 'dev');
	await type(screen, '\x1b1');
	await until(screen, () => target(screen) === 'general');
	// No tab shows 2 now: Alt+2 changes nothing.
	await type(screen, '\x1b2');
	await new Promise(resolve => setTimeout(resolve, 30));
	assert.equal(target(screen), 'general');
});
