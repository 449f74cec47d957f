/** Many idle connections, each subscribed to a room of its own: memory per connection and connect rate. */
import {Load} from '../load.js';
import {pause} from './setup.js';
import type {Scenario} from './types.js';

const KIB = 1024;

/** Idle connections by default (issue 8 asks for 10,000), and with --quick. */
const CONNECTIONS = {full: 10_000, quick: 500};

export function capacity(): Scenario {
	const count = (options: {quick: boolean; connections: number | undefined}): number => options.connections ?? (options.quick ? CONNECTIONS.quick : CONNECTIONS.full);
	return {
		name: 'capacity',
		title: `N idle connections, each subscribed to its own room (${CONNECTIONS.full.toLocaleString('en')}; --quick ${CONNECTIONS.quick}; --connections N)`,
		metrics: [
			{key: 'connections', label: 'idle connections', unit: '', digits: 0},
			{key: 'perConnection', label: 'server memory per connection', unit: 'KiB', digits: 1},
			{key: 'rate', label: 'connect + subscribe rate', unit: '/s', digits: 0},
			{key: 'rss', label: 'server RSS with all connected', unit: 'MiB', digits: 1},
		],
		sockets: options => count(options),
		// One run per server: 10,000 connections take a while (the generator's handshakes set the pace), and memory per connection varies little.
		repetitions: () => 1,
		async run({server, options}) {
			const n = count(options);
			const load = new Load(server.url);
			try {
				await pause(300);
				const rssBefore = server.rss();
				const started = performance.now();
				await load.connect(n, {prefix: 'idle', subscribeTo: i => load.room(`idle-${i}`)});
				const elapsed = performance.now() - started;
				await pause(1000);
				const rssAfter = server.rss();
				return {
					values: {connections: n, perConnection: (rssAfter - rssBefore) / n / KIB, rate: (n * 1000) / elapsed, rss: rssAfter / (KIB * KIB)},
					checks: load.checks(),
					notes: [],
				};
			} finally {
				load.closeAll();
			}
		},
	};
}
