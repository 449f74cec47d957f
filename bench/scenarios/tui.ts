/**
 * The TUI, driven in tmux (always with CI unset: Ink skips live frames when CI is set), against
 * natter's broker only (the seed has no TUI; its runs report nothing, with a note).
 *
 * - `tui-startup`: from creating the tmux session that runs `node dist/cli.js --url … --room
 *   bench` to the first non-empty screen, and to the status bar's `● online`; then the idle
 *   TUI's RSS after 2 s. `--json` mode's start to `online` and idle RSS are shown beside it.
 * - `tui-flood`: a raw seed-protocol publisher floods room `bench` (10,000 messages; quick
 *   2,000) in batches, waiting for its own echo; first with the TUI watching, then again with a
 *   `--json` client reading. For each: time from the last publish's echo until `flood N` is on
 *   screen / on stdout, and the client process's CPU time over the flood.
 */
import {execFile, execFileSync, spawn, type ChildProcess} from 'node:child_process';
import {rmSync} from 'node:fs';
import {dirname, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import WebSocket from 'ws';
import {emptyChecks, type CheckTotals} from '../checks.js';
import {cpuMs, descendants, rssBytes} from '../proc.js';
import type {RunOutput, Scenario} from './types.js';

const REPO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = 'dist/cli.js';
const ROOM = 'bench';
const FLOOD = {full: 10_000, quick: 2000};
const BATCH = 200;
const SEED_NOTE = 'the seed has no TUI: natter only';
/**
 * What the start-up time includes that is not natter's, nor node's: tmux creating a session, its
 * shell, `cd` and `env`, and the 10 ms capture polling. The same command line as the TUI's, with
 * `printf` in place of node: the TUI's time less this is what a user feels typing `natter` in an
 * open terminal (node's own start included).
 */
const HARNESS_FLOOR = `cd ${REPO_DIR} && env -u CI printf ready; echo; sleep 600`;

const run = promisify(execFile);
const sleep = (ms: number): Promise<void> => new Promise(done => setTimeout(done, ms));
let sessions = 0;

export function tuiStartup(): Scenario {
	return {
		name: 'tui-startup',
		title: 'TUI in tmux: start to first frame, to online, idle RSS (natter only)',
		metrics: [
			{key: 'natterStart', label: 'TUI start to first frame, less the harness', unit: 'ms', digits: 0, target: {kind: 'max', value: 400}},
			{key: 'firstFrame', label: 'TUI start to first frame, tmux session included', unit: 'ms', digits: 0},
			{key: 'floor', label: 'harness: tmux session + shell to first output', unit: 'ms', digits: 0},
			{key: 'online', label: 'TUI start to online', unit: 'ms', digits: 0},
			{key: 'jsonOnline', label: '--json start to online', unit: 'ms', digits: 0},
			{key: 'rss', label: 'idle TUI RSS after 2 s', unit: 'MiB', digits: 1, target: {kind: 'max', value: 80}},
			{key: 'jsonRss', label: 'idle --json RSS after 2 s', unit: 'MiB', digits: 1},
		],
		skip: noTmux,
		sockets: () => 2,
		repetitions: options => (options.quick ? 1 : 3),
		async run({server}) {
			if (server.kind === 'seed') return seedSkip();
			// The harness's own share: tmux creating the session, its shell, and the capture polling.
			const floorSession = await TuiSession.run(HARNESS_FLOOR);
			let floor: number;
			try {
				floor = await floorSession.waitFor(screen => screen.includes('ready'), 10, 20_000);
			} finally {
				await floorSession.stop();
			}
			const tui = await TuiSession.start(server.url, 'tui-bench');
			try {
				const firstFrame = await tui.waitFor(screen => screen.trim() !== '', 10, 20_000);
				const online = await tui.waitFor(screen => screen.includes('● online'), 10, 20_000);
				await sleep(2000);
				const rss = rssBytes(await tui.pid()) / 2 ** 20;
				const json = JsonClient.start(server.url, 'json-bench');
				let jsonOnline: number;
				let jsonRss: number;
				try {
					jsonOnline = await json.waitForLine(line => line.includes('"state":"online"'), 20_000);
					await sleep(2000);
					jsonRss = rssBytes(json.pid()) / 2 ** 20;
				} finally {
					await json.stop();
				}
				return {values: {firstFrame, floor, natterStart: firstFrame - floor, online, jsonOnline, rss, jsonRss}, checks: emptyChecks(), notes: []};
			} finally {
				await tui.stop();
			}
		},
	};
}

export function tuiFlood(): Scenario {
	return {
		name: 'tui-flood',
		title: 'a 10,000-message flood shown by the TUI in tmux vs received by --json mode: lag after the last publish, CPU (natter only)',
		metrics: [
			{key: 'tuiLag', label: 'TUI: last publish to on screen', unit: 'ms', digits: 0, target: {kind: 'max', value: 1000}},
			{key: 'jsonLag', label: '--json: last publish to printed', unit: 'ms', digits: 0},
			{key: 'tuiCpu', label: 'TUI CPU over the flood', unit: 'ms', digits: 0},
			{key: 'jsonCpu', label: '--json CPU over the flood', unit: 'ms', digits: 0},
			{key: 'cpuRatio', label: 'CPU TUI / --json', unit: 'x', digits: 2, target: {kind: 'max', value: 3}},
			{key: 'tuiPublish', label: 'flood publish time, TUI watching', unit: 'ms', digits: 0},
			{key: 'jsonPublish', label: 'flood publish time, --json reading', unit: 'ms', digits: 0},
		],
		skip: noTmux,
		sockets: () => 3,
		// Cheap (a few seconds each), and both CPU times are counted in 10 ms ticks and vary by
		// ±15% run to run: 5 runs keep one noisy run from deciding the ratio.
		repetitions: options => (options.quick ? 1 : 5),
		async run({server, options}) {
			if (server.kind === 'seed') return seedSkip();
			const total = options.quick ? FLOOD.quick : FLOOD.full;
			const last = `flood ${total}`;
			const checks = emptyChecks();
			const values: Record<string, number> = {};

			// The TUI first: the --json client joins afterwards, so history replay cannot show it an
			// old `flood N` (it counts only sequences after its `joined`).
			const tui = await TuiSession.start(server.url, 'tui-bench');
			try {
				await tui.waitFor(screen => screen.includes('● online') && screen.includes('you joined bench'), 20, 20_000);
				const pid = await tui.pid();
				const cpuBefore = cpuMs(pid);
				const flood = await publishFlood(server.url, 'flooder', total);
				const lagStart = performance.now();
				await tui.waitFor(screen => screen.includes(last), 20, 120_000);
				values.tuiLag = performance.now() - lagStart;
				values.tuiPublish = flood;
				// CPU over the flood and its rendering: read once the last message is on screen.
				values.tuiCpu = cpuMs(pid) - cpuBefore;
			} finally {
				await tui.stop();
			}

			const json = JsonClient.start(server.url, 'json-bench');
			try {
				let joinedAt = -1;
				let lastSeen = -1;
				let received = 0;
				let shownAt = Number.NaN;
				json.onLine(line => {
					if (!line.startsWith('{')) return;
					const frame = JSON.parse(line) as {type?: string; sequence?: number; content?: string};
					if (frame.type === 'joined') {
						joinedAt = frame.sequence ?? 0;
						lastSeen = joinedAt;
					}
					if (frame.type !== 'message' || joinedAt < 0 || (frame.sequence ?? 0) <= joinedAt) return;
					const sequence = frame.sequence ?? 0;
					if (sequence === lastSeen) checks.duplicates++;
					else if (sequence !== lastSeen + 1) checks.orderViolations++;
					lastSeen = sequence;
					received++;
					if (frame.content === last) shownAt = performance.now();
				});
				await json.waitForLine(line => line.includes('"type":"joined"'), 20_000);
				const pid = json.pid();
				const cpuBefore = cpuMs(pid);
				const flood = await publishFlood(server.url, 'flooder-json', total);
				const lagStart = performance.now();
				const deadline = Date.now() + 120_000;
				while (Number.isNaN(shownAt) && Date.now() < deadline) await sleep(5);
				if (Number.isNaN(shownAt)) throw new Error(`--json client did not print "${last}" within 120 s (${received} messages)`);
				values.jsonLag = Math.max(0, shownAt - lagStart);
				values.jsonPublish = flood;
				values.jsonCpu = cpuMs(pid) - cpuBefore;
				countChecks(checks, total, received);
			} finally {
				await json.stop();
			}
			values.cpuRatio = values.tuiCpu / values.jsonCpu;
			return {values, checks, notes: []};
		},
	};
}

/** Why the TUI scenarios cannot run here (no tmux), or undefined. */
function noTmux(): string | undefined {
	try {
		execFileSync('tmux', ['-V'], {stdio: 'ignore'});
		return undefined;
	} catch {
		return 'tmux is not installed: the TUI needs a terminal to run in';
	}
}

function seedSkip(): RunOutput {
	return {values: {}, checks: emptyChecks(), notes: [SEED_NOTE]};
}

function countChecks(checks: CheckTotals, expected: number, received: number): void {
	checks.subscribers++;
	checks.expected += expected;
	checks.losses += Math.max(0, expected - received);
	checks.duplicates += Math.max(0, received - expected);
}

/**
 * Publish `total` messages `flood 1` … `flood N` to the room as a seed-protocol client, in
 * batches of BATCH, waiting for each batch's last echo (a bounded window). Resolves when the
 * last message's echo is back, with the time the flood took (ms).
 */
async function publishFlood(url: string, userId: string, total: number): Promise<number> {
	const ws = await new Promise<WebSocket>((done, fail) => {
		const socket = new WebSocket(url, {perMessageDeflate: false});
		socket.once('open', () => done(socket));
		socket.once('error', fail);
	});
	try {
		let echoed = 0;
		let subscribed = false;
		ws.on('message', (data: Buffer) => {
			if (data.includes('"type":"subscribed"')) subscribed = true;
			else if (data.includes('"type":"message"') && data.includes(`"sender":"${userId}"`)) echoed++;
			else if (data.includes('"type":"error"')) ws.emit('error', new Error(`publisher got ${data.toString().slice(0, 200)}`));
		});
		const failed = new Promise<never>((_, fail) => ws.once('error', fail));
		failed.catch(() => undefined);
		ws.send(JSON.stringify({type: 'subscribe', room: ROOM, userId}));
		while (!subscribed) await Promise.race([sleep(2), failed]);
		const started = performance.now();
		for (let sent = 0; sent < total; ) {
			const end = Math.min(total, sent + BATCH);
			while (sent < end) {
				sent++;
				ws.send(JSON.stringify({type: 'publish', room: ROOM, sender: userId, content: `flood ${sent}`}));
			}
			while (echoed < end) await Promise.race([new Promise(done => setImmediate(done)), failed]);
		}
		return performance.now() - started;
	} finally {
		ws.terminate();
	}
}

/** The TUI in a tmux session of its own, on a private tmux server (socket). */
class TuiSession {
	private constructor(
		private readonly socket: string,
		private readonly socketPath: string,
		readonly started: number,
	) {}

	/** Start the TUI; `started` is taken just before tmux is asked to create its session (the shell and node start are timed). */
	static async start(url: string, name: string): Promise<TuiSession> {
		const argv = ['node', CLI, '--url', url, '--name', name, '--room', ROOM];
		return TuiSession.run(`cd ${REPO_DIR} && env -u CI ${argv.join(' ')}; echo "[exit $?]"; sleep 600`);
	}

	/** Run a shell command in the session instead of the TUI, timed the same way (see HARNESS_FLOOR). */
	static async run(command: string): Promise<TuiSession> {
		const socket = `natter-bench-${process.pid}-${++sessions}`;
		// Start the private tmux server first (a placeholder session), so its own startup is not timed.
		try {
			await tmux(socket, ['new-session', '-d', '-s', 'idle', 'sleep 600']);
			const socketPath = (await tmux(socket, ['display-message', '-p', '-t', 'idle:', '#{socket_path}'])).trim();
			const started = performance.now();
			await tmux(socket, ['new-session', '-d', '-s', 'tui', '-x', '120', '-y', '40', command]);
			return new TuiSession(socket, socketPath, started);
		} catch (error) {
			await tmux(socket, ['kill-server']).catch(() => undefined);
			throw error;
		}
	}

	capture(): Promise<string> {
		return tmux(this.socket, ['capture-pane', '-p', '-t', 'tui:']);
	}

	/** Poll the screen every `every` ms until `check` holds; ms since start. */
	async waitFor(check: (screen: string) => boolean, every: number, timeout: number): Promise<number> {
		const deadline = performance.now() + timeout;
		for (;;) {
			const screen = await this.capture();
			const now = performance.now();
			if (check(screen)) return now - this.started;
			if (screen.includes('[exit ')) throw new Error(`the TUI exited; the screen is:\n${screen}`);
			if (now > deadline) throw new Error(`timed out after ${timeout} ms; the TUI's screen is:\n${screen}`);
			await sleep(every);
		}
	}

	/**
	 * The TUI's node process: a descendant of the pane's shell. natter sets process.title (`natter
	 * chat NAME@HOST`, see run-client.ts), which replaces both its comm (cut to 15 bytes) and its
	 * /proc cmdline.
	 */
	async pid(): Promise<number> {
		const panePid = Number((await tmux(this.socket, ['display-message', '-p', '-t', 'tui:', '#{pane_pid}'])).trim());
		const found = descendants(panePid).find(p => p.comm === 'natter' || p.comm.startsWith('natter ') || p.comm.startsWith('node'));
		if (found === undefined) throw new Error('the TUI process was not found under the tmux pane');
		return found.pid;
	}

	/** Kill the private tmux server (the TUI with it) and remove its socket file, which tmux leaves behind. */
	async stop(): Promise<void> {
		await tmux(this.socket, ['kill-server']).catch(() => undefined);
		if (this.socketPath.includes(this.socket)) rmSync(this.socketPath, {force: true});
	}
}

/** A `--json` client child process, its stdout read line by line. */
class JsonClient {
	private readonly listeners: ((line: string) => void)[] = [];
	private buffered = '';

	private constructor(
		private readonly child: ChildProcess,
		readonly started: number,
	) {
		child.stdout!.setEncoding('utf8');
		child.stdout!.on('data', (chunk: string) => {
			this.buffered += chunk;
			const lines = this.buffered.split('\n');
			this.buffered = lines.pop() ?? '';
			for (const line of lines) for (const listener of this.listeners) listener(line);
		});
		child.stderr!.resume();
	}

	static start(url: string, name: string): JsonClient {
		const env = {...process.env};
		delete env.CI;
		const started = performance.now();
		const child = spawn(process.execPath, [CLI, '--url', url, '--name', name, '--room', ROOM, '--json'], {cwd: REPO_DIR, env, stdio: ['pipe', 'pipe', 'pipe']});
		return new JsonClient(child, started);
	}

	pid(): number {
		return this.child.pid!;
	}

	onLine(listener: (line: string) => void): void {
		this.listeners.push(listener);
	}

	/** Resolve with ms since start when a stdout line satisfies `check`. */
	waitForLine(check: (line: string) => boolean, timeout: number): Promise<number> {
		return new Promise((done, fail) => {
			const timer = setTimeout(() => fail(new Error(`--json client: no matching line within ${timeout} ms`)), timeout);
			this.onLine(line => {
				if (!check(line)) return;
				clearTimeout(timer);
				done(performance.now() - this.started);
			});
			this.child.once('exit', code => fail(new Error(`--json client exited (${code})`)));
		});
	}

	async stop(): Promise<void> {
		if (this.child.exitCode !== null || this.child.signalCode !== null) return;
		const exited = new Promise(done => this.child.once('exit', done));
		this.child.kill('SIGKILL');
		await exited;
	}
}

/** tmux on a private socket, with no config and CI unset for the server it may start. */
async function tmux(socket: string, args: string[]): Promise<string> {
	const {stdout} = await run('env', ['-u', 'CI', 'tmux', '-L', socket, '-f', '/dev/null', ...args], {encoding: 'utf8'});
	return stdout;
}
