/**
 * What a broker started by --serve (or --headless) is set to: its limits, engine (--data,
 * --redis), secret, origins and trusted proxies, checked from flags and environment. The chat
 * client's own settings stay in parse-flags.ts, which calls serveSettings when --serve is given.
 */
import {isIP} from 'node:net';
import {GOOD_SECRET_HINT, weakSecretReason} from '../auth/secrets.js';
import {parseRedisAddress, RedisAddressError} from '../broker/engines/redis/redis-address.js';
import {FlagError} from './flag-error.js';
import {fromFlagOrEnv, integerSetting} from './integer-setting.js';
import type {RawFlags} from './settings.js';
import {defined} from '../defined.js';

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
	/** With --redis: replicas that must have a publish before it is acknowledged (`--redis-wait`; 0 = none). */
	redisWait?: number;
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

/** The broker's settings (--serve, --headless) from flags and environment; throws FlagError at the first mistake. */
export function serveSettings(flags: RawFlags, env: NodeJS.ProcessEnv): ServeSettings {
	const port = integerSetting('port', flags, env);
	const host = flags.host;
	if (host !== undefined && (host.length === 0 || /[\s/]/.test(host))) throw new FlagError(`--host ${JSON.stringify(host)} is not a host name or address`);
	// An empty NATTER_DATA counts as unset (container environments often declare it empty); an empty --data is a mistake.
	const dataPath = flags.data ?? (env.NATTER_DATA || undefined);
	if (dataPath !== undefined && dataPath.trim() === '') throw new FlagError('--data needs the path of a file, like --data /var/lib/natter/rooms.db');
	return {
		...defined({host}),
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
		...defined({dataPath}),
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
function redisSettings(flags: RawFlags, env: NodeJS.ProcessEnv, dataPath: string | undefined): {redisUrl?: string; presenceTtlMs: number; redisWait?: number} {
	const presenceTtlMs = integerSetting('presenceTtl', flags, env) * 1000;
	const redisWait = integerSetting('redisWait', flags, env);
	if (redisWait > 0 && flags.redis === undefined && !env.NATTER_REDIS && !env.REDIS_URL) throw new FlagError('--redis-wait is how many Redis replicas must have a publish; it needs --redis');
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
	return {redisUrl: raw, presenceTtlMs, ...(redisWait > 0 ? {redisWait} : {})};
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

/** A broker secret, refused when it is too easy to guess; empty or absent means none. */
export function checkSecret(secret: string | undefined): string | undefined {
	if (secret === undefined || secret === '') return undefined;
	const why = weakSecretReason(secret);
	// The secret itself is never echoed: it may be nearly right, and terminals get logged.
	if (why) throw new FlagError(`the secret is too easy to guess (${why}); ${GOOD_SECRET_HINT}`);
	return secret;
}
