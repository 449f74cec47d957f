// --log-dir through the real CLI: each room's messages (and DMs) appended to DIR/ROOM.log as plain
// text, one line a message with ISO time, sender and neutralised content; file names made safe.
import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {logFileName, logLine} from '../source/cli/chat-log.js';
import {startJsonProcess} from './helpers/json-process.js';
import {startBroker} from './helpers/start-broker.js';

const dir = mkdtempSync(join(tmpdir(), 'natter-logs-'));
after(() => rmSync(dir, {recursive: true, force: true}));

test('--log-dir appends each room\'s and DM\'s messages, one neutralised line each, and appends again on the next run', async () => {
	const broker = await startBroker();
	after(() => broker.close());
	const logs = join(dir, 'logs');
	const ana = startJsonProcess(['--url', broker.url, '--name', 'ana', '--room', 'general', '--room', 'a/b', '--log-dir', logs]);
	const bo = startJsonProcess(['--url', broker.url, '--name', 'bo', '--room', 'general', '--room', 'a/b']);
	await ana.waitFor(line => line.type === 'joined' && line.room === 'a/b');
	await bo.waitFor(line => line.type === 'joined' && line.room === 'a/b');
	bo.write(JSON.stringify({content: 'two\nlines and \x1b[2J a clear \\ backslash', room: 'general'}));
	bo.write(JSON.stringify({content: 'in a slashed room', room: 'a/b'}));
	bo.write('/msg @ana psst');
	await ana.waitFor(line => line.type === 'message' && line.content === 'psst');
	ana.write('my own words');
	await ana.waitFor(line => line.type === 'message' && line.content === 'my own words');
	ana.end();
	assert.equal(await ana.exited, 0);

	bo.end();
	assert.deepEqual(readdirSync(logs).sort(), ['@bo.log', 'a%2Fb.log', 'general.log']);
	const general = readFileSync(join(logs, 'general.log'), 'utf8').split('\n');
	assert.equal(general.length, 3, 'two messages, one line each, then the final newline');
	assert.match(general[0]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\tbo\ttwo\\nlines and ␛\[2J a clear \\\\ backslash$/);
	assert.equal(general[0]!.includes('\x1b'), false, 'no escape byte reaches the file');
	assert.match(general[1]!, /\tana\tmy own words$/);
	assert.match(readFileSync(join(logs, 'a%2Fb.log'), 'utf8'), /\tbo\tin a slashed room\n$/);
	assert.match(readFileSync(join(logs, '@bo.log'), 'utf8'), /\tbo\tpsst\n$/);

	// A second run appends; what the broker replays (the DM's backlog) is not logged twice.
	const bo2 = startJsonProcess(['--url', broker.url, '--name', 'bo', '--room', 'general']);
	await bo2.waitFor(line => line.type === 'joined' && line.room === 'general');
	const again = startJsonProcess(['--url', broker.url, '--name', 'ana', '--room', 'general', '--log-dir', logs]);
	await again.waitFor(line => line.type === 'joined' && line.room === 'general');
	bo2.write('second session');
	await again.waitFor(line => line.type === 'message' && line.content === 'second session');
	again.end();
	bo2.end();
	assert.equal(await again.exited, 0);
	const lines = readFileSync(join(logs, 'general.log'), 'utf8').trimEnd().split('\n');
	assert.equal(lines.length, 3, lines.join('\n'));
	assert.equal(readFileSync(join(logs, '@bo.log'), 'utf8').trimEnd().split('\n').length, 1, 'the DM is not logged twice');
	assert.match(lines[2]!, /\tbo\tsecond session$/);
});

test('--log-dir writes an action (/me) as WeeChat does: `*` as the sender, then who does what', async () => {
	const broker = await startBroker();
	after(() => broker.close());
	const logs = join(dir, 'actions');
	const ana = startJsonProcess(['--url', broker.url, '--name', 'ana', '--room', 'general', '--log-dir', logs]);
	await ana.waitFor(line => line.type === 'joined' && line.room === 'general');
	ana.write('/me waves');
	await ana.waitFor(line => line.type === 'message' && line.content === 'waves');
	ana.end();
	assert.equal(await ana.exited, 0);
	assert.match(readFileSync(join(logs, 'general.log'), 'utf8'), /^\d{4}-\d\d-\d\dT[\d:.]+Z\t\*\tana waves\n$/);
});

test('log file names keep letters and @, and escape what could leave the directory', () => {
	assert.equal(logFileName('general'), 'general.log');
	assert.equal(logFileName('@bo'), '@bo.log');
	assert.equal(logFileName('..'), '%2E..log');
	assert.equal(logFileName('a/../b'), 'a%2F..%2Fb.log');
	assert.equal(logFileName('café'), 'café.log');
	assert.equal(logLine(0, 'bo', 'a\r\nb\tc\u202e'), '1970-01-01T00:00:00.000Z\tbo\ta\\nb  c⟨U+202E⟩\n');
});
