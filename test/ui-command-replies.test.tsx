// What a command or the connection leaves in the pane: one line where the user looks, never the same
// news twice, and nothing misleading (a first connection is no reconnection; a DM to yourself is
// refused whichever command asks for it).
import {afterEach, test} from 'node:test';
import assert from 'node:assert/strict';
import {cleanup} from 'ink-testing-library';
import {renderApp, until, type Screen} from './helpers/app-screen.js';
import {FakeClient} from './helpers/fake-client.js';

afterEach(() => cleanup());

async function run(screen: Screen, line: string): Promise<void> {
	screen.stdin.write(line);
	await new Promise(resolve => setTimeout(resolve, 5));
	screen.stdin.write('\r');
	await new Promise(resolve => setTimeout(resolve, 5));
}

const count = (frame: string, text: string) => frame.split(text).length - 1;
const tabBar = (frame: string) => frame.split('\n')[0] ?? '';
const settle = () => new Promise(resolve => setTimeout(resolve, 30));

async function open(client = new FakeClient('ana')): Promise<Screen> {
	const screen = renderApp({client, columns: 110, rows: 20});
	client.joined('general', ['ana', 'bo']);
	await until(screen, 'you joined general');
	return screen;
}

/** The broker's echo of my own status, one per room I am in (what a natter broker sends). */
function echo(client: FakeClient, action: 'away' | 'back', reason?: string): void {
	for (const room of client.rooms) {
		client.emit({type: 'presence', room, userId: client.name, action, status: action === 'away' ? 'away' : 'online', ...(reason === undefined ? {} : {reason}), timestamp: Date.now()});
	}
}

test('/who ROOM typed in another tab answers in the tab where it was typed', async () => {
	const screen = await open();
	screen.client.joined('ops', ['ana', 'cy']);
	await until(screen, f => / 2:ops(?!…)/.test(tabBar(f)));
	await run(screen, '/who ops');
	assert.deepEqual(screen.client.callsOf('who'), [['ops']]);
	screen.client.emit({type: 'members', room: 'ops', members: [{userId: 'ana', status: 'online'}, {userId: 'cy', status: 'online'}]});
	const frame = await until(screen, 'ops: 2 here — ana, cy');
	assert.match(frame.split('\n').at(-1)!, /^\[general\]/, 'still in general, where the answer is');
	// ops holds no copy of it.
	await run(screen, '/join ops');
	const inOps = await until(screen, f => /^\[ops\]/.test(f.split('\n').at(-1)!));
	assert.doesNotMatch(inOps, /ops: 2 here/);
});

test('/away without a reason, /away with one, and /back each leave one line, however many rooms echo them', async () => {
	const screen = await open();
	screen.client.joined('ops', ['ana']);
	await run(screen, '/away');
	echo(screen.client, 'away');
	let frame = await until(screen, 'you are away — /back when you return');
	await settle();
	frame = screen.lastFrame()!;
	assert.equal(count(frame, 'you are away'), 1, frame);
	await run(screen, '/back');
	echo(screen.client, 'back');
	await until(screen, 'you are back');
	await settle();
	frame = screen.lastFrame()!;
	assert.equal(count(frame, 'you are back'), 1, frame);
	await run(screen, '/away lunch');
	echo(screen.client, 'away', 'lunch');
	await until(screen, 'you are away: lunch');
	await settle();
	assert.equal(count(screen.lastFrame()!, 'you are away: lunch'), 1);
});

test('away set by another window of mine is still told', async () => {
	const screen = await open();
	echo(screen.client, 'away', 'on the phone');
	const frame = await until(screen, 'you are away: on the phone');
	assert.match(frame, /\[ana · away: on the phone\]/);
});

test('a name already taken is told once in the pane (and in the status bar), not three times', async () => {
	const client = new FakeClient('ana', {status: {state: 'connecting', url: 'ws://test:1', attempt: 1}, rooms: ['general']});
	const screen = renderApp({client, columns: 110, rows: 20});
	await until(screen, 'general');
	const reason = 'the name "ana" is in use by another connection';
	client.emit({type: 'status', status: {state: 'online', url: 'ws://test:1', rtt: 1}});
	client.emit({type: 'error', code: 'name_taken', message: reason});
	client.emit({type: 'status', status: {state: 'offline', reason}});
	const frame = await until(screen, `offline: ${reason}`);
	await settle();
	const pane = screen.lastFrame()!.split('\n').slice(1, -2).join('\n');
	assert.equal(count(pane, reason), 1, frame);
});

test('the first connection says connected, a later one reconnected', async () => {
	const client = new FakeClient('ana', {status: {state: 'connecting', url: 'ws://test:1', attempt: 1}, rooms: ['general']});
	const screen = renderApp({client, columns: 110, rows: 20});
	client.emit({type: 'status', status: {state: 'online', url: 'ws://test:1', rtt: 1}});
	let frame = await until(screen, 'connected to ws://test:1');
	assert.doesNotMatch(frame, /reconnected/);
	client.emit({type: 'status', status: {state: 'reconnecting', url: 'ws://test:1', attempt: 1, retryInMs: 10, retryAt: Date.now() + 10, reason: 'reset'}});
	client.emit({type: 'status', status: {state: 'connecting', url: 'ws://test:1', attempt: 2}});
	client.emit({type: 'status', status: {state: 'online', url: 'ws://test:1', rtt: 1}});
	frame = await until(screen, 'reconnected to ws://test:1');
	assert.equal(count(frame, 'connected to ws://test:1'), 2, 'one connected, one reconnected');
});

test('/join @me and /msg @me are refused with the same sentence, and open no tab', async () => {
	const screen = await open();
	await run(screen, '/join @ana');
	await until(screen, 'that is you: a direct message needs someone else');
	await run(screen, '/msg @ana hi');
	const frame = await until(screen, f => count(f, 'that is you: a direct message needs someone else') === 2);
	assert.doesNotMatch(tabBar(frame), /@ana/);
	assert.deepEqual(screen.client.callsOf('join'), []);
	assert.deepEqual(screen.client.callsOf('publish'), []);
});
