/**
 * What a private redis-server has done, from `INFO commandstats`, `INFO stats` and `INFO memory`,
 * read before and after a phase: the capacity scenario divides the difference by the messages
 * published (per-publish cost on Redis) or by connections and seconds (background cost).
 */
import {Redis} from 'ioredis';

/** Counters of one redis-server at one moment. */
export type RedisCounters = {
	/** Per command (lower case, e.g. `evalsha`, `publish`): calls and CPU µs inside Redis. */
	commands: Record<string, {calls: number; usec: number}>;
	netInputBytes: number;
	netOutputBytes: number;
	usedMemory: number;
};

/** What Redis did between two readings: per command calls and µs, bytes in and out. */
export type RedisDelta = {commands: Record<string, {calls: number; usec: number}>; bytesIn: number; bytesOut: number};

/** The cost of a delta per unit of work. */
export type RedisCost = {
	/** Commands per unit, all kinds (commands that scripts call are counted too, as Redis does). */
	commands: number;
	/** µs of Redis CPU time inside commands per unit (commandstats' usec). */
	usec: number;
	/** Bytes into / out of Redis per unit (pub/sub pushes to the nodes included). */
	bytesIn: number;
	bytesOut: number;
	/** The busiest commands per unit: `name calls/unit (µs/call)`. */
	breakdown: string;
};

/**
 * after - before, less the reading's own commands (an INFO connection sends three INFOs, and
 * CLIENT/HELLO on connect), so a quiet Redis shows nothing.
 */
export function redisDelta(before: RedisCounters, after: RedisCounters): RedisDelta {
	const commands: RedisDelta['commands'] = {};
	for (const [name, now] of Object.entries(after.commands)) {
		if (name === 'client' || name === 'hello') continue;
		const was = before.commands[name] ?? {calls: 0, usec: 0};
		const calls = now.calls - was.calls - (name === 'info' ? 3 : 0);
		if (calls > 0) commands[name] = {calls, usec: now.usec - was.usec};
	}
	return {commands, bytesIn: after.netInputBytes - before.netInputBytes, bytesOut: after.netOutputBytes - before.netOutputBytes};
}

/** `delta` less `factor` times `background` (e.g. an idle stretch's work scaled to the phase's length), floored at 0. */
export function withoutBackground(delta: RedisDelta, background: RedisDelta, factor: number): RedisDelta {
	const commands: RedisDelta['commands'] = {};
	for (const [name, stat] of Object.entries(delta.commands)) {
		const base = background.commands[name] ?? {calls: 0, usec: 0};
		const calls = stat.calls - base.calls * factor;
		if (calls > 0) commands[name] = {calls, usec: Math.max(0, stat.usec - base.usec * factor)};
	}
	return {commands, bytesIn: Math.max(0, delta.bytesIn - background.bytesIn * factor), bytesOut: Math.max(0, delta.bytesOut - background.bytesOut * factor)};
}

/** A delta divided by `units`. */
export function redisCost(delta: RedisDelta, units: number): RedisCost {
	const rows = Object.entries(delta.commands).map(([name, stat]) => ({name, ...stat}));
	rows.sort((a, b) => b.calls - a.calls);
	return {
		commands: rows.reduce((sum, r) => sum + r.calls, 0) / units,
		usec: rows.reduce((sum, r) => sum + r.usec, 0) / units,
		bytesIn: delta.bytesIn / units,
		bytesOut: delta.bytesOut / units,
		breakdown: rows
			.slice(0, 8)
			.map(r => `${r.name} ${(r.calls / units).toFixed(3)} (${(r.usec / r.calls).toFixed(1)} µs)`)
			.join(', '),
	};
}

/** One reading over a connection of its own (closed afterwards). */
export async function readRedis(url: string): Promise<RedisCounters> {
	const redis = new Redis(url, {lazyConnect: true, maxRetriesPerRequest: 1});
	try {
		await redis.connect();
		const [commandstats, stats, memory] = await Promise.all([redis.info('commandstats'), redis.info('stats'), redis.info('memory')]);
		const commands: RedisCounters['commands'] = {};
		for (const match of commandstats.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) commands[match[1]!] = {calls: Number(match[2]), usec: Number(match[3])};
		const field = (text: string, name: string): number => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(text)?.[1] ?? Number.NaN);
		return {commands, netInputBytes: field(stats, 'total_net_input_bytes'), netOutputBytes: field(stats, 'total_net_output_bytes'), usedMemory: field(memory, 'used_memory')};
	} finally {
		redis.disconnect();
	}
}
