#!/usr/bin/env node
// Runs every test file under test/ with node's own test runner (tsx for TypeScript).
// Node 20's runner takes no globs, so the files are collected here. The Redis-backed
// suites skip themselves, loudly, when no Redis answers (see test/helpers/redis.ts).
import {readdirSync, statSync} from 'node:fs';
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

const result = spawnSync(
	process.execPath,
	['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=120000', ...files],
	{stdio: 'inherit'},
);
process.exit(result.status ?? 1);
