import {execFileSync} from 'node:child_process';
import {createServer} from 'node:net';

/** True when tmux can be run here (the e2e tests skip, loudly, without it). */
export function hasTmux(): boolean {
	try {
		execFileSync('tmux', ['-V'], {stdio: 'ignore'});
		return true;
	} catch {
		return false;
	}
}

/** A free TCP port on 127.0.0.1 (closed again, so the caller can listen on it). */
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
		});
	});
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/**
 * A real terminal for end-to-end tests: one tmux session on a private tmux server (its own
 * socket, so no one else's sessions or environment leak in), running one command. The command
 * runs with CI unset, because Ink skips live frames when CI is set. When it exits, the pane
 * shows `[exit CODE]` and stays, so a test can see how it ended.
 */
export class Tmux {
	private static counter = 0;
	readonly name: string;

	private constructor(readonly socket: string, name: string) {
		this.name = name;
	}

	// "name:" is unambiguous: a bare name can resolve to another session's pane.
	private get target(): string {
		return `${this.name}:`;
	}

	/** Start `argv` (run in `cwd`) in a new `columns`×`rows` session. */
	static start(socket: string, argv: string[], options: {cwd: string; columns?: number; rows?: number; env?: Record<string, string>}): Tmux {
		const name = `s${process.pid}-${++Tmux.counter}`;
		const envs = Object.entries(options.env ?? {}).map(([key, value]) => `${key}=${shellQuote(value)}`);
		const command = `cd ${shellQuote(options.cwd)} && env -u CI ${envs.join(' ')} ${argv.map(shellQuote).join(' ')}; echo "[exit $?]"; sleep 600`;
		tmux(socket, ['new-session', '-d', '-s', name, '-x', String(options.columns ?? 120), '-y', String(options.rows ?? 40), command]);
		return new Tmux(socket, name);
	}

	/** Type text literally (no key names). */
	type(text: string): void {
		tmux(this.socket, ['send-keys', '-t', this.target, '-l', text]);
	}

	/** Press keys by tmux name: Enter, C-c, PageUp, M-2, F2 … */
	press(...keys: string[]): void {
		tmux(this.socket, ['send-keys', '-t', this.target, ...keys]);
	}

	/** The screen as text, one line per row. */
	capture(): string {
		return tmux(this.socket, ['capture-pane', '-p', '-t', this.target]);
	}

	/** The pane's title (what an OSC 0/2 sequence would change). */
	title(): string {
		return tmux(this.socket, ['display-message', '-p', '-t', this.target, '#{pane_title}']).trim();
	}

	/** Poll the screen every 100 ms until `check` holds; fails with the screen after `ms`. */
	async waitFor(check: string | RegExp | ((screen: string) => boolean), ms = 20_000): Promise<string> {
		const ok = typeof check === 'string' ? (s: string) => s.includes(check) : check instanceof RegExp ? (s: string) => check.test(s) : check;
		const deadline = Date.now() + ms;
		for (;;) {
			const screen = this.capture();
			if (ok(screen)) return screen;
			if (Date.now() > deadline) throw new Error(`${this.name}: timed out after ${ms} ms waiting for ${String(check)}; the screen is:\n${screen}`);
			await sleep(100);
		}
	}

	/** The last row: the input line. */
	inputLine(): string {
		return this.capture().trimEnd().split('\n').at(-1) ?? '';
	}

	/**
	 * Type a line and press Enter once the input line shows it, so text and Enter never reach
	 * the app as one chunk (which it would rightly take for a paste).
	 */
	async send(text: string): Promise<void> {
		this.type(text);
		const tail = text.slice(-12);
		await this.waitFor(() => this.inputLine().includes(tail), 10_000);
		this.press('Enter');
		await this.waitFor(() => !this.inputLine().includes(tail), 10_000);
	}

	kill(): void {
		try {
			tmux(this.socket, ['kill-session', '-t', this.name]);
		} catch {
			// Already gone.
		}
	}
}

/** Stop the private tmux server of `socket` (every session on it). */
export function killServer(socket: string): void {
	try {
		tmux(socket, ['kill-server']);
	} catch {
		// Not running.
	}
}

/** Run tmux on a private socket; unset CI for the server it may start, so panes inherit none. */
function tmux(socket: string, args: string[]): string {
	return execFileSync('env', ['-u', 'CI', 'tmux', '-L', socket, '-f', '/dev/null', ...args], {encoding: 'utf8'});
}

function shellQuote(value: string): string {
	return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
