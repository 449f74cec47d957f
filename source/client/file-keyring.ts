import {chmodSync, closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import envPaths from 'env-paths';
import type {NameKeyring} from './name-key-holder.js';

/** The directory natter keeps its configuration in: `$XDG_CONFIG_HOME/natter`, default `~/.config/natter`. */
export function configDirectory(): string {
	return envPaths('natter', {suffix: ''}).config;
}

/**
 * The CLI's keyring: `name-keys.json` in the config directory, one entry per broker URL and
 * name. The keys prove who a name belongs to, so the file is written with mode 0600 (the
 * directory 0700), whole and then renamed, so a crash never leaves half a file, under a lock file
 * so that natter processes saving at the same moment keep each other's keys. A file that
 * cannot be read counts as empty; a failed write is reported through `onError` and the key
 * still serves this session.
 */
export function fileKeyring(directory: string = configDirectory(), onError: (message: string) => void = () => {}): NameKeyring {
	const file = join(directory, 'name-keys.json');
	const read = (): Record<string, string> => {
		try {
			const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
			return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, string>) : {};
		} catch {
			return {};
		}
	};
	const entry = (broker: string, name: string): string => `${broker} ${name}`;
	return {
		get(broker, name) {
			const key = read()[entry(broker, name)];
			return typeof key === 'string' ? key : undefined;
		},
		set(broker, name, key) {
			try {
				mkdirSync(directory, {recursive: true, mode: 0o700});
				// Read, merge and rename under a lock: another natter process saving its key at the same
				// moment (two windows starting at once, a script of --json bots) would otherwise rename
				// its merge over ours, and one of the two keys would be lost.
				withLock(`${file}.lock`, () => {
					const keys = {...read(), [entry(broker, name)]: key};
					const temporary = `${file}.${process.pid}.tmp`;
					writeFileSync(temporary, `${JSON.stringify(keys, null, '\t')}\n`, {mode: 0o600});
					chmodSync(temporary, 0o600);
					renameSync(temporary, file);
				});
			} catch (error) {
				onError(`could not save the key of "${name}" in ${file}: ${(error as Error).message}; the name is yours for this session only`);
			}
		},
	};
}

/** A lock older than this was left by a process that died holding it (a write takes milliseconds). */
const STALE_LOCK_MS = 5000;

/**
 * Run `work` while holding `lock` (a file created exclusively), waiting up to 2 s for another
 * process to release it; a lock left by a dead process is taken over once stale.
 */
function withLock(lock: string, work: () => void): void {
	const deadline = Date.now() + 2000;
	for (;;) {
		try {
			closeSync(openSync(lock, 'wx', 0o600));
			break;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
			try {
				if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) rmSync(lock, {force: true});
			} catch {
				// Released meanwhile: try again.
			}
			if (Date.now() > deadline) throw new Error(`${lock} is held by another natter process`);
			// The keyring is synchronous (it runs once per new name): wait 5 ms without spinning.
			Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
		}
	}
	try {
		work();
	} finally {
		rmSync(lock, {force: true});
	}
}
