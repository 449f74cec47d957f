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
