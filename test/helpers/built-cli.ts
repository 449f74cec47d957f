import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {existsSync, readdirSync, statSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';

/** The repository's root folder. */
export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The built command the process tests run, as a user's `natter` would. */
export const cli = join(root, 'dist', 'cli.js');

/**
 * Build dist/cli.js when it is missing or older than any file under source/ (or cli.tsx), so a
 * test run after an edit drives the code as edited. Call it from a `before` hook.
 */
export function buildCliIfStale(): void {
	if (existsSync(cli) && newestSource() <= statSync(cli).mtimeMs) return;
	const built = spawnSync('npm', ['run', 'build'], {cwd: root, stdio: 'inherit'});
	assert.equal(built.status, 0, 'npm run build failed');
}

function newestSource(): number {
	let newest = 0;
	const walk = (dir: string): void => {
		for (const name of readdirSync(dir)) {
			const path = join(dir, name);
			const stat = statSync(path);
			if (stat.isDirectory()) walk(path);
			else newest = Math.max(newest, stat.mtimeMs);
		}
	};
	walk(join(root, 'source'));
	return Math.max(newest, statSync(join(root, 'cli.tsx')).mtimeMs);
}
