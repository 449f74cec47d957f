import {spawn, type ChildProcess} from 'node:child_process';
import {fileURLToPath} from 'node:url';

/** How a broker process ended: its exit code, or the signal that ended it. */
export type ProcessExit = {code: number | null; signal: NodeJS.Signals | null};

/** A `natter --serve --headless` child process that is accepting connections. */
export type BrokerProcess = {
	/** The URL it printed: `ws://127.0.0.1:PORT`. */
	url: string;
	child: ChildProcess;
	/** Everything it wrote to stdout and stderr so far (for assertions and failure messages). */
	output(): {stdout: string; stderr: string};
	/** Send `signal` (default SIGKILL: no cleanup at all) and wait until the process is gone. */
	kill(signal?: NodeJS.Signals): Promise<ProcessExit>;
	/** Ask it to close (SIGTERM), wait; SIGKILL if it is still alive after `ms`. Safe to call twice. */
	stop(ms?: number): Promise<ProcessExit>;
};

/** Options for startBrokerProcess. */
export type BrokerProcessOptions = {
	/** Extra flags after `--serve --headless --port 0 --host 127.0.0.1`; `--rate`/`--burst` here replace the helper's lifted limits. */
	args?: string[];
	/** Environment of the child; default this process's. */
	env?: NodeJS.ProcessEnv;
	/** How long to wait for the listening line. Default 15 s (tsx compiles on first start). */
	timeoutMs?: number;
};

/** The broker exited (or hung) instead of listening; carries what it said. */
export class BrokerProcessError extends Error {
	constructor(
		message: string,
		readonly exit: ProcessExit | undefined,
		readonly stderr: string,
	) {
		super(message);
		this.name = 'BrokerProcessError';
	}
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LISTENING = /natter broker listening on (ws:\/\/\S+)/;

/**
 * Start `node --import tsx cli.tsx --serve --headless --port 0 --host 127.0.0.1 [args]` as a real
 * child process and resolve once it prints where it listens. For tests that need a process
 * boundary: kill -9, restarts, several nodes. Always `stop()` it in an `after`/`t.after`.
 */
export function startBrokerProcess(options: BrokerProcessOptions = {}): Promise<BrokerProcess> {
	// Tests drive brokers far faster than a person types; the rate limit has tests of its own.
	// A flag may be given once: the caller's --rate/--burst replace these defaults.
	const given = new Set(options.args ?? []);
	const lifted = [...(given.has('--rate') ? [] : ['--rate', '100000']), ...(given.has('--burst') ? [] : ['--burst', '100000'])];
	const args = ['--import', 'tsx', 'cli.tsx', '--serve', '--headless', '--port', '0', '--host', '127.0.0.1', ...lifted, ...(options.args ?? [])];
	const child = spawn(process.execPath, args, {cwd: ROOT, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe']});
	let stdout = '';
	let stderr = '';
	child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));

	// 'close', not 'exit': it comes after the output pipes are drained, so the last error line is in `stderr`.
	const exited = new Promise<ProcessExit>(resolve => child.once('close', (code, signal) => resolve({code, signal})));
	// A test that fails half-way must not leave brokers behind.
	const reap = (): void => {
		child.kill('SIGKILL');
	};
	process.once('exit', reap);
	void exited.then(() => process.off('exit', reap));

	const gone = (): boolean => child.exitCode !== null || child.signalCode !== null;
	const kill = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<ProcessExit> => {
		if (!gone()) child.kill(signal);
		return exited;
	};
	const stop = async (ms = 5000): Promise<ProcessExit> => {
		if (!gone()) child.kill('SIGTERM');
		const timer = setTimeout(() => child.kill('SIGKILL'), ms);
		try {
			return await exited;
		} finally {
			clearTimeout(timer);
		}
	};

	return new Promise((resolve, reject) => {
		const timeoutMs = options.timeoutMs ?? 15_000;
		const timer = setTimeout(() => {
			void kill();
			reject(new BrokerProcessError(`broker did not listen within ${timeoutMs} ms; stderr: ${stderr.trim()}`, undefined, stderr));
		}, timeoutMs);
		const onData = (): void => {
			const match = LISTENING.exec(stdout);
			if (!match) return;
			clearTimeout(timer);
			child.stdout.off('data', onData);
			resolve({url: match[1]!, child, output: () => ({stdout, stderr}), kill, stop});
		};
		child.stdout.on('data', onData);
		void exited.then(exit => {
			clearTimeout(timer);
			reject(new BrokerProcessError(`broker exited (${exit.signal ?? `code ${exit.code}`}) before listening: ${stderr.trim()}`, exit, stderr));
		});
	});
}
