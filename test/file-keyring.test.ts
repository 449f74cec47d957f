// The CLI's keyring file under several natter processes at once: no process loses another's key.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {mkdtempSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

const SAVE = `
import {fileKeyring} from './source/client/file-keyring.js';
const [dir, name] = process.argv.slice(-2);
const ring = fileKeyring(dir, message => { console.error(message); process.exit(1); });
for (let i = 0; i < 20; i++) ring.set('ws://127.0.0.1:1', name + '-' + i, 'key-' + name + '-' + i);
`;

test('eight processes saving keys into one keyring at the same time keep every key', {timeout: 60_000}, async () => {
	const dir = mkdtempSync(join(tmpdir(), 'natter-keyring-'));
	const names = Array.from({length: 8}, (_, i) => `user${i}`);
	const codes = await Promise.all(
		names.map(
			name =>
				new Promise<number | null>(resolve => {
					const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SAVE, dir, name], {stdio: ['ignore', 'ignore', 'inherit']});
					child.on('exit', code => resolve(code));
				}),
		),
	);
	assert.deepEqual(codes, names.map(() => 0));
	const saved = JSON.parse(readFileSync(join(dir, 'name-keys.json'), 'utf8')) as Record<string, string>;
	for (const name of names) for (let i = 0; i < 20; i++) assert.equal(saved[`ws://127.0.0.1:1 ${name}-${i}`], `key-${name}-${i}`, `${name}-${i} kept`);
});
