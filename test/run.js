#!/usr/bin/env node
// Runs every test file under test/ with node's own test runner (tsx for TypeScript).
// Node 20's runner takes no globs, so the files are collected here. The Redis-backed
// suites skip themselves, loudly, when no Redis answers (see test/helpers/redis.ts).
import {mkdtempSync, readdirSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {spawnSync} from 'node:child_process';

const filter = process.argv.slice(2);

function collect(dir) {
	const out = [];
	for (const name of readdirSync(dir).sort()) {
		const path = join(dir, name);
		if (statSync(path).isDirectory()) out.push(...collect(path));
		else if (/\.test\.tsx?$/.test(name)) out.push(path);
	}
	return out;
}

let files = collect('test');
if (filter.length > 0) files = files.filter(f => filter.some(s => f.includes(s)));
if (files.length === 0) {
	console.error('no test files matched');
	process.exit(1);
}

// The CLI honours REDIS_URL / NATTER_REDIS, so a broker a test spawns would silently join a shared
// cluster: hand the Redis suites their URL under a name of their own and hide it from everything else.
const env = {...process.env};
env.NATTER_TEST_REDIS ??= env.REDIS_URL || env.NATTER_REDIS || 'redis://127.0.0.1:6379';
// The CLI keeps the keys of its names under the config directory: tests keep theirs in a throwaway one.
env.XDG_CONFIG_HOME = mkdtempSync(join(tmpdir(), 'natter-test-config-'));
for (const name of ['REDIS_URL', 'NATTER_REDIS', 'NATTER_DATA', 'NATTER_SECRET', 'NATTER_TOKEN', 'NATTER_PRESENCE_TTL']) delete env[name];
// Ink renders through natter's CellOutput in the tests as in the shipped bundle (see that helper).
const result = spawnSync(
	process.execPath,
	['--import', 'tsx', '--import', './test/helpers/render-like-bundle.mjs', '--test', '--test-concurrency=2', '--test-timeout=120000', ...files],
	{stdio: 'inherit', env},
);
process.exit(result.status ?? 1);
