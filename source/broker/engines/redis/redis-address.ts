/**
 * Where the Redis engine finds Redis, from a `--redis` value:
 * - `redis://host:port` / `rediss://…` (TLS): one Redis server, as ioredis takes it;
 * - `redis+cluster://host1:7000,host2:7001` / `rediss+cluster://…`: a Redis Cluster, given by
 *   one or more seed nodes (the client discovers the rest); credentials as in a redis:// URL.
 */
export type RedisAddress =
	| {kind: 'single'; url: string}
	| {kind: 'cluster'; nodes: Array<{host: string; port: number}>; username?: string; password?: string; tls: boolean};

/** A `--redis` value that cannot be used; the message is one sentence for the user. */
export class RedisAddressError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'RedisAddressError';
	}
}

const CLUSTER = /^(rediss?)\+cluster:\/\/(?:([^@/]*)@)?([^/?#@]+)\/?$/i;

/** Parse a `--redis` value; throws a RedisAddressError saying what is wrong and what is expected. */
export function parseRedisAddress(raw: string): RedisAddress {
	const quoted = JSON.stringify(raw);
	if (/^rediss?\+cluster:/i.test(raw)) {
		const match = CLUSTER.exec(raw);
		if (!match) throw new RedisAddressError(`${quoted} is not a cluster address; expected something like redis+cluster://10.0.0.5:7000,10.0.0.6:7000`);
		const [, scheme, userinfo, hostList] = match;
		const nodes = hostList!.split(',').map(part => {
			const seed = /^(\[[0-9a-f:.]+\]|[^:,[\]]+):(\d{1,5})$/i.exec(part.trim());
			const port = Number(seed?.[2]);
			if (!seed || port < 1 || port > 65_535) throw new RedisAddressError(`${quoted}: ${JSON.stringify(part)} is not host:port; every cluster seed needs both`);
			return {host: seed[1]!.replace(/^\[|\]$/g, ''), port};
		});
		const address: RedisAddress = {kind: 'cluster', nodes, tls: scheme!.toLowerCase() === 'rediss'};
		if (userinfo !== undefined && userinfo !== '') {
			const colon = userinfo.indexOf(':');
			const user = decodeURIComponent(colon < 0 ? '' : userinfo.slice(0, colon));
			const password = decodeURIComponent(colon < 0 ? userinfo : userinfo.slice(colon + 1));
			if (user !== '') address.username = user;
			if (password !== '') address.password = password;
		}
		return address;
	}
	let url: URL;
	try {
		url = new URL(raw);
	} catch {
		throw new RedisAddressError(`${quoted} is not a URL; expected something like redis://127.0.0.1:6379 or redis+cluster://host1:7000,host2:7000`);
	}
	if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new RedisAddressError(`${quoted} must start with redis://, rediss:// or redis+cluster://`);
	if (url.hostname === '') throw new RedisAddressError(`${quoted} names no host; expected something like redis://127.0.0.1:6379`);
	return {kind: 'single', url: raw};
}
