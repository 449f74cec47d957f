// The read marker and the hotlist: coming back to a tab, a `── new ──` line sits above the first
// message not seen; Alt+A goes to the next tab with activity, mentions and direct messages first.
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

const inputLine = (frame: string) => frame.split('\n').at(-1) ?? '';
const target = (screen: Screen) => /^\[([^\]]*)\]/.exec(inputLine(screen.lastFrame() ?? ''))?.[1];
const lines = (frame: string) => frame.split('\n');

async function twoRooms(): Promise<Screen> {
	const screen = renderApp({columns: 100, rows: 20});
	screen.client.joined('general', ['ana', 'bo']);
	screen.client.joined('ops', ['ana', 'bo']);
	await until(screen, 'you joined general');
	return screen;
}

test('returning to a tab shows the new line above the first message that arrived while away, and nowhere else', async () => {
	const screen = await twoRooms();
	screen.client.message('general', 'bo', 'seen before', 1);
	await until(screen, 'seen before');
	await type(screen, '\x1b2');
	await until(screen, () => target(screen) === 'ops');
	screen.client.message('general', 'bo', 'first unseen', 2);
	screen.client.message('general', 'cy', 'second unseen', 3);
	await until(screen, f => /1:general 2\b/.test(lines(f)[0]!));
	await type(screen, '\x1b1');
	const frame = await until(screen, 'second unseen');
	const rows = lines(frame);
	const marker = rows.findIndex(row => row.includes('── new ──'));
	assert.ok(marker > 0, `a new line shows:\n${frame}`);
	assert.match(rows[marker + 1]!, /first unseen/, 'right above the first message not seen');
	assert.ok(rows.findIndex(row => row.includes('seen before')) < marker, 'what was seen stays above it');
	assert.equal(rows.filter(row => row.includes('── new ──')).length, 1);
});

test('a tab with nothing new shows no new line, and going back again moves the line to what is new since', async () => {
	const screen = await twoRooms();
	screen.client.message('general', 'bo', 'one', 1);
	await until(screen, 'one');
	await type(screen, '\x1b2', '\x1b1');
	let frame = await until(screen, () => target(screen) === 'general');
	assert.doesNotMatch(frame, /── new ──/, 'looked at while it arrived: nothing is new');
	await type(screen, '\x1b2');
	await until(screen, () => target(screen) === 'ops');
	screen.client.message('general', 'bo', 'two', 2);
	await until(screen, f => /1:general 1\b/.test(lines(f)[0]!));
	await type(screen, '\x1b1');
	frame = await until(screen, 'two');
	await type(screen, '\x1b2');
	await until(screen, () => target(screen) === 'ops');
	screen.client.message('general', 'bo', 'three', 3);
	await until(screen, f => /1:general 1\b/.test(lines(f)[0]!));
	await type(screen, '\x1b1');
	frame = await until(screen, 'three');
	const rows = lines(frame);
	const marker = rows.findIndex(row => row.includes('── new ──'));
	assert.match(rows[marker + 1]!, /three/, `the line moved down to the newest unseen message:\n${frame}`);
	assert.equal(rows.filter(row => row.includes('── new ──')).length, 1);
});

test('my own messages sent from another window do not count as unseen', async () => {
	const screen = await twoRooms();
	await type(screen, '\x1b2');
	await until(screen, () => target(screen) === 'ops');
	screen.client.message('general', 'bo', 'from bo', 1);
	screen.client.message('general', 'ana', 'from my phone', 2);
	await until(screen, f => /1:general 1\b/.test(lines(f)[0]!) && f.includes('from my phone') === false);
	await new Promise(resolve => setTimeout(resolve, 20));
	await type(screen, '\x1b1');
	const rows = lines(await until(screen, 'from my phone'));
	const marker = rows.findIndex(row => row.includes('── new ──'));
	assert.match(rows[marker + 1]!, /from bo/);
});

test('Alt+A goes to a mention or a direct message before a tab that only has unread messages, then to the rest', async () => {
	const screen = await twoRooms();
	screen.client.joined('dev', ['ana', 'bo']);
	await until(screen, '3:dev');
	// general is active; ops gets plain chatter, dev a mention, then bo writes privately.
	screen.client.message('ops', 'bo', 'chatter', 1);
	screen.client.message('dev', 'bo', 'ana: look at this', 1);
	await until(screen, f => /3:dev 1!/.test(lines(f)[0]!));
	await type(screen, '\x1ba');
	await until(screen, () => target(screen) === 'dev');
	screen.client.message('@bo', 'bo', 'psst', 1);
	await until(screen, '@bo');
	await type(screen, '\x1ba');
	await until(screen, () => target(screen) === '@bo');
	await type(screen, '\x1ba');
	await until(screen, () => target(screen) === 'ops');
	// Nothing left with activity: Alt+A stays.
	await type(screen, '\x1ba');
	await new Promise(resolve => setTimeout(resolve, 30));
	assert.equal(target(screen), 'ops');
});

test('the room /leave goes back to is read: its unread count does not come back when the user moves on', async () => {
	const screen = await twoRooms();
	screen.client.joined('dev', ['ana', 'bo']);
	await type(screen, '\x1b2');
	await until(screen, () => target(screen) === 'ops');
	screen.client.message('general', 'bo', 'while in ops', 1);
	await until(screen, f => /1:general 1\b/.test(lines(f)[0]!));
	await type(screen, '/leave\r');
	let frame = await until(screen, () => target(screen) === 'general');
	assert.match(frame, /── new ──/, 'back in general: the new line marks what arrived meanwhile');
	await type(screen, '\x1b3');
	frame = await until(screen, () => target(screen) === 'dev');
	assert.doesNotMatch(lines(frame)[0]!, /general \d/, `general was read when /leave showed it:\n${lines(frame)[0]}`);
});
