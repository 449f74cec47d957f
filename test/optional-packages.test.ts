// natter installed without its optional packages (`npm install --omit=optional`: no
// better-sqlite3, ioredis or prom-client), built here as such an install looks: the packed
// files (dist/, package.json) beside a node_modules that holds every package but those three.
// It chats and hosts in memory; each feature that needs a missing package says which one to
// install, in one sentence, and exits 2.
import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import {spawn, spawnSync} from 'node:child_process';
import {cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {closeAll, connectAs, subscribe} from './helpers/broker-session.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const OPTIONAL = new Set(['better-sqlite3', 'ioredis', 'prom-client']);
const built = existsSync(join(root, 'dist', 'cli.js')) ? false : 'dist/ is not built: run npm run build (npm test does)';
let install: string;

before(() => {
	if (built) return;
	install = mkdtempSync(join(tmpdir(), 'natter-no-optional-'));
	cpSync(join(root, 'dist'), join(install, 'dist'), {recursive: true});
	cpSync(join(root, 'package.json'), join(install, 'package.json'));
	mkdirSync(join(install, 'node_modules'));
	for (const name of readdirSync(join(root, 'node_modules'))) {
		if (OPTIONAL.has(name) || name.startsWith('.')) continue;
		symlinkSync(join(root, 'node_modules', name), join(install, 'node_modules', name));
	}
});
after(() => {
	if (install) rmSync(install, {recursive: true, force: true});
});

type Run = {code: number | null; stdout: string; stderr: string};

/** `natter ARGS` from the install, to its end (a guard kills it after 15 s). */
function natter(...args: string[]): Run {
	const result = spawnSync(process.execPath, [join(install, 'dist', 'cli.js'), ...args], {cwd: install, encoding: 'utf8', timeout: 15_000});
	return {code: result.status, stdout: result.stdout, stderr: result.stderr};
}

test('without better-sqlite3, --data says which package to install, in one line, and exits 2', {skip: built}, () => {
	const run = natter('--serve', '--headless', '--port', '0', '--host', '127.0.0.1', '--data', join(install, 'rooms.db'));
	assert.equal(run.code, 2, run.stderr);
	assert.equal(run.stderr, 'natter: --data needs better-sqlite3: npm install better-sqlite3@12 (add -g for a global natter)\n');
	assert.equal(run.stdout, '');
	assert.equal(existsSync(join(install, 'rooms.db')), false, 'no database file was made');
});

test('without ioredis, --redis says which package to install, in one line, and exits 2', {skip: built}, () => {
	const run = natter('--serve', '--headless', '--port', '0', '--host', '127.0.0.1', '--redis', 'redis://127.0.0.1:6379');
	assert.equal(run.code, 2, run.stderr);
	assert.equal(run.stderr, 'natter: --redis needs ioredis: npm install ioredis@5 (add -g for a global natter)\n');
});

test('without prom-client, a broker serves chat in memory, says metrics are off, and /metrics answers 501 with the fix', {skip: built}, async () => {
	const child = spawn(process.execPath, [join(install, 'dist', 'cli.js'), '--serve', '--headless', '--port', '0', '--host', '127.0.0.1'], {cwd: install, stdio: ['ignore', 'pipe', 'pipe']});
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', chunk => (stdout += String(chunk)));
	child.stderr.on('data', chunk => (stderr += String(chunk)));
	const exited = new Promise<number | null>(done => child.once('close', done));
	const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
	try {
		const url = await new Promise<string>((resolve, reject) => {
			child.stdout.on('data', () => {
				const match = /natter broker listening on (ws:\/\/\S+)\n/.exec(stdout);
				if (match) resolve(match[1]!);
			});
			void exited.then(code => reject(new Error(`exited ${code}: ${stderr}`)));
		});
		assert.match(stderr, /metrics are off: \/metrics needs prom-client: npm install prom-client@15/);
		const http = url.replace(/^ws/, 'http');
		const metrics = await fetch(`${http}/metrics`);
		assert.equal(metrics.status, 501);
		assert.match(await metrics.text(), /^natter broker: \/metrics needs prom-client: npm install prom-client@15/);
		assert.equal((await fetch(`${http}/healthz`)).status, 200);

		const {client: ana} = await connectAs(url, 'ana');
		const {client: bo} = await connectAs(url, 'bo');
		try {
			await subscribe(ana, 'general');
			await subscribe(bo, 'general');
			ana.send({type: 'publish', room: 'general', content: 'no compiler needed'});
			const got = await bo.waitFor(frame => frame.type === 'message' && frame.content === 'no compiler needed');
			assert.equal(got.sequence, 1);
		} finally {
			closeAll(ana, bo);
		}
		child.kill('SIGTERM');
		assert.equal(await exited, 0, stderr);
	} finally {
		clearTimeout(guard);
		child.kill('SIGKILL');
	}
});

test('without the optional packages, the library entries natter, natter/client and natter/broker still import', {skip: built}, () => {
	const script = "for (const entry of ['natter', 'natter/client', 'natter/broker']) await import(entry); process.stdout.write('ok');";
	const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {cwd: install, encoding: 'utf8', timeout: 15_000});
	assert.equal(result.stdout, 'ok', result.stderr);
	const sqlite = spawnSync(process.execPath, ['--input-type=module', '-e', "await import('natter/engines/sqlite')"], {cwd: install, encoding: 'utf8', timeout: 15_000});
	assert.notEqual(sqlite.status, 0, 'the SQLite entry cannot load without better-sqlite3');
	assert.match(sqlite.stderr, /Cannot find package 'better-sqlite3'/);
});
