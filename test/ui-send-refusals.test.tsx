// The window's side of messages the broker cannot take: one too large is refused in place and
// its text stays in the input; one that fails later leaves the pending rows with a reason.
import {afterEach, test} from 'node:test';
import assert from 'node:assert/strict';
import {cleanup} from 'ink-testing-library';
import {renderApp, until} from './helpers/app-screen.js';
import {initialChatState, reduce} from '../source/ui/state/reduce.js';
import {entryRows} from '../source/ui/layout/rows.js';

afterEach(() => cleanup());

test('a message the broker cannot take is refused with the reason, nothing is published, and the text stays in the input', async () => {
	const screen = renderApp({columns: 110, rows: 20});
	screen.client.joined('general', ['ana']);
	await until(screen, 'you joined general');
	screen.client.refuse = 'message is 5,012 bytes; this broker takes at most 4,096';
	screen.stdin.write('too big to send');
	await until(screen, 'too big to send');
	screen.stdin.write('\r');
	const frame = await until(screen, 'message is 5,012 bytes; this broker takes at most 4,096');
	assert.deepEqual(screen.client.callsOf('publish'), []);
	assert.match(frame.trimEnd().split('\n').at(-1)!, /too big to send/);
});

test('a message that fails leaves the pending count, its row turns red where it stood, and the room says why', async () => {
	const screen = renderApp({columns: 110, rows: 20});
	screen.client.joined('general', ['ana']);
	await until(screen, 'you joined general');
	screen.stdin.write('doomed');
	await new Promise(resolve => setTimeout(resolve, 5));
	screen.stdin.write('\r');
	await until(screen, '1 pending');
	const clientId = screen.client.pending[0]!.clientId;
	screen.client.emit({type: 'failed', room: 'general', clientId, content: 'doomed', code: 'forbidden', message: 'join general first'});
	const frame = await until(screen, '✖ not sent: join general first');
	assert.doesNotMatch(frame, /pending/);
	// The row that was greyed while pending is red now, marked ✖ in the gutter, above the reason.
	const lines = frame.split('\n');
	const row = lines.findIndex(line => /ana │ doomed .*✖/.test(line));
	assert.ok(row >= 0 && lines[row + 1]!.includes('✖ not sent: join general first'), frame);

});

test('a failed message is laid out in red, sender and text, with ✖ where the sequence would be', () => {
	let state = initialChatState({me: 'ana', connection: {state: 'online', url: 'ws://test:1', rtt: 1}});
	state = reduce(state, {type: 'joined', room: 'general', epoch: 'e1', sequence: 0, members: [], resumed: false}, 1000);
	state = reduce(state, {type: 'pending', message: {room: 'general', clientId: 'c1', content: 'doomed', queuedAt: 1500}}, 1500);
	state = reduce(state, {type: 'failed', room: 'general', clientId: 'c1', content: 'doomed', code: 'forbidden', message: 'join general first'}, 2000);
	const room = state.rooms[0]!;
	assert.deepEqual(room.pending, []);
	const failed = room.entries.find(entry => entry.kind === 'failed');
	assert.ok(failed, 'the pending row stays in the timeline as a failed one');
	assert.equal(failed.timestamp, 1500, 'at the time it was typed');
	const [row] = entryRows(failed, {width: 60, nickWidth: 8, seqWidth: 4}, false);
	const [, sender, , text, gutter] = row!.segments;
	assert.deepEqual([sender!.text.trim(), sender!.color], ['ana', 'redBright']);
	assert.deepEqual([text!.text.trim(), text!.color], ['doomed', 'redBright']);
	assert.equal(gutter!.text.trim(), '✖');
});
