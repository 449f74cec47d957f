// runTui outside a terminal: it says what to use instead, and touches nothing.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {runTui} from '../source/cli/run-tui.js';
import {FakeClient} from './helpers/fake-client.js';

test('without a terminal on stdin the chat window points to --json and returns 2', async t => {
	const tty = process.stdin.isTTY;
	Object.defineProperty(process.stdin, 'isTTY', {value: undefined, configurable: true});
	const written: string[] = [];
	t.mock.method(process.stderr, 'write', (chunk: string) => {
		written.push(chunk);
		return true;
	});
	try {
		const client = new FakeClient();
		assert.equal(await runTui({client, serverUrl: 'ws://x:1'}), 2);
		assert.deepEqual(written, ['natter: the chat window needs a terminal; for scripts use --json\n']);
		assert.deepEqual(client.calls, [], 'the client was not started');
	} finally {
		Object.defineProperty(process.stdin, 'isTTY', {value: tty, configurable: true});
	}
});
