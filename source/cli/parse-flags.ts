import {userInfo} from 'node:os';
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
};

/** What the command line asks natter to do. */
export type CliPlan =
	| {mode: 'headless'; serve: ServeSettings}
	| {mode: 'tui' | 'json'; serve?: ServeSettings; urls: string[]; name: string; rooms: string[]};

export type ParseFlagsResult = {ok: true; plan: CliPlan} | {ok: false; error: string};

/**
 * Validate flags and environment into a plan. Every mistake gets one specific sentence;
 * nothing here throws or exits, so the CLI decides how to report.
 */
export function parseFlags(flags: RawFlags, env: NodeJS.ProcessEnv): ParseFlagsResult {
	try {
		return {ok: true, plan: plan(flags, env)};
	} catch (error) {
		if (error instanceof FlagError) return {ok: false, error: error.message};
		throw error;
	}
}

class FlagError extends Error {}

function plan(flags: RawFlags, env: NodeJS.ProcessEnv): CliPlan {
	if (flags.headless && !flags.serve) throw new FlagError('--headless only makes sense with --serve');
	if (flags.headless && flags.json) throw new FlagError('--headless runs no client, so --json has nothing to print');
	if (flags.serve && flags.url.length > 0) throw new FlagError('use --serve to host or --url to join, not both');
	if (!flags.serve && (flags.host !== undefined || flags.port !== undefined)) {
		throw new FlagError('--host and --port set where --serve listens; to join a broker, use --url ws://host:port');
	}
	if (!flags.serve && flags.data !== undefined) throw new FlagError('--data is where --serve keeps its rooms; it needs --serve');
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
	return {mode: flags.json ? 'json' : 'tui', ...(serve ? {serve} : {}), urls, name, rooms};
}

function serveSettings(flags: RawFlags, env: NodeJS.ProcessEnv): ServeSettings {
	const port = integer('--port', flags.port ?? env.PORT, 8080, 0, 65535);
	const host = flags.host;
	if (host !== undefined && (host.length === 0 || /[\s/]/.test(host))) throw new FlagError(`--host ${JSON.stringify(host)} is not a host name or address`);
	// An empty NATTER_DATA counts as unset (container environments often declare it empty); an empty --data is a mistake.
	const dataPath = flags.data ?? (env.NATTER_DATA || undefined);
	if (dataPath !== undefined && dataPath.trim() === '') throw new FlagError('--data needs the path of a file, like --data /var/lib/natter/rooms.db');
	return {
		...(host === undefined ? {} : {host}),
		port,
		historySize: integer('--history-size', flags.historySize ?? env.HISTORY_SIZE, 100, 1, 1_000_000),
		historyTtl: integer('--history-ttl', flags.historyTtl ?? env.HISTORY_TTL, 0, 0, 10 * 365 * 24 * 3600),
		maxPayload: integer('--max-payload', flags.maxPayload, 64 * 1024, 1024, 16 * 1024 * 1024),
		heartbeatMs: integer('--heartbeat', flags.heartbeat, 15, 1, 3600) * 1000,
		graceMs: integer('--grace', flags.grace, 5, 0, 3600) * 1000,
		maxBufferedBytes: integer('--max-buffered', flags.maxBuffered, 4 * 1024 * 1024, 64 * 1024, 1024 * 1024 * 1024),
		...(dataPath === undefined ? {} : {dataPath}),
	};
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
