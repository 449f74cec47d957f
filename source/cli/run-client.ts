import {createClient} from '../client/create-client.js';
import {fileKeyring} from '../client/file-keyring.js';
import {createIgnoreList} from '../commands/ignore-list.js';
import {startChatLog} from './chat-log.js';
import {saveIgnoreList} from './config-file.js';
import type {CliPlan} from './parse-flags.js';
import {runJson} from './run-json.js';
import {tuneRuntime} from './runtime-tuning.js';
import {recordEarlyEvents} from '../ui/state/early-events.js';
import {withoutFetch} from './without-fetch.js';
import {defined} from '../defined.js';

/**
 * The chat modes (TUI and --json): start the in-process broker when --serve asks for one,
 * connect the client core, run the mode, and close everything on the way out.
 */
export async function runClient(plan: Extract<CliPlan, {mode: 'tui' | 'json'}>): Promise<number> {
	if (plan.mode === 'tui' && !process.stdin.isTTY) {
		process.stderr.write('natter: the chat window needs a terminal; for scripts and pipes use --json\n');
		return 2;
	}
	// V8 tuning for a chat client (why, and the bench figures behind it: runtime-tuning.ts).
	tuneRuntime(plan.mode);
	let urls = plan.urls;
	let adminKey: string | undefined;
	let serveAddresses: string[] | undefined;
	let closeBroker = async (): Promise<void> => {};
	if (plan.serve) {
		// Loaded only when hosting: a client that joins elsewhere never loads the broker.
		const [{serveBroker}, {joinAddresses, joinLines}] = await Promise.all([import('./serve-broker.js'), import('./join-addresses.js')]);
		// The window owns the terminal: broker diagnostics stay quiet unless asked for.
		const started = await serveBroker(plan.serve, plan.mode === 'json' ? line => process.stderr.write(`natter broker: ${line}\n`) : () => {});
		if (!started.ok) {
			process.stderr.write(`natter: ${started.error}\n`);
			return started.exitCode;
		}
		const {broker} = started;
		urls = [broker.url];
		adminKey = broker.adminKey;
		serveAddresses = await joinAddresses(broker.host, broker.port);
		closeBroker = () => broker.close();
		process.title = `natter serve :${broker.port}`;
		if (plan.mode === 'json') {
			const lines = [`hosting on ${broker.url}`, ...joinLines(serveAddresses, broker.url)];
			process.stderr.write(lines.map(line => `natter: ${line}\n`).join(''));
		}
	} else {
		process.title = `natter chat ${plan.name}@${hostOf(urls[0]!)}`;
	}
	const client = createClient({
		urls,
		name: plan.name,
		rooms: plan.rooms,
		...defined({adminKey, token: plan.token}),
		// The window owns the terminal: a key that cannot be saved is said on stderr in --json only.
		nameKeys: fileKeyring(undefined, plan.mode === 'json' ? message => process.stderr.write(`natter: ${message}\n`) : undefined),
	});
	// /ignore and /unignore keep the list in the config file the settings came from.
	const {configPath} = plan;
	const ignores = createIgnoreList(plan.ignore, configPath === undefined ? undefined : names => saveIgnoreList(configPath, names));
	// The window owns the terminal: a log that cannot be written is said when it closes.
	const logErrors: string[] = [];
	const log = plan.logDir === undefined
		? undefined
		: startChatLog(client, plan.logDir, message => (plan.mode === 'json' ? process.stderr.write(`natter: ${message}\n`) : logErrors.push(message)));
	let code: number;
	try {
		if (plan.mode === 'json') {
			// The first signal ends input and flushes within --flush-timeout; a second gives up the flush.
			const stopping = new AbortController();
			const stop = (): void => {
				if (stopping.signal.aborted) void client.close(0);
				else stopping.abort();
			};
			process.on('SIGINT', stop);
			process.on('SIGTERM', stop);
			try {
				code = await runJson(client, plan.rooms[0]!, {input: process.stdin, output: process.stdout, errors: process.stderr}, {flushMs: plan.flushMs, stop: stopping.signal, ignores});
			} finally {
				process.off('SIGINT', stop);
				process.off('SIGTERM', stop);
			}
		} else {
			// Connect while the chat window's modules load and its first frame renders (a few hundred
			// ms at start-up), not after: the window takes over the events recorded meanwhile.
			const early = recordEarlyEvents(client);
			client.start();
			const {runTui} = await withoutFetch(() => import('./run-tui.js'));
			code = await runTui({
				client,
				early,
				serverUrl: urls[0]!,
				...defined({serveAddresses}),
				colours: plan.colours,
				ignores,
				notify: plan.notify,
				...defined({timestamp: plan.timestamp}),
			});
		}
	} finally {
		await log?.close();
		for (const message of logErrors) process.stderr.write(`natter: ${message}\n`);
		await closeBroker();
	}
	return code;
}

/** `host:port` of a broker URL, for the process title (the URL itself when it does not parse). */
function hostOf(url: string): string {
	try {
		return new URL(url).host;
	} catch {
		return url;
	}
}
