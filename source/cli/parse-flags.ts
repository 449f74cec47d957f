/**
 * The command line, environment and config file → one CliPlan: which mode runs, and with what.
 * Every mistake is one specific sentence (a FlagError, returned as `{ok: false, error}`). The
 * broker's settings are checked in serve-settings.ts, integer settings in integer-setting.ts,
 * from the one settings table (settings.ts).
 */
import {userInfo} from 'node:os';
import {parseDuration} from '../auth/tokens.js';
import {checkRoomName, checkUserName} from '../protocol/names.js';
import {checkUrl} from './check-url.js';
import {FlagError} from './flag-error.js';
import {integerSetting} from './integer-setting.js';
import {checkSecret, serveSettings, type ServeSettings} from './serve-settings.js';
import {setting, type RawFlags} from './settings.js';

export type {RawFlags} from './settings.js';
// Broker settings have their own module (serve-settings.ts); importers keep finding the type here.
export type {ServeSettings} from './serve-settings.js';
import {NOTIFY_MODES, type Config, type LoadedConfig, type NotifyMode} from './config-file.js';
import {defined} from '../defined.js';

/** What the command line asks natter to do. */
export type CliPlan =
	| {mode: 'headless'; serve: ServeSettings}
	/** `flushMs`: how long --json's end waits for pending messages (`--flush-timeout`). */
	| ({mode: 'tui' | 'json'; serve?: ServeSettings; urls: string[]; name: string; rooms: string[]; token?: string; flushMs: number} & ClientSettings)
	| {mode: 'token'; secret: string; name: string; admin: boolean; ttlSeconds: number}
	| {mode: 'new-secret'};

/** A chat client's habits, from flags over the config file. */
export type ClientSettings = {
	/** How a mention or a direct message rings (`--notify`, config `notify`; default bell). */
	notify: NotifyMode;
	/** Where each room's messages are appended as text (`--log-dir`, config `logDir`); none by default. */
	logDir?: string;
	/** Names whose messages and direct messages are hidden (config `ignore`, changed by /ignore). */
	ignore: string[];
	/** Colours chosen for names (config `colours`), over the colour each name hashes to. */
	colours: Record<string, string>;
	/** How the message pane writes times (config `timestamp`; default HH:mm). */
	timestamp?: 'HH:mm' | 'HH:mm:ss';
	/** The config file read (and where /ignore saves), whether or not it exists. */
	configPath?: string;
};

export type ParseFlagsResult = {ok: true; plan: CliPlan} | {ok: false; error: string};

/**
 * Validate flags and environment into a plan. Every mistake gets one specific sentence;
 * nothing here throws or exits, so the CLI decides how to report.
 */
export function parseFlags(flags: RawFlags, env: NodeJS.ProcessEnv, command?: string, loaded?: LoadedConfig): ParseFlagsResult {
	try {
		if (command !== undefined && command !== 'token') throw new FlagError(`unknown command ${JSON.stringify(command)}; the only command is "token"`);
		return {ok: true, plan: command === 'token' ? tokenPlan(flags, env) : plan(flags, env, loaded)};
	} catch (error) {
		if (error instanceof FlagError) return {ok: false, error: error.message};
		throw error;
	}
}

/** `natter token --secret S --name N [--admin] [--ttl 24h]`. */
function tokenPlan(flags: RawFlags, env: NodeJS.ProcessEnv): CliPlan {
	if (flags.newSecret) {
		if (flags.secret !== undefined || flags.name !== undefined || flags.admin || flags.ttl !== undefined) {
			throw new FlagError('natter token --new-secret prints a fresh secret and takes no other flag');
		}
		return {mode: 'new-secret'};
	}
	const secret = checkSecret(flags.secret ?? env.NATTER_SECRET);
	if (secret === undefined) throw new FlagError('natter token needs the broker secret: --secret S or NATTER_SECRET');
	if (flags.name === undefined) throw new FlagError('natter token needs --name: the user the token is for');
	const why = checkUserName(flags.name);
	if (why) throw new FlagError(`--name ${JSON.stringify(flags.name)}: ${why}`);
	const ttlSeconds = parseDuration(flags.ttl ?? String(setting('ttl').default));
	if (ttlSeconds === undefined) throw new FlagError(`--ttl ${JSON.stringify(flags.ttl)} is not a duration; use e.g. 90s, 30m, 24h or 7d`);
	return {mode: 'token', secret, name: flags.name, admin: flags.admin === true, ttlSeconds};
}

function plan(flags: RawFlags, env: NodeJS.ProcessEnv, loaded?: LoadedConfig): CliPlan {
	const config: Config = loaded?.config ?? {};
	if (flags.headless && !flags.serve) throw new FlagError('--headless only makes sense with --serve');
	if (flags.headless && flags.json) throw new FlagError('--headless runs no client, so --json has nothing to print');
	if (flags.serve && (flags.url ?? []).length > 0) throw new FlagError('use --serve to host or --url to join, not both');
	if (!flags.serve && (flags.host !== undefined || flags.port !== undefined)) {
		throw new FlagError('--host and --port set where --serve listens; to join a broker, use --url ws://host:port');
	}
	if (!flags.serve && flags.data !== undefined) throw new FlagError('--data is where --serve keeps its rooms; it needs --serve');
	if (!flags.serve && flags.redis !== undefined) throw new FlagError('--redis is where --serve nodes share their rooms; it needs --serve');
	if (!flags.serve && flags.secret !== undefined) throw new FlagError('--secret makes a --serve broker require tokens; to join one, use --token');
	if (flags.admin || flags.ttl !== undefined) throw new FlagError('--admin and --ttl belong to natter token');
	if (flags.newSecret) throw new FlagError('--new-secret belongs to natter token: natter token --new-secret');
	if (!flags.serve && (flags.trustProxy ?? []).length > 0) throw new FlagError('--trust-proxy tells a --serve broker which proxies to believe; it needs --serve');
	const serve = flags.serve ? serveSettings(flags, env) : undefined;
	if (serve && flags.headless) {
		if (flags.logDir !== undefined || flags.notify !== undefined) throw new FlagError('--log-dir and --notify belong to the chat client; a --headless broker runs none');
		return {mode: 'headless', serve};
	}

	// The config file's URLs are where to go when neither --url nor --serve says otherwise.
	const given = flags.url ?? [];
	const urls = (given.length > 0 || serve ? given : (config.urls ?? [])).map(checkUrl);
	if (!serve && urls.length === 0) {
		throw new FlagError('nothing to connect to: give --url ws://host:port to join, or --serve to host a room');
	}
	// An empty NATTER_NAME counts as unset, as NATTER_DATA does.
	const name = flags.name ?? (env.NATTER_NAME || undefined) ?? config.name ?? osUserName();
	const whyName = checkUserName(name);
	if (whyName) throw new FlagError(`--name ${JSON.stringify(name)}: ${whyName}`);
	const rooms = flags.room !== undefined && flags.room.length > 0 ? flags.room : config.rooms !== undefined && config.rooms.length > 0 ? config.rooms : [String(setting('room').default)];
	for (const room of rooms) {
		const why = checkRoomName(room);
		if (why) throw new FlagError(`--room ${JSON.stringify(room)}: ${why}`);
	}
	const token = flags.token ?? (env.NATTER_TOKEN || undefined);
	if (token !== undefined && !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) throw new FlagError('--token is not a JWT (three base64url parts separated by dots)');
	if (flags.flushTimeout !== undefined && !flags.json) throw new FlagError('--flush-timeout is how long --json waits for pending messages at its end; it needs --json');
	const flushMs = integerSetting('flushTimeout', flags, env) * 1000;
	return {mode: flags.json ? 'json' : 'tui', ...(serve ? {serve} : {}), urls, name, rooms, ...defined({token}), flushMs, ...clientSettings(flags, config, loaded?.path)};
}

/** --notify and --log-dir over the config file's notify, logDir, ignore, colours and timestamp. */
function clientSettings(flags: RawFlags, config: Config, configPath: string | undefined): ClientSettings {
	if (flags.notify !== undefined && !(NOTIFY_MODES as readonly string[]).includes(flags.notify)) {
		throw new FlagError(`--notify must be ${NOTIFY_MODES.slice(0, -1).join(', ')} or ${NOTIFY_MODES.at(-1)}, not ${JSON.stringify(flags.notify)}`);
	}
	if (flags.logDir !== undefined && flags.logDir.trim() === '') throw new FlagError('--log-dir needs a directory, like --log-dir ~/natter-logs');
	const logDir = flags.logDir ?? config.logDir;
	return {
		notify: (flags.notify as NotifyMode | undefined) ?? config.notify ?? 'bell',
		...defined({logDir}),
		ignore: config.ignore ?? [],
		colours: config.colours ?? {},
		...defined({timestamp: config.timestamp, configPath}),
	};
}

function osUserName(): string {
	try {
		return userInfo().username || 'anonymous';
	} catch {
		return 'anonymous';
	}
}

/** What refuseUnknownFlags needs to know of each flag natter defines (meow's flag specs fit). */
export type FlagSpecs = Record<string, {type: 'string' | 'boolean' | 'number'}>;

/**
 * The sentence refusing the first flag in `argv` that natter does not define, or undefined when
 * every flag is known. Checked before meow parses: meow (yargs-parser) takes a flag that starts
 * like a known one followed by a non-word character as known (`--data-dir` reads as `--data` in
 * its unknown-flag check, then becomes an unused `dataDir`), so `--data-dir PATH` would start a
 * broker on the memory engine without a word. Only the documented kebab-case names count
 * (`--history-size`, not `--historySize`), plus `--no-NAME` for boolean flags, `--help` and
 * `--version`; a value after a string flag is skipped; `--` ends the flags.
 *
 * @example
 * refuseUnknownFlags(['--data-dir', '/x'], {data: {type: 'string'}}) // '--data-dir is not a natter flag; did you mean --data?'
 */
export function refuseUnknownFlags(argv: readonly string[], specs: FlagSpecs): string | undefined {
	const known = new Map<string, 'string' | 'boolean' | 'number'>([['help', 'boolean'], ['version', 'boolean']]);
	for (const [key, spec] of Object.entries(specs)) known.set(kebab(key), spec.type);
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i]!;
		if (arg === '--') return undefined;
		if (!arg.startsWith('-') || arg === '-' || /^-\d/.test(arg)) continue;
		const [flag = '', value] = splitOnce(arg.replace(/^-+/, ''), '=');
		const type = known.get(flag) ?? (flag.startsWith('no-') && known.get(flag.slice(3)) === 'boolean' && value === undefined ? 'negated' : undefined);
		if (type === undefined || !arg.startsWith('--')) {
			const name = arg.split('=')[0]!;
			const shown = JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}…` : name).slice(1, -1);
			const near = closestFlag(flag, [...known.keys()]);
			return `${shown} is not a natter flag; ${near === undefined ? 'natter --help lists them all' : `did you mean --${near}?`}`;
		}
		// A string flag's value is the next argument unless it is given with = or the next one is a flag.
		if (type !== 'boolean' && type !== 'negated' && value === undefined && i + 1 < argv.length && !/^-[^\d]/.test(argv[i + 1]!)) i++;
	}
	return undefined;
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
	const at = text.indexOf(separator);
	return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

function kebab(key: string): string {
	return key.replace(/[A-Z]/g, letter => `-${letter.toLowerCase()}`);
}

/**
 * The known flag a mistyped one most likely meant: the same name in kebab-case (`historySize`),
 * a known flag the unknown one extends (`data-dir` → `data`, `redis-cluster` → `redis`), or one
 * within a small edit distance (`nmae` → `name`); undefined when none is close.
 */
function closestFlag(flag: string, known: readonly string[]): string | undefined {
	const wanted = kebab(flag).toLowerCase();
	if (known.includes(wanted)) return wanted;
	const extended = known.filter(name => wanted.startsWith(`${name}-`) || name.startsWith(`${wanted}-`)).sort((a, b) => b.length - a.length);
	if (extended.length > 0) return extended[0];
	let best: {name: string; distance: number} | undefined;
	for (const name of known) {
		const distance = editDistance(wanted, name);
		if (distance <= Math.max(1, Math.floor(name.length / 3)) && (best === undefined || distance < best.distance)) best = {name, distance};
	}
	return best?.name;
}

/** Damerau–Levenshtein distance (optimal string alignment): a swap of two letters counts once. */
function editDistance(a: string, b: string): number {
	const rows = Array.from({length: a.length + 1}, (_, i) => Array.from({length: b.length + 1}, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
	for (let i = 1; i <= a.length; i++) {
		for (let j = 1; j <= b.length; j++) {
			const cost = a[i - 1] === b[j - 1] ? 0 : 1;
			let value = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
			if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, rows[i - 2]![j - 2]! + 1);
			rows[i]![j] = value;
		}
	}
	return rows[a.length]![b.length]!;
}
