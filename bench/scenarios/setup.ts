/** Building blocks the scenarios share: filling a room, and turning phase results into metrics. */
import type {Load} from '../load.js';
import {Publisher} from '../load.js';
import {generatorThreads} from '../load-worker-pool.js';
import type {PhaseResult} from '../traffic.js';
import type {Metric} from './types.js';

/**
 * Put `members` clients into one room; the last `publishers` of them also publish. Publishers
 * join last so that, in both servers' fan-out order, their own echo comes after the room's
 * other members were written to: "taken" then means the whole room was served. The plain
 * subscribers live in `threads` worker threads (default: NATTER_BENCH_GEN_THREADS, else 2);
 * the publishers in this one.
 */
export async function fillRoom(
	load: Load,
	name: string,
	members: number,
	publishers: number,
	bytes: number,
	firstPublisherIndex = 0,
	threads = generatorThreads(),
): Promise<{publishers: Publisher[]; setupMs: number}> {
	const room = load.room(name);
	await load.startThreads(threads);
	const started = performance.now();
	await load.connectSubscribers(members - publishers, {prefix: `${name}-s`, subscribeTo: () => room, threads});
	const clients = await load.connect(publishers, {prefix: `${name}-p`, subscribeTo: () => room, concurrency: 1});
	return {
		publishers: clients.map((client, i) => new Publisher(client, firstPublisherIndex + i, room, bytes)),
		setupMs: performance.now() - started,
	};
}

/** The metrics a traffic phase yields, in table order. */
export const PHASE_METRICS: Metric[] = [
	{key: 'deliveries', label: 'deliveries/s', unit: '/s', digits: 0},
	{key: 'p50', label: 'latency p50', unit: 'ms', digits: 2},
	{key: 'p99', label: 'latency p99', unit: 'ms', digits: 2},
	{key: 'max', label: 'latency max', unit: 'ms', digits: 2},
	{key: 'serverCpu', label: 'server CPU', unit: '%', digits: 0},
	{key: 'cpuPerDelivery', label: 'server CPU per delivery', unit: 'µs', digits: 2},
	{key: 'generatorCpu', label: 'generator CPU', unit: '%', digits: 0},
	{key: 'generatorMainCpu', label: 'generator main thread CPU', unit: '%', digits: 0},
];

/** A phase as metric values (keys of PHASE_METRICS). */
export function phaseValues(phase: PhaseResult): Record<string, number> {
	return {
		deliveries: phase.deliveriesPerSecond,
		p50: phase.latency.p50,
		p99: phase.latency.p99,
		max: phase.latency.max,
		serverCpu: phase.serverCpu,
		cpuPerDelivery: phase.serverCpuPerDelivery,
		generatorCpu: phase.generatorCpu,
		generatorMainCpu: phase.generatorMainCpu,
	};
}

/** Notes worth printing about a phase. */
export function phaseNotes(phase: PhaseResult, what: string): string[] {
	return phase.stalled ? [`${what}: deliveries stopped arriving before every message was delivered`] : [];
}

/** A metric list with `target` set on the one named `key`. */
export function withTarget(metrics: Metric[], key: string, target: Metric['target']): Metric[] {
	return metrics.map(metric => (metric.key === key ? {...metric, target} : metric));
}

/** Sleep. */
export function pause(ms: number): Promise<void> {
	return new Promise(resolve => setTimeout(resolve, ms));
}
