// My own pending line carries my whole name (found in the issue 17 walkthrough: a window that
// had not connected yet showed `qu… │ hello?` for quitter, the sender column still 3 wide).
import {afterEach, test} from 'node:test';
import assert from 'node:assert/strict';
import {cleanup} from 'ink-testing-library';
import {renderApp, until} from './helpers/app-screen.js';
import {FakeClient} from './helpers/fake-client.js';

afterEach(() => cleanup());

test('a pending message written before anyone spoke shows my whole name in the sender column', async () => {
	const screen = renderApp({client: new FakeClient('quitter')});
	screen.client.joined('general', ['quitter']);
	await until(screen, 'you joined general');
	screen.stdin.write('hello?');
	await until(screen, frame => frame.split('\n').at(-1)!.includes('hello?'));
	screen.stdin.write('\r');
	const frame = await until(screen, frame => frame.split('\n').some(row => row.includes('│ hello?')));
	const row = frame.split('\n').find(candidate => candidate.includes('│ hello?'))!;
	assert.match(row, /quitter │ hello\?/, row);
});
