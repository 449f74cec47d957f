import {render} from 'ink';
import type {NatterClient} from '../client/types.js';
import type {IgnoreList} from '../commands/ignore-list.js';
import type {NotifyMode} from './config-file.js';
import {App} from '../ui/app.js';
import type {EarlyEvents} from '../ui/state/early-events.js';
import {setNameColours} from '../ui/layout/name-colour.js';
import {setClockFormat} from '../ui/layout/time.js';
import {defined} from '../defined.js';

/** What the chat window needs: a client (started, with what it emitted so far), where it connects, and when hosting, the join address. */
export type RunTuiOptions = {
	client: NatterClient;
	/** Started before the window loaded: its events until the window subscribes. Without it, the window starts the client. */
	early?: EarlyEvents;
	serverUrl: string;
	/** With --serve: the URLs other machines can join with (empty: loopback only). */
	serveAddresses?: readonly string[];
	/** Time without input before the user is marked away (ms, default 5 minutes). */
	idleMs?: number;
	/** Colours chosen for names (config `colours`). */
	colours?: Readonly<Record<string, string>>;
	/** Whose messages the window hides (config `ignore`, /ignore). */
	ignores?: IgnoreList;
	/** How a mention or direct message rings (--notify). */
	notify?: NotifyMode;
	/** How times are written (config `timestamp`). */
	timestamp?: 'HH:mm' | 'HH:mm:ss';
};

/**
 * The first line of every window: how to find the commands. Shown once per window rather than
 * once per user, so natter keeps no state on disk and every window starts the same.
 */
export const FIRST_RUN_HINT = 'type /help for commands, Tab to complete';

// Alternate screen (the shell's scrollback stays as it was) and bracketed paste (a pasted
// Enter is text, not a send); both are undone on the way out.
// Focus reporting too (the terminal says \x1b[I and \x1b[O), so a mention rings while the
// window is in the background.
const ENTER = '\x1b[?1049h\x1b[H\x1b[?2004h\x1b[?1004h';
const LEAVE = '\x1b[?1004l\x1b[?2004l\x1b[?1049l';

/**
 * Open the chat window on this terminal (starting the client, unless `early` says it is started),
 * and resolve with the exit code when the user quits (/quit or Ctrl+C; the client is closed
 * first, so pending messages go out): 0, or 1 when messages were still pending (they are listed
 * on stderr once the screen is restored).
 * Without a terminal on stdin it says so and returns 2.
 */
export async function runTui(options: RunTuiOptions): Promise<number> {
	if (!process.stdin.isTTY) {
		process.stderr.write('natter: the chat window needs a terminal; for scripts use --json\n');
		return 2;
	}
	const {client} = options;
	setNameColours(options.colours ?? {});
	if (options.timestamp !== undefined) setClockFormat(options.timestamp);
	process.stdout.write(ENTER);
	let restored = false;
	const restore = (): void => {
		if (restored) return;
		restored = true;
		process.stdout.write(LEAVE);
	};
	// A closed terminal or a kill still says goodbye to the broker (others see us leave at once).
	const onSignal = (): void => {
		void client.close(500).finally(() => instance.unmount());
	};
	process.once('SIGTERM', onSignal);
	process.once('SIGHUP', onSignal);
	process.on('exit', restore);
	const instance = render(
		<App client={client} serverUrl={options.serverUrl} {...defined({early: options.early})} {...defined({serveAddresses: options.serveAddresses})} {...defined({idleMs: options.idleMs})} {...defined({ignores: options.ignores})} {...defined({notify: options.notify})} hint={FIRST_RUN_HINT} />,
		{exitOnCtrlC: false, patchConsole: true, maxFps: 30},
	);
	try {
		await instance.waitUntilExit();
		instance.cleanup();
		restore();
		// After the screen is back, so it stays in the shell: what quitting gave up.
		const dropped = client.pending;
		if (dropped.length === 0) return 0;
		process.stderr.write(`natter: ${dropped.length} message(s) not sent:\n`);
		for (const message of dropped) process.stderr.write(`  ${message.room}: ${JSON.stringify(message.content)}\n`);
		return 1;
	} catch (error) {
		restore();
		process.stderr.write(`natter: the chat window failed: ${(error as Error).message}\n`);
		return 1;
	} finally {
		instance.cleanup();
		restore();
		process.off('SIGTERM', onSignal);
		process.off('SIGHUP', onSignal);
		process.off('exit', restore);
	}
}
