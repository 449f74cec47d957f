import {spawn, type ChildProcessWithoutNullStreams} from 'node:child_process';
import {dirname, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {Recorder} from './recorder.js';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** A `natter --json` process: its parsed stdout lines, its stderr text, and a way to wait for a line. */
export type JsonProcess = {
	child: ChildProcessWithoutNullStreams;
	lines: Array<Record<string, unknown>>;
	stderr(): string;
	waitFor(match: (line: Record<string, unknown>) => boolean, ms?: number, what?: string): Promise<Record<string, unknown>>;
	/** Resolves with the exit code. */
	exited: Promise<number | null>;
	write(line: string): void;
	end(): void;
};

/** Start the built CLI (`dist/cli.js`, so run `npm run build` first) in --json mode with these flags (and `env` on top of this process's). */
export function startJsonProcess(args: string[], env: Record<string, string> = {}): JsonProcess {
	const child = spawn(process.execPath, [resolve(projectRoot, 'dist/cli.js'), '--json', ...args], {
		cwd: projectRoot,
		env: {...process.env, NATTER_NAME: '', ...env},
	});
	let errors = '';
	const recorder: Recorder<Record<string, unknown>> = new Recorder<Record<string, unknown>>((): string => `stderr: ${errors.slice(-500)}; last lines: ${JSON.stringify(lines.slice(-4))}`);
	const lines: Array<Record<string, unknown>> = recorder.items;
	let partial = '';
	child.stdout.on('data', (chunk: Buffer) => {
		partial += chunk.toString();
		let newline: number;
		while ((newline = partial.indexOf('\n')) >= 0) {
			const text = partial.slice(0, newline);
			partial = partial.slice(newline + 1);
			recorder.add(JSON.parse(text) as Record<string, unknown>);
		}
	});
	child.stderr.on('data', (chunk: Buffer) => {
		errors += chunk.toString();
	});
	const exited = new Promise<number | null>(done => child.once('exit', code => done(code)));
	return {
		child,
		lines,
		stderr: () => errors,
		exited,
		waitFor(match, ms = 10_000, what = 'a matching line') {
			return recorder.waitFor(match, ms, what);
		},
		write(line) {
			child.stdin.write(`${line}\n`);
		},
		end() {
			child.stdin.end();
		},
	};
}
