import {spawn, type ChildProcessWithoutNullStreams} from 'node:child_process';
import {dirname, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';

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

/** Start the built CLI (`dist/cli.js`, so run `npm run build` first) in --json mode with these flags. */
export function startJsonProcess(args: string[]): JsonProcess {
	const child = spawn(process.execPath, [resolve(projectRoot, 'dist/cli.js'), '--json', ...args], {
		cwd: projectRoot,
		env: {...process.env, NATTER_NAME: ''},
	});
	const lines: Array<Record<string, unknown>> = [];
	let errors = '';
	let waiters: Array<{match: (line: Record<string, unknown>) => boolean; resolve: (line: Record<string, unknown>) => void}> = [];
	let partial = '';
	child.stdout.on('data', (chunk: Buffer) => {
		partial += chunk.toString();
		let newline: number;
		while ((newline = partial.indexOf('\n')) >= 0) {
			const text = partial.slice(0, newline);
			partial = partial.slice(newline + 1);
			const line = JSON.parse(text) as Record<string, unknown>;
			lines.push(line);
			waiters = waiters.filter(waiter => {
				if (!waiter.match(line)) return true;
				waiter.resolve(line);
				return false;
			});
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
			const seen = lines.find(match);
			if (seen) return Promise.resolve(seen);
			return new Promise((ok, fail) => {
				const timer = setTimeout(() => {
					waiters = waiters.filter(waiter => waiter.resolve !== done);
					fail(new Error(`timed out after ${ms} ms waiting for ${what}; stderr: ${errors.slice(-500)}; last lines: ${JSON.stringify(lines.slice(-4))}`));
				}, ms);
				const done = (line: Record<string, unknown>): void => {
					clearTimeout(timer);
					ok(line);
				};
				waiters.push({match, resolve: done});
			});
		},
		write(line) {
			child.stdin.write(`${line}\n`);
		},
		end() {
			child.stdin.end();
		},
	};
}
