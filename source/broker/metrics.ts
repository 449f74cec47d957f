import {readFileSync} from 'node:fs';
import {performance} from 'node:perf_hooks';
import {Counter, Gauge, Histogram, Registry} from 'prom-client';
import type {Engine} from './engines/engine.js';

/** The few moments the hub reports for /metrics; each is a counter increment, cheap on the hot path. */
export type HubCounters = {
	/** A publish was accepted and stored (duplicates are not counted). */
	published(): void;
	/** One message frame was handed to one socket (live or replayed). */
	delivered(): void;
	/** A connection was cut off for letting too many bytes pile up (close 4009). */
	slowConsumer(): void;
};

/** A broker's metrics in Prometheus format: per node, on the broker's own HTTP port at `/metrics`. */
export type BrokerMetrics = HubCounters & {
	readonly contentType: string;
	/** The text a Prometheus scrape gets. */
	render(): Promise<string>;
	/** Time the fan-out of every message event the engine delivers to this node (call after the hub subscribed). */
	observe(engine: Engine): void;
};

/**
 * Create one broker's metrics in a registry of its own, so several brokers in one process
 * (tests, embedders) never collide in prom-client's global registry.
 */
export function createBrokerMetrics(stats: () => {connections: number; rooms: number}): BrokerMetrics {
	const registry = new Registry();
	new Gauge({
		name: 'natter_connections',
		help: 'WebSocket connections open on this node.',
		registers: [registry],
		collect() {
			this.set(stats().connections);
		},
	});
	new Gauge({
		name: 'natter_rooms',
		help: 'Rooms with at least one subscriber on this node.',
		registers: [registry],
		collect() {
			this.set(stats().rooms);
		},
	});
	const messagesIn = new Counter({name: 'natter_messages_in_total', help: 'Publishes accepted by this node (retried duplicates excluded).', registers: [registry]});
	const messagesOut = new Counter({name: 'natter_messages_out_total', help: 'Message frames this node sent to sockets, live and replayed.', registers: [registry]});
	const slow = new Counter({
		name: 'natter_slow_consumer_disconnects_total',
		help: 'Connections cut off (close 4009) for not reading fast enough.',
		registers: [registry],
	});
	const fanout = new Histogram({
		name: 'natter_fanout_latency_seconds',
		help: "From a message's publish timestamp to this node having handed it to its local sockets (across nodes: includes clock skew).",
		buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
		registers: [registry],
	});

	processGauges(registry);

	return {
		contentType: registry.contentType,
		render: () => registry.metrics(),
		published: () => messagesIn.inc(),
		delivered: () => messagesOut.inc(),
		slowConsumer: () => slow.inc(),
		observe(engine: Engine): void {
			// Listeners run in registration order and the hub fans out synchronously, so this one
			// runs when every local socket has been handed the message.
			engine.on(event => {
				if (event.type === 'message') fanout.observe(Math.max(0, Date.now() - event.message.timestamp) / 1000);
			});
		},
	};
}

/**
 * What runs out first on a busy node (docs/scaling.md), as gauges read when scraped: how late
 * the event loop runs (every delivery and heartbeat waits behind it), resident and heap memory,
 * and the open-file limit that caps connections. prom-client's default process metrics are not
 * used: their active-handles gauge lists every handle on each scrape (100,000 sockets: 100,000
 * entries), and the open-fds gauge reads /proc/self/fd, one entry per connection.
 */
function processGauges(registry: Registry): void {
	// A timer that should fire every 50 ms: how much later it fires is how long anything else
	// queued at that moment (a delivery, a heartbeat) waited. Its max since the last scrape is
	// reported, with the share of the time the loop was busy (event-loop utilization). Unref'd.
	const tickMs = 50;
	let expected = performance.now() + tickMs;
	let maxDelayMs = 0;
	setInterval(() => {
		const now = performance.now();
		maxDelayMs = Math.max(maxDelayMs, now - expected);
		expected = now + tickMs;
	}, tickMs).unref();
	let utilization = performance.eventLoopUtilization();
	new Gauge({
		name: 'natter_event_loop_delay_max_seconds',
		help: 'The longest the event loop kept a due timer waiting since the last scrape: every delivery and heartbeat waits behind the same loop.',
		registers: [registry],
		collect() {
			// A scrape that comes while the loop is blocked still counts the block it ends.
			const now = performance.now();
			this.set(Math.max(maxDelayMs, now - expected, 0) / 1000);
			maxDelayMs = 0;
		},
	});
	new Gauge({
		name: 'natter_event_loop_utilization',
		help: 'Share of the time since the last scrape the event loop was busy (0 to 1): a node near 1 has no headroom left.',
		registers: [registry],
		collect() {
			const now = performance.eventLoopUtilization();
			this.set(performance.eventLoopUtilization(now, utilization).utilization);
			utilization = now;
		},
	});
	new Gauge({
		name: 'natter_resident_memory_bytes',
		help: 'Resident memory of the node process.',
		registers: [registry],
		collect() {
			this.set(process.memoryUsage.rss());
		},
	});
	new Gauge({
		name: 'natter_heap_used_bytes',
		help: "V8 heap in use (live objects and garbage not yet collected): what grows per connection and per queued frame.",
		registers: [registry],
		collect() {
			this.set(process.memoryUsage().heapUsed);
		},
	});
	const limit = openFilesLimit();
	if (limit !== undefined) {
		new Gauge({
			name: 'natter_open_files_limit',
			help: "The process's open-file limit (soft RLIMIT_NOFILE): each connection is one; compare natter_connections.",
			registers: [registry],
			collect() {
				this.set(openFilesLimit() ?? limit);
			},
		});
	}
}

/** The soft open-file limit from /proc/self/limits (Linux); undefined where there is none to read. */
function openFilesLimit(): number | undefined {
	try {
		const match = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
		if (!match) return undefined;
		return match[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(match[1]);
	} catch {
		return undefined;
	}
}
