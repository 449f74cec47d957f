// A refused login says so once, plainly, and what to do about it (found in the issue 17/18
// walkthrough: the pane read "the broker refused the login: the broker refused the credentials").
import {afterEach, test} from 'node:test';
import assert from 'node:assert/strict';
import {cleanup} from 'ink-testing-library';
import {renderApp, until} from './helpers/app-screen.js';

afterEach(() => cleanup());

test('a refused login names the broker and the way in (--token), without saying "refused" twice', async () => {
	const screen = renderApp({columns: 120, rows: 20});
	screen.client.emit({type: 'status', status: {state: 'auth_failed', url: 'ws://chat:8080', reason: 'the broker refused the credentials (HTTP 401)'}});
	const frame = await until(screen, 'cannot log in to ws://chat:8080');
	// The pane wraps the sentence: read it with the wrapping (and the member panel's rule) undone.
	const text = frame.replace(/\s*│\s*/g, ' ').replace(/\s+/g, ' ');
	assert.match(text, /cannot log in to ws:\/\/chat:8080: the broker refused the credentials \(HTTP 401\); a broker run with --secret needs --token \(or NATTER_TOKEN\)/);
	assert.doesNotMatch(frame, /refused the login/);
});
