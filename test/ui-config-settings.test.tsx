// What the config file changes in the window: the time format (`timestamp`) and the colours
// chosen for names (`colours`), set before the window renders, as runTui does.
import {after, afterEach, test} from 'node:test';
import assert from 'node:assert/strict';
import {cleanup} from 'ink-testing-library';
import {renderApp, until} from './helpers/app-screen.js';
import {nameColour, setNameColours} from '../source/ui/layout/name-colour.js';
import {setClockFormat} from '../source/ui/layout/time.js';

afterEach(() => cleanup());
after(() => {
	setClockFormat('HH:mm');
	setNameColours({});
});

test('timestamp "HH:mm:ss" shows seconds in the message pane and keeps the text column aligned', async () => {
	setClockFormat('HH:mm:ss');
	const screen = renderApp({columns: 100, rows: 12});
	screen.client.joined('general', ['ana', 'bo']);
	await until(screen, 'you joined general');
	screen.client.message('general', 'bo', 'with seconds', 1, new Date(2026, 0, 1, 14, 5, 9).getTime());
	const frame = await until(screen, 'with seconds');
	assert.match(frame, /14:05:09 +bo .*with seconds/);
});

test('a colour chosen for a name wins over the one it hashes to; other names keep theirs', () => {
	const hashed = nameColour('bo');
	setNameColours({bo: hashed === 'green' ? 'red' : 'green'});
	assert.equal(nameColour('bo'), hashed === 'green' ? 'red' : 'green');
	setNameColours({});
	assert.equal(nameColour('bo'), hashed);
});
