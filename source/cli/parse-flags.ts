import {isIP} from 'node:net';
import {userInfo} from 'node:os';
import {GOOD_SECRET_HINT, weakSecretReason} from '../auth/secrets.js';
import {parseDuration} from '../auth/tokens.js';
import {checkRoomName, checkUserName} from '../protocol/names.js';
import {parseRedisAddress, RedisAddressError} from '../broker/engines/redis/redis-address.js';
import {checkUrl} from './check-url.js';
import {FlagError} from './flag-error.js';
import {flagName, setting, type IntegerSettingKey, type RawFlags} from './settings.js';

export type {RawFlags} from './settings.js';
import {NOTIFY_MODES, type Config, type LoadedConfig, type NotifyMode} from './config-file.js';

/** Broker settings taken from flags and environment. */
export type ServeSettings = {
	host?: string;
	port: number;
	historySize: number;
	historyTtl: number;
	maxPayload: number;
	heartbeatMs: number;
	graceMs: number;
	/** Open mode: days a name stays its user's after its last use (0 = names are not kept). */
	keepNamesDays: number;
	/** Open mode: how many names are kept at most. */
	maxKeptNames: number;
	maxBufferedBytes: number;
	/** The memory engine's bound on all history it keeps, in bytes (`--max-history-bytes`). */
	maxHistoryBytes: number;
	/** SQLite file the broker keeps its rooms in (`--data`); without it rooms live in memory. */
	dataPath?: string;
	/** Redis that several broker nodes share (`--redis`, env NATTER_REDIS): the cluster engine. */
	redisUrl?: string;
	/** With --redis: how long a dead node's users stay in presence panels, in ms (default 15 s). */
	presenceTtlMs?: number;
	/** HS256 secret: when set, every connection must present a JWT signed with it. */
	secret?: string;
	/** Frames per second each connection may send, and the burst it may save up. */
	rate: number;
	burst: number;
	/** Seconds a connection may stay without a name before it is closed (0 = never). */
	identifyTimeoutMs: number;
	maxConnectionsPerIp: number;
	/** Browser origins allowed to connect ('*' = any); requests without an Origin are always allowed. */
	allowOrigins: string[];
	compress: boolean;
	/** Proxies (addresses, CIDR ranges, or loopback/linklocal/uniquelocal) whose X-Forwarded-For is believed. */
	trustProxy: string[];
};

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

function checkSecret(secret: string | undefined): string | undefined {
	if (secret === undefined || secret === '') return undefined;
	const why = weakSecretReason(secret);
	// The secret itself is never echoed: it may be nearly right, and terminals get logged.
	if (why) throw new FlagError(`the secret is too easy to guess (${why}); ${GOOD_SECRET_HINT}`);
	return secret;
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
	return {mode: flags.json ? 'json' : 'tui', ...(serve ? {serve} : {}), urls, name, rooms, ...(token === undefined ? {} : {token}), flushMs, ...clientSettings(flags, config, loaded?.path)};
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
		...(logDir === undefined ? {} : {logDir}),
		ignore: config.ignore ?? [],
		colours: config.colours ?? {},
		...(config.timestamp === undefined ? {} : {timestamp: config.timestamp}),
		...(configPath === undefined ? {} : {configPath}),
	};
}

function serveSettings(flags: RawFlags, env: NodeJS.ProcessEnv): ServeSettings {
	const port = integerSetting('port', flags, env);
	const host = flags.host;
	if (host !== undefined && (host.length === 0 || /[\s/]/.test(host))) throw new FlagError(`--host ${JSON.stringify(host)} is not a host name or address`);
	// An empty NATTER_DATA counts as unset (container environments often declare it empty); an empty --data is a mistake.
	const dataPath = flags.data ?? (env.NATTER_DATA || undefined);
	if (dataPath !== undefined && dataPath.trim() === '') throw new FlagError('--data needs the path of a file, like --data /var/lib/natter/rooms.db');
	return {
		...(host === undefined ? {} : {host}),
		port,
		historySize: integerSetting('historySize', flags, env),
		historyTtl: integerSetting('historyTtl', flags, env),
		maxPayload: integerSetting('maxPayload', flags, env),
		heartbeatMs: integerSetting('heartbeat', flags, env) * 1000,
		graceMs: integerSetting('grace', flags, env) * 1000,
		keepNamesDays: integerSetting('keepNames', flags, env),
		maxKeptNames: integerSetting('maxKeptNames', flags, env),
		maxBufferedBytes: integerSetting('maxBuffered', flags, env),
		maxHistoryBytes: integerSetting('maxHistoryBytes', flags, env),
		...(dataPath === undefined ? {} : {dataPath}),
		...redisSettings(flags, env, dataPath),
		...withSecret(checkSecret(flags.secret ?? env.NATTER_SECRET)),
		rate: integerSetting('rate', flags, env),
		burst: integerSetting('burst', flags, env),
		identifyTimeoutMs: integerSetting('identifyTimeout', flags, env) * 1000,
		maxConnectionsPerIp: integerSetting('maxConnsPerIp', flags, env),
		allowOrigins: (flags.allowOrigin ?? []).map(checkOrigin),
		compress: flags.compress === true,
		trustProxy: (flags.trustProxy ?? []).flatMap(value => value.split(',')).map(checkTrustedProxy),
	};
}

/**
 * `--redis URL` (or NATTER_REDIS, or the conventional REDIS_URL): a redis:// or rediss:// URL, or a
 * Redis Cluster's seeds as redis+cluster://host1:7000,host2:7000 (see parseRedisAddress); it
 * replaces --data, it does not add to it. An explicit --data wins over a Redis URL that only
 * comes from the environment (REDIS_URL is often set for other programs).
 */
function redisSettings(flags: RawFlags, env: NodeJS.ProcessEnv, dataPath: string | undefined): {redisUrl?: string; presenceTtlMs: number} {
	const presenceTtlMs = integerSetting('presenceTtl', flags, env) * 1000;
	const fromEnv = env.NATTER_REDIS ? 'NATTER_REDIS' : env.REDIS_URL ? 'REDIS_URL' : 'NATTER_REDIS';
	const [flag, raw] = fromFlagOrEnv('--redis', flags.redis, fromEnv, env);
	// As with NATTER_DATA, an empty variable counts as unset; an explicit --data beats the environment.
	if (raw === undefined || (raw === '' && flag !== '--redis')) return {presenceTtlMs};
	if (flag !== '--redis' && dataPath !== undefined && flags.data !== undefined) return {presenceTtlMs};
	try {
		parseRedisAddress(raw);
	} catch (error) {
		if (error instanceof RedisAddressError) throw new FlagError(`${flag} ${error.message}`);
		throw error;
	}
	if (dataPath !== undefined) throw new FlagError('use --data (one durable node) or --redis (nodes sharing Redis), not both');
	return {redisUrl: raw, presenceTtlMs};
}

function withSecret(secret: string | undefined): {secret?: string} {
	return secret === undefined ? {} : {secret};
}

function checkOrigin(origin: string): string {
	if (origin === '*') return origin;
	try {
		const url = new URL(origin);
		if (url.origin !== 'null' && `${url.protocol}//${url.host}` === origin.replace(/\/$/, '')) return url.origin;
	} catch {
		// Reported below.
	}
	throw new FlagError(`--allow-origin ${JSON.stringify(origin)} must be an origin like https://chat.example.com, or *`);
}

/** Names of address ranges that --trust-proxy accepts besides addresses and CIDR ranges. */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * One --trust-proxy entry: an IPv4 or IPv6 address, a CIDR range (`10.0.0.0/8`, `fd00::/8`),
 * or loopback, linklocal, uniquelocal. Checked strictly here (net.isIP takes only the usual
 * dotted or colon forms; `8080` is not taken for 0.0.31.144).
 */
function checkTrustedProxy(raw: string): string {
	const entry = raw.trim();
	const bad = (): FlagError =>
		new FlagError(`--trust-proxy ${JSON.stringify(raw)} is not an address or range; use addresses or CIDR ranges like 10.0.0.5,10.1.0.0/16 or loopback`);
	if (PROXY_RANGE_NAMES.has(entry)) return entry;
	const [address = '', prefix, extra] = entry.split('/');
	const family = isIP(address);
	if (family === 0 || extra !== undefined) throw bad();
	if (prefix !== undefined) {
		const bits = /^\d{1,3}$/.test(prefix) ? Number(prefix) : -1;
		if (bits < 1 || bits > (family === 4 ? 32 : 128)) throw bad();
	}
	return entry;
}

/** A setting's raw value and the name to blame for it: the flag when given, else its environment variable. */
function fromFlagOrEnv(flag: string, value: string | undefined, variable: string, env: NodeJS.ProcessEnv): [string, string | undefined] {
	// Naming the environment variable matters: a user who never typed --port would look for the wrong mistake.
	return value === undefined ? [variable, env[variable]] : [flag, value];
}

/**
 * An integer setting from its flag, else its first environment variable, else its default, in
 * the table's range (source/cli/settings.ts); a bad value is blamed on where it came from.
 */
function integerSetting(key: IntegerSettingKey, flags: RawFlags, env: NodeJS.ProcessEnv): number {
	const {env: variables, default: fallback, min, max} = setting(key);
	if (typeof fallback !== 'number' || min === undefined || max === undefined) throw new Error(`settings: ${key} needs a numeric default, min and max`);
	const variable = variables?.[0];
	const [name, raw] = variable === undefined ? [flagName(key), flags[key]] : fromFlagOrEnv(flagName(key), flags[key], variable, env);
	return integer(name, raw, fallback, min, max);
}

function integer(flag: string, raw: string | undefined, fallback: number, min: number, max: number): number {
	if (raw === undefined) return fallback;
	const text = String(raw).trim();
	if (!/^-?\d+$/.test(text)) throw new FlagError(`${flag} must be a whole number, not ${JSON.stringify(String(raw))}`);
	const value = Number(text);
	if (value < min || value > max) throw new FlagError(`${flag} must be between ${min} and ${max}, not ${value}`);
	return value;
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
