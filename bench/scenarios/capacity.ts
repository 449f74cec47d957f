/**
 * Many idle connections, each subscribed to a room of its own: memory per connection, connect
 * rate, and the latency of a live room beside them (what the idle ones cost the others: natter
 * pings each of them once per heartbeat interval, the seed never does).
 */
import {Load} from '../load.js';
import {fixedRate} from '../traffic.js';
import {fillRoom, pause, phaseNotes} from './setup.js';
import type {Scenario} from './types.js';

const KIB = 1024;

/** Idle connections by default (issue 8 asks for 10,000), and with --quick. */
const CONNECTIONS = {full: 10_000, quick: 500};
/** The live room: 10 members, one publishing 200 messages a second (2,000 deliveries/s). */
const LIVE = {members: 10, messagesPerSecond: 200};
/** Longer than natter's default heartbeat interval (15 s), so a whole round of pings falls inside. */
const LIVE_MS = {full: 16_000, quick: 3000};

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
			{key: 'liveP99', label: 'live room beside them: latency p99', unit: 'ms', digits: 2},
			{key: 'liveMax', label: 'live room beside them: latency max', unit: 'ms', digits: 1},
		],
		sockets: options => count(options) + LIVE.members,
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
				const room = await fillRoom(load, 'live', LIVE.members, 1, options.bytes);
				const live = await fixedRate(load, server, room.publishers, {messagesPerSecond: LIVE.messagesPerSecond, durationMs: options.quick ? LIVE_MS.quick : LIVE_MS.full});
				return {
					values: {
						connections: n,
						perConnection: (rssAfter - rssBefore) / n / KIB,
						rate: (n * 1000) / elapsed,
						rss: rssAfter / (KIB * KIB),
						liveP99: live.latency.p99,
						liveMax: live.latency.max,
					},
					checks: load.checks(),
					notes: phaseNotes(live, 'live room'),
				};
			} finally {
				load.closeAll();
			}
		},
	};
}
