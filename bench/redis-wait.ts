// What `--redis-wait 1` costs: publishes through the Redis engine on a private local Redis
// Cluster (3 masters, 3 replicas; test/helpers/redis-cluster.ts), without and with WAIT 1.
// Sequential publishes give the latency one sender sees; 64 in flight give the throughput of a
// busy node. Engine level (no WebSocket), so the figure is the cost of the WAIT alone.
// Run: node --import tsx bench/redis-wait.ts (three rounds of each; the first warms up the cluster)
import {performance} from 'node:perf_hooks';
import {createRedisEngine} from '../source/broker/engines/redis/redis-engine.js';
import {startRedisCluster} from '../test/helpers/redis-cluster.js';

const SEQUENTIAL = 3000;
const CONCURRENT = 64;
const BURST = 20_000;

const cluster = await startRedisCluster();
try {
	for (const waitReplicas of [0, 1, 0, 1, 0, 1]) {
		const engine = createRedisEngine(cluster.url, {waitReplicas, prefix: `bench${waitReplicas}:`});
		const publish = (room: string, i: number): Promise<unknown> =>
			engine.publish({room, sender: 'bench', content: `message ${i}`, clientId: `c${i}`, timestamp: Date.now()});
		for (let i = 0; i < 200; i++) await publish('warm', i);
		const latencies: number[] = [];
		for (let i = 0; i < SEQUENTIAL; i++) {
			const start = performance.now();
			await publish('latency', i);
			latencies.push(performance.now() - start);
		}
		latencies.sort((a, b) => a - b);
		let next = 0;
		const start = performance.now();
		await Promise.all(
			Array.from({length: CONCURRENT}, async (_, worker) => {
				while (next < BURST) await publish(`room${worker % 8}`, next++);
			}),
		);
		const seconds = (performance.now() - start) / 1000;
		const at = (q: number): string => latencies[Math.floor(q * (latencies.length - 1))]!.toFixed(2);
		console.log(`--redis-wait ${waitReplicas}: one sender p50 ${at(0.5)} ms, p99 ${at(0.99)} ms; ${CONCURRENT} in flight over 8 rooms: ${Math.round(BURST / seconds)} publishes/s`);
		await engine.close();
	}
} finally {
	await cluster.stop();
}
