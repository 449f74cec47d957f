// One settings table (source/cli/settings.ts) is what the CLI parses, what `natter --help` shows
// and what README's flags table says: these tests fail when any of them drifts from it.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {decodeJwt} from 'jose';
import stringWidth from 'string-width';
import {parseFlags, refuseUnknownFlags, type RawFlags, type ServeSettings} from '../source/cli/parse-flags.js';
import {README_FLAGS_END, README_FLAGS_START, readmeFlagsTable} from '../source/cli/readme-flags.js';
import {flagName, meowFlags, setting, SETTING_KEYS, type IntegerSettingKey} from '../source/cli/settings.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const SECRET = 'k3J9-vQ2xW7pL0mZ8rT5yN1bC4hF6dGs';

/** Run the real CLI (through tsx, as the other CLI tests do) and collect its output. */
function natter(args: string[], env: NodeJS.ProcessEnv = {}): {status: number | null; stdout: string; stderr: string} {
	const clean = {...process.env, ...env};
	for (const name of ['PORT', 'HISTORY_SIZE', 'NATTER_DATA', 'NATTER_NAME', 'NATTER_REDIS', 'REDIS_URL', 'NATTER_SECRET']) if (!(name in env)) delete clean[name];
	const run = spawnSync(process.execPath, ['--import', 'tsx', 'cli.tsx', ...args], {cwd: root, encoding: 'utf8', timeout: 60_000, env: clean});
	return {status: run.status, stdout: run.stdout, stderr: run.stderr};
}

test('natter --help fits 80 columns on every line and lists every flag, the token subcommand\'s under Tokens', () => {
	const run = natter(['--help']);
	assert.equal(run.status, 0, run.stderr);
	const lines = run.stdout.split('\n');
	const wide = lines.filter(line => stringWidth(line) > 80);
	assert.deepEqual(wide, [], `${wide.length} lines are wider than 80 columns`);
	for (const key of SETTING_KEYS) assert.match(run.stdout, new RegExp(`^ {4}${flagName(key)}\\b`, 'm'), `${flagName(key)} is missing from --help`);
	const tokens = run.stdout.slice(run.stdout.indexOf('Tokens (natter token)'), run.stdout.indexOf('\n\n', run.stdout.indexOf('Tokens (natter token)')));
	for (const flag of ['--secret', '--name', '--admin', '--ttl', '--new-secret']) assert.match(tokens, new RegExp(`^ {4}${flag}\\b`, 'm'), `${flag} under Tokens`);
	// The defaults shown are the table's: a changed default changes the help.
	assert.match(run.stdout, /--history-size N +messages kept per room \(default HISTORY_SIZE env,\s+else 100\)/);
	assert.match(run.stdout, /--rate N .*\n.*\(default 20\)/);
});

test('README\'s flags table is the one the settings table makes: every flag, its value and its default', () => {
	const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
	const start = readme.indexOf(README_FLAGS_START);
	const end = readme.indexOf(README_FLAGS_END);
	assert.ok(start >= 0 && end > start, 'README.md keeps the flags markers');
	const table = readme.slice(start + README_FLAGS_START.length, end).trim();
	// Named first, so a missing or extra flag reads as one, rather than as a text difference.
	const named = [...table.matchAll(/^\| `(--[a-z-]+)/gm)].map(match => match[1]);
	assert.deepEqual(named, [...SETTING_KEYS.map(flagName), '--help'], 'README lists exactly the settings, in their order');
	assert.equal(table, readmeFlagsTable(), 'README.md is out of date with source/cli/settings.ts: run npm run docs:flags');
});

/** Where each integer setting lands in ServeSettings, and in which unit. */
const SERVE_FIELD: Record<Exclude<IntegerSettingKey, 'presenceTtl' | 'redisWait' | 'flushTimeout'>, [keyof ServeSettings, number]> = {
	port: ['port', 1],
	historySize: ['historySize', 1],
	historyTtl: ['historyTtl', 1],
	maxPayload: ['maxPayload', 1],
	heartbeat: ['heartbeatMs', 1000],
	grace: ['graceMs', 1000],
	maxBuffered: ['maxBufferedBytes', 1],
	maxHistoryBytes: ['maxHistoryBytes', 1],
	rate: ['rate', 1],
	burst: ['burst', 1],
	identifyTimeout: ['identifyTimeoutMs', 1000],
	maxConnsPerIp: ['maxConnectionsPerIp', 1],
	keepNames: ['keepNamesDays', 1],
	maxKeptNames: ['maxKeptNames', 1],
};

test('parseFlags takes its defaults and ranges from the settings table, and refuses one past either end', () => {
	const base: RawFlags = {serve: true, headless: true, json: false, url: [], room: []};
	const serve = (flags: RawFlags): ServeSettings | string => {
		const result = parseFlags({...base, ...flags}, {});
		if (!result.ok) return result.error;
		assert.equal(result.plan.mode, 'headless');
		return (result.plan as {serve: ServeSettings}).serve;
	};
	const defaults = serve({}) as ServeSettings;
	for (const [key, [field, scale]] of Object.entries(SERVE_FIELD) as Array<[IntegerSettingKey, [keyof ServeSettings, number]]>) {
		const {default: fallback, min, max} = setting(key);
		assert.equal(defaults[field], (fallback as number) * scale, `${flagName(key)}'s default`);
		assert.equal((serve({[key]: String(max)}) as ServeSettings)[field], max! * scale, `${flagName(key)} takes its maximum`);
		assert.equal(serve({[key]: String(min! - 1)}), `${flagName(key)} must be between ${min} and ${max}, not ${min! - 1}`);
		assert.equal(serve({[key]: String(max! + 1)}), `${flagName(key)} must be between ${min} and ${max}, not ${max! + 1}`);
	}
	const presenceTtl = setting('presenceTtl');
	assert.equal(defaults.presenceTtlMs, (presenceTtl.default as number) * 1000);
	assert.equal(serve({presenceTtl: '0'}), `--presence-ttl must be between ${presenceTtl.min} and ${presenceTtl.max}, not 0`);
	const redisWait = setting('redisWait');
	assert.equal(defaults.redisWait, undefined, '--redis-wait is off by default');
	assert.equal((serve({redis: 'redis://127.0.0.1:6379', redisWait: String(redisWait.max)}) as ServeSettings).redisWait, redisWait.max);
	assert.equal(serve({redis: 'redis://127.0.0.1:6379', redisWait: String(redisWait.max! + 1)}), `--redis-wait must be between 0 and ${redisWait.max}, not ${redisWait.max! + 1}`);
	assert.equal(serve({redisWait: '1'}), '--redis-wait is how many Redis replicas must have a publish; it needs --redis');
	const client = parseFlags({json: true, url: ['ws://127.0.0.1:1'], name: 'bo'}, {});
	assert.ok(client.ok && client.plan.mode === 'json');
	assert.deepEqual(client.plan.rooms, [setting('room').default], 'the room default');
});

test('meow gets every flag of the table, and the unknown-flag check knows each one', () => {
	const specs = meowFlags();
	assert.deepEqual(Object.keys(specs), SETTING_KEYS);
	for (const key of SETTING_KEYS) {
		const {kind} = setting(key);
		const args = kind === 'boolean' ? [flagName(key)] : [flagName(key), 'x'];
		assert.equal(refuseUnknownFlags(args, specs), undefined, flagName(key));
		assert.equal(specs[key].type, kind === 'boolean' ? 'boolean' : 'string', `${flagName(key)}: numbers arrive as text, to be explained when bad`);
	}
});

test('natter token still takes --secret, --name, --admin and --ttl, and --new-secret alone', () => {
	const run = natter(['token', '--secret', SECRET, '--name', 'ana', '--admin', '--ttl', '7d']);
	assert.equal(run.status, 0, run.stderr);
	const claims = decodeJwt(run.stdout.trim());
	assert.equal(claims.sub, 'ana');
	assert.equal(claims.admin, true);
	assert.equal(claims.exp! - claims.iat!, 7 * 24 * 3600);
	const fromEnv = decodeJwt(natter(['token', '--name', 'bo'], {NATTER_SECRET: SECRET}).stdout.trim());
	assert.equal(fromEnv.exp! - fromEnv.iat!, 24 * 3600, 'the default --ttl is 24h');
	assert.equal(fromEnv.admin, undefined);
	const mixed = natter(['token', '--new-secret', '--name', 'ana']);
	assert.equal(mixed.status, 2);
	assert.equal(mixed.stderr.split('\n')[0], 'natter: natter token --new-secret prints a fresh secret and takes no other flag');
});
