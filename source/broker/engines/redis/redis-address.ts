/**
 * Where the Redis engine finds Redis, from a `--redis` value:
 * - `redis://host:port` / `rediss://…` (TLS): one Redis server, as ioredis takes it;
 * - `redis+cluster://host1:7000,host2:7001` / `rediss+cluster://…`: a Redis Cluster, given by
 *   one or more seed nodes (the client discovers the rest); credentials as in a redis:// URL;
 * - `redis+sentinel://host1:26379,host2:26379/MASTER[/DB]` / `rediss+sentinel://…`: the master
 *   that Redis Sentinel names MASTER (asked of any of the sentinels, again after a failover);
 *   a sentinel's port defaults to 26379; credentials, as in a redis:// URL, are the master's (sentinels
 *   without a password); `rediss+sentinel` uses TLS to the sentinels and to the master.
 */
export type RedisAddress =
	| {kind: 'single'; url: string}
	| ({kind: 'cluster'; nodes: HostPort[]} & Credentials)
	| ({kind: 'sentinel'; sentinels: HostPort[]; name: string; db: number} & Credentials);

/** One node's address. */
export type HostPort = {host: string; port: number};

/** `user:password@` of an address, and whether to use TLS (`rediss`). */
export type Credentials = {username?: string; password?: string; tls: boolean};

/** A `--redis` value that cannot be used; the message is one sentence for the user. */
export class RedisAddressError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'RedisAddressError';
	}
}

const CLUSTER = /^(rediss?)\+cluster:\/\/(?:([^@/]*)@)?([^/?#@]+)\/?$/i;
const SENTINEL = /^(rediss?)\+sentinel:\/\/(?:([^@/]*)@)?([^/?#@]+)\/([^/?#]*)(?:\/([^/?#]*))?$/i;
const SENTINEL_EXAMPLE = 'redis+sentinel://10.0.0.5:26379,10.0.0.6:26379/mymaster';

/** Parse a `--redis` value; throws a RedisAddressError saying what is wrong and what is expected. */
export function parseRedisAddress(raw: string): RedisAddress {
	const quoted = JSON.stringify(raw);
	if (/^rediss?\+cluster:/i.test(raw)) {
		const match = CLUSTER.exec(raw);
		if (!match) throw new RedisAddressError(`${quoted} is not a cluster address; expected something like redis+cluster://10.0.0.5:7000,10.0.0.6:7000`);
		const [, scheme, userinfo, hostList] = match;
		return {kind: 'cluster', nodes: hostPorts(quoted, hostList!, 'every cluster seed needs both'), ...credentials(scheme!, userinfo)};
	}
	if (/^rediss?\+sentinel:/i.test(raw)) {
		const match = SENTINEL.exec(raw);
		if (!match) throw new RedisAddressError(`${quoted} is not a Sentinel address; expected sentinels and the master's name, like ${SENTINEL_EXAMPLE}`);
		const [, scheme, userinfo, hostList, name, db] = match;
		const sentinels = hostPorts(quoted, hostList!, "a sentinel's port, when given, is 1 to 65535", 26_379);
		let masterName: string;
		try {
			masterName = decodeURIComponent(name!);
		} catch {
			masterName = '';
		}
		if (!/^[\w.-]{1,128}$/.test(masterName)) {
			throw new RedisAddressError(`${quoted}: ${JSON.stringify(name)} is not a master name; after the sentinels comes the name Sentinel monitors (letters, digits, . _ -), like ${SENTINEL_EXAMPLE}`);
		}
		if (db !== undefined && !/^\d{1,4}$/.test(db)) throw new RedisAddressError(`${quoted}: ${JSON.stringify(db)} is not a database number; the optional /DB after the master's name is 0 to 9999`);
		return {kind: 'sentinel', sentinels, name: masterName, db: Number(db ?? 0), ...credentials(scheme!, userinfo)};
	}
	let url: URL;
	try {
		url = new URL(raw);
	} catch {
		throw new RedisAddressError(`${quoted} is not a URL; expected something like redis://127.0.0.1:6379, redis+cluster://host1:7000,host2:7000 or ${SENTINEL_EXAMPLE}`);
	}
	if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new RedisAddressError(`${quoted} must start with redis://, rediss://, redis+cluster:// or redis+sentinel://`);
	if (url.hostname === '') throw new RedisAddressError(`${quoted} names no host; expected something like redis://127.0.0.1:6379`);
	return {kind: 'single', url: raw};
}

/** `h1:p1,h2:p2` (IPv6 in brackets); without `defaultPort` every entry needs its port. */
function hostPorts(quoted: string, list: string, rule: string, defaultPort?: number): HostPort[] {
	return list.split(',').map(part => {
		const entry = /^(\[[0-9a-f:.]+\]|[^:,[\]]+)(?::(\d{1,5}))?$/i.exec(part.trim());
		const port = entry?.[2] === undefined ? defaultPort : Number(entry[2]);
		if (!entry || port === undefined || port < 1 || port > 65_535) throw new RedisAddressError(`${quoted}: ${JSON.stringify(part)} is not host:port; ${rule}`);
		return {host: entry[1]!.replace(/^\[|\]$/g, ''), port};
	});
}

/** The `user:password@` part (both percent-decoded; a lone value is the password, as in redis://). */
function credentials(scheme: string, userinfo: string | undefined): Credentials {
	const found: Credentials = {tls: scheme.toLowerCase() === 'rediss'};
	if (userinfo === undefined || userinfo === '') return found;
	const colon = userinfo.indexOf(':');
	let user: string;
	let password: string;
	try {
		user = decodeURIComponent(colon < 0 ? '' : userinfo.slice(0, colon));
		password = decodeURIComponent(colon < 0 ? userinfo : userinfo.slice(colon + 1));
	} catch {
		throw new RedisAddressError("value's user:password part has a bad %-escape (write a % itself as %25)");
	}
	if (user !== '') found.username = user;
	if (password !== '') found.password = password;
	return found;
}
