import {userInfo} from 'node:os';
import {MIN_SECRET_LENGTH, parseDuration} from '../auth/tokens.js';
import {checkRoomName, checkUserName} from '../protocol/names.js';

/** Raw flags as meow hands them over (numbers arrive as strings so we can explain bad ones). */
export type RawFlags = {
	serve: boolean;
	headless: boolean;
	json: boolean;
	host?: string;
	port?: string;
	url: string[];
	name?: string;
	room: string[];
	historySize?: string;
	historyTtl?: string;
	maxPayload?: string;
	heartbeat?: string;
	grace?: string;
	maxBuffered?: string;
	data?: string;
	redis?: string;
	presenceTtl?: string;
	secret?: string;
	token?: string;
	admin?: boolean;
	ttl?: string;
	rate?: string;
	burst?: string;
	identifyTimeout?: string;
	maxConnsPerIp?: string;
	allowOrigin?: string[];
	compress?: boolean;
	flushTimeout?: string;
};

/** Broker settings taken from flags and environment. */
export type ServeSettings = {
	host?: string;
	port: number;
	historySize: number;
	historyTtl: number;
	maxPayload: number;
	heartbeatMs: number;
	graceMs: number;
	maxBufferedBytes: number;
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
};

/** What the command line asks natter to do. */
export type CliPlan =
	| {mode: 'headless'; serve: ServeSettings}
	/** `flushMs`: how long --json's end waits for pending messages (`--flush-timeout`). */
	| {mode: 'tui' | 'json'; serve?: ServeSettings; urls: string[]; name: string; rooms: string[]; token?: string; flushMs: number}
	| {mode: 'token'; secret: string; name: string; admin: boolean; ttlSeconds: number};

export type ParseFlagsResult = {ok: true; plan: CliPlan} | {ok: false; error: string};

/**
 * Validate flags and environment into a plan. Every mistake gets one specific sentence;
 * nothing here throws or exits, so the CLI decides how to report.
 */
export function parseFlags(flags: RawFlags, env: NodeJS.ProcessEnv, command?: string): ParseFlagsResult {
	try {
		if (command !== undefined && command !== 'token') throw new FlagError(`unknown command ${JSON.stringify(command)}; the only command is "token"`);
		return {ok: true, plan: command === 'token' ? tokenPlan(flags, env) : plan(flags, env)};
	} catch (error) {
		if (error instanceof FlagError) return {ok: false, error: error.message};
		throw error;
	}
}

class FlagError extends Error {}

/** `natter token --secret S --name N [--admin] [--ttl 24h]`. */
function tokenPlan(flags: RawFlags, env: NodeJS.ProcessEnv): CliPlan {
	const secret = checkSecret(flags.secret ?? env.NATTER_SECRET);
	if (secret === undefined) throw new FlagError('natter token needs the broker secret: --secret S or NATTER_SECRET');
	if (flags.name === undefined) throw new FlagError('natter token needs --name: the user the token is for');
	const why = checkUserName(flags.name);
	if (why) throw new FlagError(`--name ${JSON.stringify(flags.name)}: ${why}`);
	const ttlSeconds = parseDuration(flags.ttl ?? '24h');
	if (ttlSeconds === undefined) throw new FlagError(`--ttl ${JSON.stringify(flags.ttl)} is not a duration; use e.g. 90s, 30m, 24h or 7d`);
	return {mode: 'token', secret, name: flags.name, admin: flags.admin === true, ttlSeconds};
}

function checkSecret(secret: string | undefined): string | undefined {
	if (secret === undefined || secret === '') return undefined;
	if (secret.length < MIN_SECRET_LENGTH) throw new FlagError(`the secret must be at least ${MIN_SECRET_LENGTH} characters long`);
	return secret;
}

function plan(flags: RawFlags, env: NodeJS.ProcessEnv): CliPlan {
	if (flags.headless && !flags.serve) throw new FlagError('--headless only makes sense with --serve');
	if (flags.headless && flags.json) throw new FlagError('--headless runs no client, so --json has nothing to print');
	if (flags.serve && flags.url.length > 0) throw new FlagError('use --serve to host or --url to join, not both');
	if (!flags.serve && (flags.host !== undefined || flags.port !== undefined)) {
		throw new FlagError('--host and --port set where --serve listens; to join a broker, use --url ws://host:port');
	}
	if (!flags.serve && flags.data !== undefined) throw new FlagError('--data is where --serve keeps its rooms; it needs --serve');
	if (!flags.serve && flags.redis !== undefined) throw new FlagError('--redis is where --serve nodes share their rooms; it needs --serve');
	if (!flags.serve && flags.secret !== undefined) throw new FlagError('--secret makes a --serve broker require tokens; to join one, use --token');
	if (flags.admin || flags.ttl !== undefined) throw new FlagError('--admin and --ttl belong to natter token');
	const serve = flags.serve ? serveSettings(flags, env) : undefined;
	if (serve && flags.headless) return {mode: 'headless', serve};

	const urls = flags.url.map(checkUrl);
	if (!serve && urls.length === 0) {
		throw new FlagError('nothing to connect to: give --url ws://host:port to join, or --serve to host a room');
	}
	const name = flags.name ?? env.NATTER_NAME ?? osUserName();
	const whyName = checkUserName(name);
	if (whyName) throw new FlagError(`--name ${JSON.stringify(name)}: ${whyName}`);
	const rooms = flags.room.length > 0 ? flags.room : ['general'];
	for (const room of rooms) {
		const why = checkRoomName(room);
		if (why) throw new FlagError(`--room ${JSON.stringify(room)}: ${why}`);
	}
	const token = flags.token ?? (env.NATTER_TOKEN || undefined);
	if (token !== undefined && !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) throw new FlagError('--token is not a JWT (three base64url parts separated by dots)');
	if (flags.flushTimeout !== undefined && !flags.json) throw new FlagError('--flush-timeout is how long --json waits for pending messages at its end; it needs --json');
	const flushMs = integer('--flush-timeout', flags.flushTimeout, 5, 0, 3600) * 1000;
	return {mode: flags.json ? 'json' : 'tui', ...(serve ? {serve} : {}), urls, name, rooms, ...(token === undefined ? {} : {token}), flushMs};
}

function serveSettings(flags: RawFlags, env: NodeJS.ProcessEnv): ServeSettings {
	const port = integer(...fromFlagOrEnv('--port', flags.port, 'PORT', env), 8080, 0, 65535);
	const host = flags.host;
	if (host !== undefined && (host.length === 0 || /[\s/]/.test(host))) throw new FlagError(`--host ${JSON.stringify(host)} is not a host name or address`);
	// An empty NATTER_DATA counts as unset (container environments often declare it empty); an empty --data is a mistake.
	const dataPath = flags.data ?? (env.NATTER_DATA || undefined);
	if (dataPath !== undefined && dataPath.trim() === '') throw new FlagError('--data needs the path of a file, like --data /var/lib/natter/rooms.db');
	return {
		...(host === undefined ? {} : {host}),
		port,
		historySize: integer(...fromFlagOrEnv('--history-size', flags.historySize, 'HISTORY_SIZE', env), 100, 1, 1_000_000),
		historyTtl: integer(...fromFlagOrEnv('--history-ttl', flags.historyTtl, 'HISTORY_TTL', env), 0, 0, 10 * 365 * 24 * 3600),
		maxPayload: integer('--max-payload', flags.maxPayload, 64 * 1024, 1024, 16 * 1024 * 1024),
		heartbeatMs: integer('--heartbeat', flags.heartbeat, 15, 1, 3600) * 1000,
		graceMs: integer('--grace', flags.grace, 5, 0, 3600) * 1000,
		maxBufferedBytes: integer('--max-buffered', flags.maxBuffered, 4 * 1024 * 1024, 64 * 1024, 1024 * 1024 * 1024),
		...(dataPath === undefined ? {} : {dataPath}),
		...redisSettings(flags, env, dataPath),
		...withSecret(checkSecret(flags.secret ?? env.NATTER_SECRET)),
		rate: integer('--rate', flags.rate, 20, 1, 100_000),
		burst: integer('--burst', flags.burst, 50, 1, 1_000_000),
		identifyTimeoutMs: integer('--identify-timeout', flags.identifyTimeout, 30, 0, 3600) * 1000,
		maxConnectionsPerIp: integer('--max-conns-per-ip', flags.maxConnsPerIp, 256, 1, 1_000_000),
		allowOrigins: (flags.allowOrigin ?? []).map(checkOrigin),
		compress: flags.compress === true,
	};
}

/**
 * `--redis URL` (or NATTER_REDIS, or the conventional REDIS_URL): a redis:// or rediss:// URL; it
 * replaces --data, it does not add to it. An explicit --data wins over a Redis URL that only
 * comes from the environment (REDIS_URL is often set for other programs).
 */
function redisSettings(flags: RawFlags, env: NodeJS.ProcessEnv, dataPath: string | undefined): {redisUrl?: string; presenceTtlMs: number} {
	const presenceTtlMs = integer(...fromFlagOrEnv('--presence-ttl', flags.presenceTtl, 'NATTER_PRESENCE_TTL', env), 15, 1, 3600) * 1000;
	const fromEnv = env.NATTER_REDIS ? 'NATTER_REDIS' : env.REDIS_URL ? 'REDIS_URL' : 'NATTER_REDIS';
	const [flag, raw] = fromFlagOrEnv('--redis', flags.redis, fromEnv, env);
	// As with NATTER_DATA, an empty variable counts as unset; an explicit --data beats the environment.
	if (raw === undefined || (raw === '' && flag !== '--redis')) return {presenceTtlMs};
	if (flag !== '--redis' && dataPath !== undefined && flags.data !== undefined) return {presenceTtlMs};
	let url: URL;
	try {
		url = new URL(raw);
	} catch {
		throw new FlagError(`${flag} ${JSON.stringify(raw)} is not a URL; expected something like redis://127.0.0.1:6379`);
	}
	if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new FlagError(`${flag} ${JSON.stringify(raw)} must start with redis:// or rediss://`);
	if (url.hostname === '') throw new FlagError(`${flag} ${JSON.stringify(raw)} names no host; expected something like redis://127.0.0.1:6379`);
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

/** A setting's raw value and the name to blame for it: the flag when given, else its environment variable. */
function fromFlagOrEnv(flag: string, value: string | undefined, variable: string, env: NodeJS.ProcessEnv): [string, string | undefined] {
	// Naming the environment variable matters: a user who never typed --port would look for the wrong mistake.
	return value === undefined ? [variable, env[variable]] : [flag, value];
}

function integer(flag: string, raw: string | undefined, fallback: number, min: number, max: number): number {
	if (raw === undefined) return fallback;
	const text = String(raw).trim();
	if (!/^-?\d+$/.test(text)) throw new FlagError(`${flag} must be a whole number, not ${JSON.stringify(String(raw))}`);
	const value = Number(text);
	if (value < min || value > max) throw new FlagError(`${flag} must be between ${min} and ${max}, not ${value}`);
	return value;
}

function checkUrl(raw: string): string {
	let url: URL;
	try {
		url = new URL(raw);
	} catch {
		throw new FlagError(`--url ${JSON.stringify(raw)} is not a URL; expected something like ws://host:8080`);
	}
	if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
		throw new FlagError(`--url ${JSON.stringify(raw)} must start with ws:// or wss://`);
	}
	return url.toString().replace(/\/$/, '');
}

function osUserName(): string {
	try {
		return userInfo().username || 'anonymous';
	} catch {
		return 'anonymous';
	}
}
