import {spawn, type ChildProcessWithoutNullStreams} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {Recorder} from './recorder.js';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const chapter = resolve(projectRoot, '../shared/seed/pubsub-and-ordering.md');
const MARK = '// src: examples/03-chat/ts/pubsub-client.ts';

/** Why the seed chapter's TypeScript client cannot run here, or undefined when it can. */
export function seedClientUnavailable(): string | undefined {
	if (!existsSync(chapter)) return `the seed chapter is not at ${chapter}`;
	return readFileSync(chapter, 'utf8').includes(MARK) ? undefined : `the seed chapter has no ${MARK} block`;
}

/** The chapter's client in a child process: its stdout lines, and its stdin for commands. */
export type SeedClient = {
	child: ChildProcessWithoutNullStreams;
	lines: string[];
	/** The first line, already printed or to come, that matches. */
	waitFor(match: (line: string) => boolean, ms?: number, what?: string): Promise<string>;
	/** The next line to come that matches (ignores lines already printed). */
	next(match: (line: string) => boolean, ms?: number, what?: string): Promise<string>;
	type(line: string): void;
	stop(): Promise<void>;
};

/**
 * Run the seed chapter's TypeScript client (the `pubsub-client.ts` block of
 * ../shared/seed/pubsub-and-ordering.md) against `url`, unchanged except for the `import` of
 * `ws` the chapter leaves out. It is CommonJS (it calls `require('readline')`), so it runs as a
 * `.cts` file, copied under the project so `ws` resolves to natter's.
 */
export function startSeedClient(url: string): SeedClient {
	const text = readFileSync(chapter, 'utf8');
	const start = text.indexOf(MARK);
	const end = text.indexOf('```', start);
	const dir = mkdtempSync(join(projectRoot, 'test', '.tmp-seed-client-'));
	const file = join(dir, 'pubsub-client.cts');
	writeFileSync(file, `import WebSocket from 'ws';\n${text.slice(start, end)}`);
	const child = spawn(process.execPath, ['--import', 'tsx', file, url], {cwd: projectRoot, stdio: ['pipe', 'pipe', 'pipe']});
	const recorder: Recorder<string> = new Recorder<string>((): string => `seed client said: ${JSON.stringify(lines.slice(-6))}`);
	const lines: string[] = recorder.items;
	let partial = '';
	child.stdout.on('data', (chunk: Buffer) => {
		partial += chunk.toString();
		const parts = partial.split('\n');
		partial = parts.pop()!;
		for (const line of parts) recorder.add(line);
	});
	child.stderr.resume();
	const exited = new Promise<void>(done => child.once('close', () => done()));
	return {
		child,
		lines,
		waitFor: (match, ms = 15_000, what = 'a matching line') => recorder.waitFor(match, ms, what),
		next: (match, ms = 15_000, what = 'a matching line') => recorder.next(match, ms, what),
		type(line) {
			child.stdin.write(`${line}\n`);
		},
		async stop() {
			if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
			await exited;
			rmSync(dir, {recursive: true, force: true});
		},
	};
}
