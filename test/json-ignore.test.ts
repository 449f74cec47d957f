// /ignore through the real CLI (--json): the list is written into the config file, which keeps
// its comments, and what the ignored name says never reaches stdout; the next run starts with it.
import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {startJsonProcess} from './helpers/json-process.js';
import {startBroker} from './helpers/start-broker.js';

const dir = mkdtempSync(join(tmpdir(), 'natter-ignore-'));
after(() => rmSync(dir, {recursive: true, force: true}));

test('/ignore in --json hides the name\'s messages and is kept in the config file with its comments', async () => {
	const broker = await startBroker();
	after(() => broker.close());
	const config = join(dir, 'config.json');
	writeFileSync(config, `{\n\t// my settings\n\t"urls": ["${broker.url}"],\n\t"rooms": ["general"]\n}\n`);
	const ana = startJsonProcess(['--config', config, '--name', 'ana']);
	const bo = startJsonProcess(['--url', broker.url, '--name', 'bo']);
	await ana.waitFor(line => line.type === 'joined' && line.room === 'general');
	await bo.waitFor(line => line.type === 'joined' && line.room === 'general');
	ana.write('/ignore bo');
	ana.write('/ignore');
	await waitUntil(() => ana.stderr().includes('you ignore bo'));
	bo.write('ignored words');
	bo.write('/msg @ana ignored privately');
	await bo.waitFor(line => line.type === 'message' && line.content === 'ignored words');
	ana.write('after the ignore');
	await ana.waitFor(line => line.type === 'message' && line.content === 'after the ignore');
	assert.equal(ana.lines.some(line => line.type === 'message' && line.sender === 'bo'), false, JSON.stringify(ana.lines));
	const text = readFileSync(config, 'utf8');
	assert.match(text, /\/\/ my settings/, 'the comment stays');
	assert.deepEqual(JSON.parse(text.replace(/\/\/.*\n/, '')).ignore, ['bo']);
	ana.end();
	assert.equal(await ana.exited, 0);

	// The next run reads the list back and still hides bo.
	const again = startJsonProcess(['--config', config, '--name', 'ana']);
	await again.waitFor(line => line.type === 'joined' && line.room === 'general');
	again.write('/unignore bo');
	bo.write('seen again');
	await again.waitFor(line => line.type === 'message' && line.sender === 'bo' && line.content === 'seen again');
	again.end();
	bo.end();
	assert.equal(await again.exited, 0);
	assert.deepEqual(JSON.parse(readFileSync(config, 'utf8').replace(/\/\/.*\n/, '')).ignore, []);
});

async function waitUntil(check: () => boolean, ms = 10_000): Promise<void> {
	const deadline = Date.now() + ms;
	while (!check()) {
		if (Date.now() > deadline) throw new Error('timed out');
		await new Promise(resolve => setTimeout(resolve, 20));
	}
}
