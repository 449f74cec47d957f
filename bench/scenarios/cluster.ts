/**
 * The cluster: three natter nodes sharing one Redis, the room's subscribers (and its
 * publishers) spread round-robin over the nodes, against one natter node on the same Redis
 * engine; one node on the memory engine is run too, for information. natter against natter:
 * the seed has no cluster, so this scenario's columns are "cluster of 3" and "one node" (see
 * `sides`, and bench/README.md).
 *
 * Every run starts its own redis-server (a free port, no persistence; servers.ts) and stops it
 * afterwards, so runs share no state. Sequences are per room and assigned in Redis, so every
 * subscriber, on whichever node, must see the room's sequence go up by one: the usual checks.
 */
import {spawnSync} from 'node:child_process';
import {Load} from '../load.js';
import {cpuMs} from '../proc.js';
import type {Sides} from '../report.js';
import {CLUSTER_NODES} from '../servers.js';
import {closedLoop} from '../traffic.js';
import {fillRoom, PHASE_METRICS, phaseNotes, phaseValues} from './setup.js';
import type {Metric, Scenario} from './types.js';

/**
 * Room size. Not 1,000 as in room-1000: on the Redis engine every join lists the whole room (a Lua
 * script, then parsed by the node: O(members) per join, O(n²) for the room), and with 200 joins
 * in flight on a busy 2-core machine the replies come later than natter's 5 s Redis command
 * timeout from about 600 members on: joins fail with `unavailable` (bench/README.md, "The cluster
 * scenario").
 */
const SUBSCRIBERS = {full: 500, quick: 200};
const PUBLISHERS = 4;
const PHASE_MS = {full: 3000, quick: 1500};
const WARM_UP_MS = 500;

/** The phase's metrics, natter's CPU summed over the nodes, and redis-server's CPU after it. */
const METRICS: Metric[] = [
	...PHASE_METRICS.flatMap((metric): Metric[] => {
		if (metric.key === 'serverCpu') return [{...metric, label: 'natter CPU (nodes summed)'}];
		if (metric.key === 'cpuPerDelivery') return [{...metric, label: 'natter CPU per delivery'}, {key: 'redisCpu', label: 'redis-server CPU', unit: '%', digits: 0}];
		return [metric];
	}),
	{key: 'setup', label: 'room setup (subscribe all)', unit: 'ms', digits: 0},
];

/** Which runs fill the two columns: the cluster, one node on Redis; one node on the memory engine as extra rows. */
export const CLUSTER_SIDES: Sides = {
	first: 'cluster',
	second: 'one-node',
	labels: [`cluster of ${CLUSTER_NODES}`, 'one node', `${CLUSTER_NODES} nodes/1`],
	also: {kind: 'natter', label: 'vs one node, memory engine', metrics: ['deliveries', 'p99', 'serverCpu', 'cpuPerDelivery']},
};

export function cluster(): Scenario & {sides: Sides} {
	const size = (quick: boolean): number => (quick ? SUBSCRIBERS.quick : SUBSCRIBERS.full);
	return {
		name: 'cluster',
		title: `${CLUSTER_NODES} natter nodes on one Redis vs one node: one room of ${SUBSCRIBERS.full}, subscribers and publishers spread over the nodes, closed loop (natter only)`,
		metrics: METRICS,
		sides: CLUSTER_SIDES,
		skip: options => (options.servers.includes('natter') ? noRedisServer() : 'natter only (cluster of 3 vs one node): add --server natter'),
		sockets: options => size(options.quick),
		async run({server, options}) {
			const members = size(options.quick);
			const load = new Load(server.urls);
			try {
				// Client i goes to node i % 3: the subscribers, then the publishers, each spread over the nodes.
				const room = await fillRoom(load, 'bench', members, PUBLISHERS, options.bytes);
				const window = Math.min(64, Math.max(2, Math.ceil(10_000 / (members * PUBLISHERS))));
				await closedLoop(load, server, room.publishers, {durationMs: WARM_UP_MS, window, measureLatency: false});
				const redisBefore = server.redisPid === undefined ? Number.NaN : cpuMs(server.redisPid);
				const started = performance.now();
				const phase = await closedLoop(load, server, room.publishers, {durationMs: options.quick ? PHASE_MS.quick : PHASE_MS.full, window});
				const wallMs = performance.now() - started;
				const redisCpu = server.redisPid === undefined ? Number.NaN : ((cpuMs(server.redisPid) - redisBefore) / wallMs) * 100;
				return {
					values: {...phaseValues(phase), redisCpu, setup: room.setupMs, published: phase.published, nodes: server.urls.length},
					checks: load.checks(),
					notes: [...phaseNotes(phase, 'closed loop'), ...(options.quick ? [`quick: ${members} subscribers`] : [])],
				};
			} finally {
				load.closeAll();
			}
		},
	};
}

/** Why the cluster cannot run here (no redis-server on the PATH), or undefined. */
function noRedisServer(): string | undefined {
	const result = spawnSync('redis-server', ['--version'], {stdio: 'ignore'});
	return result.error === undefined && result.status === 0 ? undefined : 'redis-server is not on the PATH: the cluster scenario starts its own';
}
