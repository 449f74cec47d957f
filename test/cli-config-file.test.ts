// The config file, read by the real CLI: $XDG_CONFIG_HOME/natter/config.json (or NATTER_CONFIG,
// or --config FILE) gives the name, URLs and rooms; flags override it; a malformed file is one
// sentence naming its line and key, exit 2, never a stack trace.
import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {checkConfig} from '../source/cli/config-file.js';
import {startJsonProcess} from './helpers/json-process.js';
import {startBroker} from './helpers/start-broker.js';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const dirs: string[] = [];
after(() => {
	for (const dir of dirs) rmSync(dir, {recursive: true, force: true});
});

/** A fresh XDG_CONFIG_HOME holding natter/config.json with `text` (none when undefined). */
function configHome(text?: string): string {
	const home = mkdtempSync(join(tmpdir(), 'natter-config-'));
	dirs.push(home);
	if (text !== undefined) {
		mkdirSync(join(home, 'natter'));
		writeFileSync(join(home, 'natter', 'config.json'), text);
	}
	return home;
}

/** Run the built CLI with `args` and `env`; resolves with its exit code and output (killed after 30 s). */
function natter(args: string[], env: Record<string, string>): Promise<{code: number | null; stdout: string; stderr: string}> {
	const child = spawn(process.execPath, [join(root, 'dist/cli.js'), ...args], {cwd: root, env: {...process.env, NATTER_NAME: '', ...env}, stdio: ['ignore', 'pipe', 'pipe']});
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', chunk => (stdout += String(chunk)));
	child.stderr.on('data', chunk => (stderr += String(chunk)));
	const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
	return new Promise(done => child.on('close', code => {
		clearTimeout(guard);
		done({code, stdout, stderr});
	}));
}

test('a malformed config file is one sentence naming its file, line and key, with exit 2', async () => {
	const cases: Array<{text: string; says: RegExp}> = [
		{text: '{\n\t"name": "ana",\n\t"urls": ["ws://127.0.0.1:1"],\n\t"rooms": "general"\n}\n', says: /config\.json line 4: "rooms" must be a list of room names\n$/},
		{text: '{\n\t"name": "ana",\n\t"notify": "loud"\n}\n', says: /config\.json line 3: "notify" must be one of "bell", "osc", "both", "off"\n$/},
		{text: '{\n\t"name": "ana"\n\t"rooms": []\n}\n', says: /config\.json line 3: this is not valid JSON \(comma expected\)\n$/},
		{text: '{\n\t"nmae": "ana"\n}\n', says: /config\.json line 2: "nmae" is not a natter setting; the settings are name, urls, /},
		{text: '{"colours": {\n"bo": "green",\n"cy": "plaid"}}', says: /config\.json line 3: "colours" gives "cy" the colour "plaid"; use one of /},
		{text: '{"ignore": ["bo",\n "not ok"]}', says: /config\.json line 2: "ignore" has "not ok", which is not a name: /},
		{text: '[1, 2]', says: /config\.json line 1: the file must hold one JSON object/},
	];
	for (const {text, says} of cases) {
		const home = configHome(text);
		const result = await natter(['--json'], {XDG_CONFIG_HOME: home});
		assert.equal(result.code, 2, result.stderr);
		assert.match(result.stderr, says);
		assert.equal(result.stderr.split('\n').length, 2, `one line: ${result.stderr}`);
		assert.ok(result.stderr.startsWith(`natter: ${join(home, 'natter', 'config.json')} line`), result.stderr);
	}
});

test('a file named by --config or NATTER_CONFIG must exist; the default one may be missing', async () => {
	const home = configHome();
	const missing = join(home, 'nope.json');
	const byFlag = await natter(['--json', '--config', missing], {XDG_CONFIG_HOME: home});
	assert.equal(byFlag.code, 2);
	assert.equal(byFlag.stderr, `natter: cannot read the config file ${missing}: there is no such file\n`);
	const byEnv = await natter(['--json'], {XDG_CONFIG_HOME: home, NATTER_CONFIG: missing});
	assert.equal(byEnv.stderr, byFlag.stderr);
	// Without a file (and without --url) natter says what it needs, as before there was a config file.
	const none = await natter(['--json'], {XDG_CONFIG_HOME: home});
	assert.equal(none.code, 2);
	assert.match(none.stderr, /nothing to connect to/);
});

test('the config file gives the name, broker and rooms, and flags override it', async () => {
	const broker = await startBroker();
	after(() => broker.close());
	const home = configHome(`{
	// comments are allowed: people annotate their settings
	"name": "cfgana",
	"urls": ["${broker.url}"],
	"rooms": ["ops", "dev"],
}
`);
	const fromFile = startJsonProcess([], {XDG_CONFIG_HOME: home});
	const welcome = await fromFile.waitFor(line => line.type === 'welcome');
	assert.equal(welcome.userId, 'cfgana');
	await fromFile.waitFor(line => line.type === 'joined' && line.room === 'ops');
	await fromFile.waitFor(line => line.type === 'joined' && line.room === 'dev');
	fromFile.end();
	assert.equal(await fromFile.exited, 0);

	const other = join(home, 'other.json');
	writeFileSync(other, `{"name": "fromother", "urls": ["${broker.url}"]}`);
	const flagged = startJsonProcess(['--config', other, '--name', 'flagbo', '--room', 'qa']);
	assert.equal((await flagged.waitFor(line => line.type === 'welcome')).userId, 'flagbo', '--name beats the file');
	await flagged.waitFor(line => line.type === 'joined' && line.room === 'qa');
	assert.equal(flagged.lines.some(line => line.type === 'joined' && line.room === 'general'), false);
	flagged.end();
	assert.equal(await flagged.exited, 0);
});

test('an empty file, comments and trailing commas are a valid config', () => {
	assert.deepEqual(checkConfig(''), {});
	assert.deepEqual(checkConfig('// nothing yet\n{}'), {});
	assert.deepEqual(checkConfig('{"notify": "both", "timestamp": "HH:mm:ss", "ignore": ["bo",],}'), {notify: 'both', timestamp: 'HH:mm:ss', ignore: ['bo']});
});
