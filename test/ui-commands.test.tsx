// Every slash command in the chat window: what it asks of the client and the line it leaves in the pane.
import {afterEach, test} from 'node:test';
import assert from 'node:assert/strict';
import {cleanup} from 'ink-testing-library';
import {renderApp, until, type Screen} from './helpers/app-screen.js';
import {SEED_DIALECT} from '../source/client/dialect.js';
import {FakeClient} from './helpers/fake-client.js';

afterEach(() => cleanup());

async function open(client = new FakeClient('ana'), rows = 30): Promise<Screen> {
	const screen = renderApp({client, columns: 110, rows});
	client.joined('general', ['ana', 'bo']);
	await until(screen, 'you joined general');
	return screen;
}

/** Type a line and press Enter. */
async function run(screen: Screen, line: string): Promise<void> {
	screen.stdin.write(line);
	await new Promise(resolve => setTimeout(resolve, 5));
	screen.stdin.write('\r');
	await new Promise(resolve => setTimeout(resolve, 5));
}

test('/join opens the tab (marked … until joined) and asks the client; /join of a joined room just switches', async () => {
	const screen = await open();
	await run(screen, '/join ops');
	await until(screen, f => /1:general +2:ops…/.test(f.split('\n')[0]!));
	assert.deepEqual(screen.client.callsOf('join'), [['ops']]);
	screen.client.joined('ops');
	const frame = await until(screen, 'you joined ops');
	assert.match(frame.split('\n')[0]!, /2:ops$/);
	await run(screen, '/join general');
	await until(screen, f => (f.split('\n').at(-1) ?? '').startsWith('[general]'));
	assert.deepEqual(screen.client.callsOf('join'), [['ops']], 'no second join');
});

test('/leave leaves the room (its tab closes) and says so in the next one', async () => {
	const screen = await open();
	screen.client.joined('ops');
	await run(screen, '/leave general');
	const frame = await until(screen, 'you left general');
	assert.deepEqual(screen.client.callsOf('leave'), [['general']]);
	assert.doesNotMatch(frame.split('\n')[0]!, /general/);
	await run(screen, '/leave nowhere');
	await until(screen, 'you are not in nowhere');
});

test('/history asks the broker for the last N and prints them as a block', async () => {
	const screen = await open();
	await run(screen, '/history 2');
	assert.deepEqual(screen.client.callsOf('fetchHistory'), [['general', Number.MAX_SAFE_INTEGER, 2]]);
	const messages = [1, 2].map(n => ({id: `h${n}`, room: 'general', sender: 'bo', content: `old ${n}`, sequence: n, timestamp: Date.now()}));
	screen.client.answerHistory(messages, 1);
	const frame = await until(screen, 'end of the history of general');
	assert.match(frame, /the last 2 messages of general:/);
	assert.match(frame, /bo │ old 1 +#1/);
});

test('/join while offline says the room is joined once connected', async () => {
	const screen = await open(new FakeClient('ana', {status: {state: 'reconnecting', url: 'ws://x', attempt: 1, retryInMs: 1000, retryAt: Date.now() + 1000, reason: 'reset'}}));
	await run(screen, '/join ops');
	await until(screen, 'you will join ops once connected');
});

test('/history while offline explains instead of waiting forever', async () => {
	const screen = await open(new FakeClient('ana', {status: {state: 'reconnecting', url: 'ws://x', attempt: 1, retryInMs: 1000, retryAt: Date.now() + 1000, reason: 'reset'}}));
	await run(screen, '/history');
	await until(screen, 'wait until you are online');
	assert.deepEqual(screen.client.callsOf('fetchHistory'), []);
});

test('/msg sends a direct message in an @user tab; typing there goes to the same person', async () => {
	const screen = await open();
	await run(screen, '/msg @bo psst');
	await until(screen, '2:@bo');
	await run(screen, 'still there?');
	assert.deepEqual(screen.client.callsOf('publish'), [['@bo', 'psst'], ['@bo', 'still there?']]);
	await run(screen, '/msg ana hi me');
	await until(screen, 'that is you');
});

test('/away and /back change my status, with a line each', async () => {
	const screen = await open();
	await run(screen, '/away lunch');
	let frame = await until(screen, 'you are away: lunch — /back when you return');
	assert.match(frame, /\[ana · away: lunch\]/);
	assert.deepEqual(screen.client.callsOf('setAway'), [['lunch']]);
	await run(screen, '/back');
	frame = await until(screen, 'you are back');
	assert.doesNotMatch(frame, /· away/);
	assert.deepEqual(screen.client.callsOf('setBack'), [[]]);
});

test('/who asks the broker and prints the list when it comes', async () => {
	const screen = await open();
	await run(screen, '/who');
	assert.deepEqual(screen.client.callsOf('who'), [['general']]);
	screen.client.emit({type: 'members', room: 'general', members: [{userId: 'ana', status: 'online'}, {userId: 'bo', status: 'away', reason: 'lunch'}]});
	await until(screen, 'general: 2 here — ana, bo (away: lunch)');
});

test("/who against the seed's server answers from what the window knows", async () => {
	const client = new FakeClient('ana');
	const screen = await open(client);
	client.emit({type: 'welcome', userId: 'ana', admin: false, flavour: 'seed', dialect: SEED_DIALECT});
	await until(screen, "seed's protocol");
	await run(screen, '/who');
	await until(screen, 'general: 2 here — ana, bo');
	assert.deepEqual(client.callsOf('who'), []);
});

test('/clear_history asks the broker; the outcome (cleared, or refused) is a line', async () => {
	const screen = await open();
	await run(screen, '/clear_history');
	assert.deepEqual(screen.client.callsOf('clearHistory'), [['general']]);
	screen.client.emit({type: 'error', code: 'forbidden', message: 'only admins may clear history', room: 'general'});
	await until(screen, '!! │ only admins may clear history');
	screen.client.emit({type: 'cleared', room: 'general', epoch: 'e2', by: 'root'});
	await until(screen, 'root cleared the history of general');
});

test('/filter shows the current filter, sets one on the active room, and /filter off removes it', async () => {
	const screen = await open();
	await run(screen, '/filter');
	await until(screen, 'general has no filter: every message arrives');
	await run(screen, '/filter sender == "bo"');
	await run(screen, '/filter off');
	assert.deepEqual(screen.client.callsOf('setFilter'), [['general', 'sender == "bo"'], ['general']]);
	screen.client.emit({type: 'joined', room: 'general', epoch: 'e1', sequence: 0, members: [], resumed: true, filter: 'sender == "bo"'});
	await until(screen, 'general: only messages matching sender == "bo"');
	await until(screen, '1:general⧩');
});

test('/help lists every command in one line each; /help keys the keys; /help CMD explains one', async () => {
	// Tall enough for the whole list.
	const screen = await open(new FakeClient('ana'), 45);
	await run(screen, '/help join');
	await until(screen, '/join ROOM (also /j): join a room');
	await run(screen, '/help');
	let frame = await until(screen, '/help keys lists them');
	for (const text of ['/join ROOM', '/leave [ROOM]', '/msg @USER TEXT', '/history [N]', '/away [REASON]', '/back', '/who', '/clear_history', '/filter', '/help', '/quit']) {
		assert.ok(frame.includes(text), `help is missing ${text}`);
	}
	await run(screen, '/help keys');
	frame = await until(screen, 'F2 or Ctrl+T');
	for (const text of ['Alt+Enter', 'Tab', 'Up / Down', 'Ctrl+U / Ctrl+K / Ctrl+W', 'Ctrl+N / Ctrl+P, Alt+1..9', 'PageUp / PageDown', 'F2 or Ctrl+T', 'F3']) {
		assert.ok(frame.includes(text), `key help is missing ${text}`);
	}
});

test('/quit closes the client (waiting up to 5 s for what is pending) and exits', async () => {
	const screen = await open();
	await run(screen, '/quit');
	await until(screen, () => screen.exited());
	assert.deepEqual(screen.client.callsOf('close'), [[5000]]);
});

test('an unknown command or wrong arguments get a one-line explanation and nothing is sent', async () => {
	const screen = await open();
	await run(screen, '/jion ops');
	await until(screen, 'unknown command /jion — did you mean /join? Type /help for the list');
	await run(screen, '/history lots');
	await until(screen, 'N must be a whole number from 1 to 1000');
	assert.deepEqual(screen.client.callsOf('publish'), []);
	assert.deepEqual(screen.client.callsOf('join'), []);
});
