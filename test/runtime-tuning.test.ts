import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';

function sourceFiles(dir: string): string[] {
	return readdirSync(dir, {withFileTypes: true}).flatMap(entry => {
		const path = join(dir, entry.name);
		if (entry.isDirectory()) return sourceFiles(path);
		return /\.tsx?$/.test(entry.name) ? [path] : [];
	});
}

test('only source/cli/runtime-tuning.ts sets V8 flags, so every tuning natter applies is in one place with its reason', () => {
	const setters = [...sourceFiles('source'), 'cli.tsx']
		.filter(path => /setFlagsFromString|from 'node:v8'|from 'v8'/.test(readFileSync(path, 'utf8')));
	assert.deepEqual(setters, [join('source', 'cli', 'runtime-tuning.ts')]);
});
