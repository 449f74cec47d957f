/**
 * Issue 21: 100,000 idle WebSocket connections subscribed over 10,000 rooms, with a live room
 * beside them. The idle clients live in generator child processes (idle-fleet.ts), each on its
 * own loopback source address, since one process may open only `ulimit -Hn` files.
 *
 * One node gets as many of them as its own hard open-file limit allows (all 100,000 where the
 * limit is above that; 19,500 where it is 20,000, as on the machines these sessions run on):
 * memory per connection (RSS and heap after GC), connect + subscribe rate, the live room's p99
 * and max, and connections the heartbeat dropped. natter and the seed alike.
 *
 * When one node cannot hold them all, natter also runs the whole 100,000 the only way this
 * machine allows: over ceil(100,000 / per-node limit) natter nodes sharing a private
 * redis-server. That phase also reads Redis's INFO before and after: its cost per publish
 * (commands, µs, bytes) and per idle connection (the background), the inputs of docs/scaling.md.
 * The output names the limit; nothing claims 100,000 on one node that did not happen.
 */
import {IdleFleet} from '../idle-fleet.js';
import {Load} from '../load.js';
import {cpuMs, hardOpenFileLimit} from '../proc.js';
import {readRedis, redisCost, redisDelta, withoutBackground, type RedisDelta} from '../redis-info.js';
import {startCluster, type RunningServer} from '../servers.js';
import {fixedRate, type PhaseResult} from '../traffic.js';
import {fillRoom, pause, phaseNotes} from './setup.js';
import type {Metric, Scenario} from './types.js';

const KIB = 1024;
/** Connections in all (issue 21), and with --quick. */
const TOTAL = {full: 100_000, quick: 5000};
/** Idle connections per room: 100,000 over 10,000 rooms. */
const PER_ROOM = 10;
/** Descriptors a node keeps for itself below its hard limit (listening socket, Redis, stdio, node's own). */
const NODE_HEADROOM = 500;
/** --quick caps a node at this, so the spread phase runs in the smoke test too. */
const QUICK_NODE_CAP = 2500;
/** The live room: 10 members, one publishing 200 messages a second (2,000 deliveries/s). */
const LIVE = {members: 10, messagesPerSecond: 200};
/** Longer than natter's heartbeat interval (15 s): every idle connection is pinged during it. */
const LIVE_MS = {full: 16_000, quick: 3000};
/** The quiet stretch over which Redis's background cost per idle connection is read. */
const IDLE_MS = {full: 10_000, quick: 2000};
/** Handshakes in flight over the whole fleet. */
const CONCURRENCY = 200;

const METRICS: Metric[] = [
	{key: 'spreadFailed', label: 'spread phase failed (1) — see the notes', unit: '', digits: 0, target: {kind: 'max', value: 0}},
	{key: 'hardLimit', label: 'open-file hard limit per process (ulimit -Hn)', unit: '', digits: 0},
	{key: 'connections', label: 'one node: idle connections', unit: '', digits: 0},
	{key: 'perConnection', label: 'one node: RSS per connection (after GC)', unit: 'KiB', digits: 2, target: {kind: 'max', value: 8}},
	{key: 'heapPerConnection', label: 'one node: heap + external per connection (after GC)', unit: 'KiB', digits: 2},
	{key: 'heapFree', label: "one node: V8 heap committed but free after GC (young generation, free pages; in RSS, not per connection)", unit: 'MiB', digits: 1},
	{key: 'rate', label: 'one node: connect + subscribe rate', unit: '/s', digits: 0},
	{key: 'rss', label: 'one node: RSS with all connected', unit: 'MiB', digits: 1},
	{key: 'liveP99', label: 'one node: live room beside them, p99', unit: 'ms', digits: 2, target: {kind: 'max', value: 20}},
	{key: 'liveMax', label: 'one node: live room beside them, max', unit: 'ms', digits: 1},
	{key: 'dropped', label: 'one node: idle connections closed by the server', unit: '', digits: 0, target: {kind: 'max', value: 0}},
	{key: 'spreadConnections', label: 'spread: idle connections over all nodes', unit: '', digits: 0},
	{key: 'spreadNodes', label: 'spread: natter nodes on one private Redis', unit: '', digits: 0},
	{key: 'spreadRate', label: 'spread: connect + subscribe rate', unit: '/s', digits: 0},
	{key: 'spreadRss', label: 'spread: RSS of all nodes', unit: 'MiB', digits: 0},
	{key: 'spreadP99', label: 'spread: live room across nodes, p99', unit: 'ms', digits: 2, target: {kind: 'max', value: 20}},
	{key: 'spreadMax', label: 'spread: live room across nodes, max', unit: 'ms', digits: 1},
	{key: 'spreadDropped', label: 'spread: idle connections closed by the server', unit: '', digits: 0, target: {kind: 'max', value: 0}},
	{key: 'redisCommandsPerPublish', label: 'Redis: commands per publish', unit: '', digits: 2},
	{key: 'redisUsecPerPublish', label: 'Redis: command CPU per publish', unit: 'µs', digits: 1},
	{key: 'redisCpuPerPublish', label: 'Redis: redis-server CPU per publish (all of it, idle background included)', unit: 'µs', digits: 1},
	{key: 'redisInPerPublish', label: 'Redis: bytes in per publish', unit: 'B', digits: 0},
	{key: 'redisOutPerPublish', label: 'Redis: bytes out per publish (to all nodes)', unit: 'B', digits: 0},
	{key: 'redisIdleCommands', label: 'Redis: background commands per idle connection per minute', unit: '', digits: 3},
	{key: 'redisIdleUsec', label: 'Redis: background command CPU per idle connection per minute', unit: 'µs', digits: 1},
	{key: 'redisMemoryPerConnection', label: 'Redis: memory per idle connection', unit: 'B', digits: 0},
];

/** Where one node's share ends on this machine: its hard limit less headroom (quick: 2,500). */
export function nodeCapacity(quick: boolean, hardLimit = hardOpenFileLimit()): number {
	const byLimit = Number.isFinite(hardLimit) ? hardLimit - NODE_HEADROOM : TOTAL.full;
	return quick ? Math.min(QUICK_NODE_CAP, byLimit) : byLimit;
}

export function capacity100k(): Scenario {
	const total = (options: {quick: boolean; connections: number | undefined}): number => options.connections ?? (options.quick ? TOTAL.quick : TOTAL.full);
	return {
		name: 'capacity-100k',
		// 100,000 handshakes and a multi-node phase take 10-45 minutes: only when asked for by name.
		optIn: true,
		title: `${TOTAL.full.toLocaleString('en')} idle connections over ${(TOTAL.full / PER_ROOM).toLocaleString('en')} rooms (--quick ${TOTAL.quick.toLocaleString('en')}; --connections N): one node as many as \`ulimit -Hn\` allows, and natter's nodes on one Redis for the rest`,
		metrics: METRICS,
		// The idle clients are in child processes; this one holds the live room only.
		sockets: () => LIVE.members * 2,
		repetitions: () => 1,
		async run({server, options, log}) {
			const wanted = total(options);
			const hardLimit = hardOpenFileLimit();
			const cap = nodeCapacity(options.quick, hardLimit);
			const onNode = Math.min(wanted, cap);
			const notes: string[] = [];
			if (onNode < wanted) {
				notes.push(
					`open-file hard limit ${hardLimit} per process (not raisable here): one node holds ${onNode.toLocaleString('en')}, not ${wanted.toLocaleString('en')}` +
						(server.kind === 'seed' ? '' : `; all ${wanted.toLocaleString('en')} ran over ${Math.ceil(wanted / cap)} nodes on one Redis`),
				);
			}
			const liveMs = options.quick ? LIVE_MS.quick : LIVE_MS.full;
			const one = await idlePhase(server, onNode, liveMs, options.bytes, log, `${server.kind} one node`);
			const values: Record<string, number> = {
				hardLimit,
				connections: one.connected,
				perConnection: one.rssDelta / one.connected / KIB,
				heapPerConnection: one.heapDelta / one.connected / KIB,
				heapFree: one.heapFree / (KIB * KIB),
				rate: one.rate,
				rss: one.rss / (KIB * KIB),
				liveP99: one.live.latency.p99,
				liveMax: one.live.latency.max,
				dropped: one.dropped,
			};
			notes.push(...one.notes);
			let checks = one.checks;
			if (onNode < wanted && server.kind !== 'seed') {
				const nodes = Math.ceil(wanted / cap);
				log(`      spread: ${wanted.toLocaleString('en')} connections over ${nodes} natter nodes on a private redis-server`);
				let cluster: RunningServer | undefined;
				try {
					cluster = await startCluster('cluster', nodes, {});
					const spread = await idlePhase(cluster, wanted, liveMs, options.bytes, log, `${nodes} nodes`, options.quick ? IDLE_MS.quick : IDLE_MS.full);
					Object.assign(values, {
						spreadFailed: 0,
						spreadConnections: spread.connected,
						spreadNodes: nodes,
						spreadRate: spread.rate,
						spreadRss: spread.rss / (KIB * KIB),
						spreadP99: spread.live.latency.p99,
						spreadMax: spread.live.latency.max,
						spreadDropped: spread.dropped,
						...spread.redis,
					});
					notes.push(...spread.notes);
					checks = {
						subscribers: checks.subscribers + spread.checks.subscribers,
						expected: checks.expected + spread.checks.expected,
						losses: checks.losses + spread.checks.losses,
						duplicates: checks.duplicates + spread.checks.duplicates,
						orderViolations: checks.orderViolations + spread.checks.orderViolations,
						errors: checks.errors + spread.checks.errors,
					};
				} catch (error) {
					// The one-node figures stand on their own: a spread phase that fails is a note, not a lost run.
					notes.push(`spread phase FAILED: ${(error as Error).message}`);
					values.spreadFailed = 1;
				} finally {
					await cluster?.stop();
				}
			}
			return {values, checks, notes};
		},
	};
}

type IdleResult = {
	connected: number;
	rate: number;
	rss: number;
	rssDelta: number;
	heapDelta: number;
	/** heapTotal − heapUsed with all connected, after GC: memory V8 keeps committed for the heap. */
	heapFree: number;
	live: PhaseResult;
	dropped: number;
	checks: ReturnType<Load['checks']>;
	notes: string[];
	redis: Record<string, number>;
};

/**
 * Connect `count` idle clients (client i in room cap-(i / 10), on node i mod nodes), then run the
 * live room beside them for `liveMs`; with `idleMs` (a cluster), read Redis over a quiet stretch
 * and over the live phase.
 */
async function idlePhase(server: RunningServer, count: number, liveMs: number, bytes: number, log: (line: string) => void, what: string, idleMs?: number): Promise<IdleResult> {
	const fleet = new IdleFleet();
	const load = new Load(server.urls);
	const notes: string[] = [];
	const redis: Record<string, number> = {};
	try {
		await pause(300);
		const before = await server.memory();
		const rooms = Array.from({length: count}, (_, i) => `cap-${Math.floor(i / PER_ROOM)}`);
		const started = performance.now();
		const connected = await fleet.connect(server.urls, rooms, {userPrefix: 'idle', concurrency: CONCURRENCY, lifetimeMs: 45 * 60_000});
		const elapsed = performance.now() - started;
		if (connected.count < count) notes.push(`${what}: ${count - connected.count} of ${count} idle clients failed to connect (first: ${connected.failures[0] ?? '?'})`);
		log(`      ${what}: ${connected.count.toLocaleString('en')} connected and subscribed in ${(elapsed / 1000).toFixed(1)} s via ${fleet.size} generator processes (${fleet.addresses.join(', ')})`);
		await pause(1000);
		const after = await server.memory();
		if (before === undefined || after === undefined) notes.push(`${what}: no memory sample after GC (probe did not answer); RSS deltas from /proc instead`);
		const rss = server.rss();
		// Redis's background (presence refreshes: one script per room and node every TTL/3, a ZADD per
		// holder inside it) over a quiet stretch, per connection; subtracted from the live phase's.
		let background: {delta: RedisDelta; ms: number} | undefined;
		if (idleMs !== undefined && server.redisUrl !== undefined) {
			const quietBefore = await readRedis(server.redisUrl);
			const quietStarted = performance.now();
			await pause(idleMs);
			const quietAfter = await readRedis(server.redisUrl);
			background = {delta: redisDelta(quietBefore, quietAfter), ms: performance.now() - quietStarted};
			const perMinute = redisCost(background.delta, (connected.count * background.ms) / 60_000);
			redis.redisIdleCommands = perMinute.commands;
			redis.redisIdleUsec = perMinute.usec;
			redis.redisMemoryPerConnection = quietAfter.usedMemory / connected.count;
			notes.push(`Redis while idle, per connection per minute: ${perMinute.breakdown === '' ? 'nothing' : perMinute.breakdown}`);
		}
		const room = await fillRoom(load, 'live', LIVE.members, 1, bytes);
		const redisBefore = server.redisUrl === undefined ? undefined : await readRedis(server.redisUrl);
		const liveStarted = performance.now();
		const redisCpuBefore = server.redisPid === undefined ? Number.NaN : cpuMs(server.redisPid);
		const live = await fixedRate(load, server, room.publishers, {messagesPerSecond: LIVE.messagesPerSecond, durationMs: liveMs});
		if (redisBefore !== undefined && server.redisUrl !== undefined) {
			// redis-server's whole CPU (network I/O and parsing included, which commandstats leaves out), per publish, background included.
			redis.redisCpuPerPublish = ((cpuMs(server.redisPid!) - redisCpuBefore) * 1000) / live.published;
			const whole = redisDelta(redisBefore, await readRedis(server.redisUrl));
			const liveOnly = background === undefined ? whole : withoutBackground(whole, background.delta, (performance.now() - liveStarted) / background.ms);
			const cost = redisCost(liveOnly, live.published);
			Object.assign(redis, {redisCommandsPerPublish: cost.commands, redisUsecPerPublish: cost.usec, redisInPerPublish: cost.bytesIn, redisOutPerPublish: cost.bytesOut});
			notes.push(`Redis per publish (${live.published} publishes, ${server.urls.length} nodes, the idle background subtracted): ${cost.breakdown}`);
		}
		const report = await fleet.report();
		if (report.closed > 0) notes.push(`${what}: the server closed ${report.closed} idle connections (codes ${JSON.stringify(report.closeCodes)})`);
		if (report.errors.length > 0) notes.push(`${what}: error frames to idle clients, first: ${report.errors[0]}`);
		notes.push(...phaseNotes(live, `${what} live room`));
		notes.push(`${what}: generator processes' RSS ${(report.rss / (KIB * KIB)).toFixed(0)} MiB`);
		return {
			connected: connected.count,
			rate: (connected.count * 1000) / elapsed,
			rss,
			rssDelta: before !== undefined && after !== undefined ? after.rss - before.rss : Number.NaN,
			heapDelta: before !== undefined && after !== undefined ? after.heapUsed + after.external - (before.heapUsed + before.external) : Number.NaN,
			heapFree: after === undefined ? Number.NaN : after.heapTotal - after.heapUsed,
			live,
			// Every close an idle client saw came from the server: they never close themselves before stop().
			dropped: report.closed,
			checks: load.checks(),
			notes,
			redis,
		};
	} finally {
		load.closeAll();
		await fleet.stop();
	}
}
