import {chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs';
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
 * directory 0700), whole and then renamed, so a crash never leaves half a file. A file that
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
				const keys = {...read(), [entry(broker, name)]: key};
				const temporary = `${file}.${process.pid}.tmp`;
				writeFileSync(temporary, `${JSON.stringify(keys, null, '\t')}\n`, {mode: 0o600});
				chmodSync(temporary, 0o600);
				renameSync(temporary, file);
			} catch (error) {
				onError(`could not save the key of "${name}" in ${file}: ${(error as Error).message}; the name is yours for this session only`);
			}
		},
	};
}
