// The sequence column on the right of the pane is as wide as the widest sequence it shows, whichever
// way the message arrived: live, loaded with PageUp, or kept from before the room started over.
import {afterEach, test} from 'node:test';
import assert from 'node:assert/strict';
import {cleanup} from 'ink-testing-library';
import type {ChatMessage} from '../source/protocol/messages.js';
import {renderApp, until} from './helpers/app-screen.js';

afterEach(() => cleanup());

const PAGE_UP = '\x1b[5~';
const at = (n: number): ChatMessage => ({id: `h${n}`, room: 'general', sender: 'bo', content: `old ${n}`, sequence: n, timestamp: Date.now()});

test('messages loaded with PageUp in a room with no live message show their whole sequence', async () => {
	const screen = renderApp({columns: 100, rows: 12});
	// 12345 messages were said before I joined; none since.
	screen.client.joined('general', ['ana'], 12345);
	await until(screen, 'PageUp to load them');
	screen.stdin.write(PAGE_UP);
	await until(screen, () => screen.client.callsOf('fetchHistory').length === 1);
	screen.client.emit({type: 'history', room: 'general', messages: [12343, 12344, 12345].map(at), first: 1, query: screen.client.historyQueries[0]!});
	const frame = await until(screen, 'old 12345');
	assert.doesNotMatch(frame, /#\d*…/, 'no sequence is cut');
	assert.match(frame, /bo │ old 12343 +#12343/);
	assert.match(frame, /bo │ old 12345 +#12345/);
});

test('after a room started over, the messages from before keep their whole sequence next to the new ones', async () => {
	const screen = renderApp({columns: 100, rows: 12});
	screen.client.joined('general', ['ana']);
	for (const n of [4998, 4999, 5000]) screen.client.message('general', 'bo', `before ${n}`, n);
	await until(screen, 'before 5000');
	// The broker lost the room (a restart without --data): a new epoch, counting from 1 again.
	screen.client.emit({type: 'joined', room: 'general', epoch: 'e2', sequence: 0, members: [{userId: 'ana', status: 'online'}], resumed: false});
	await until(screen, 'started over');
	screen.client.message('general', 'bo', 'after 1', 1);
	const frame = await until(screen, 'after 1');
	assert.doesNotMatch(frame, /#\d*…/, 'no sequence is cut');
	assert.match(frame, /bo │ before 5000 +#5000/);
	assert.match(frame, /bo │ after 1 +#1/);
	// Both gutters end in the same column.
	const rows = frame.split('\n');
	const end = (pattern: RegExp) => rows.find(r => pattern.test(r))!.search(/#\d+/) + rows.find(r => pattern.test(r))!.match(/#\d+/)![0].length;
	assert.equal(end(/before 5000/), end(/after 1/));
});
