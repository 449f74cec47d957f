// The window's side of messages the broker cannot take: one too large is refused in place and
// its text stays in the input; one that fails later leaves the pending rows with a reason.
import {afterEach, test} from 'node:test';
import assert from 'node:assert/strict';
import {cleanup} from 'ink-testing-library';
import {renderApp, until} from './helpers/app-screen.js';

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

test('a message that fails leaves the pending count and is marked not sent with why', async () => {
	const screen = renderApp({columns: 110, rows: 20});
	screen.client.joined('general', ['ana']);
	await until(screen, 'you joined general');
	screen.stdin.write('doomed');
	await new Promise(resolve => setTimeout(resolve, 5));
	screen.stdin.write('\r');
	await until(screen, '1 pending');
	const clientId = screen.client.pending[0]!.clientId;
	screen.client.emit({type: 'failed', room: 'general', clientId, content: 'doomed', code: 'forbidden', message: 'join general first'});
	const frame = await until(screen, '✖ not sent: "doomed": join general first');
	assert.doesNotMatch(frame, /pending/);
});
