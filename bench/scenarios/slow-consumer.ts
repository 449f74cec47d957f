/**
 * One subscriber stops reading while the rest of its room reads on: does the server's memory
 * grow without bound, and does the room slow down? natter promises to cut such a client off
 * (close 4009, then terminate) once --max-buffered bytes pile up; the seed keeps buffering.
 *
 * Traffic is a fixed rate, the same for both servers, so both make the same amount of garbage
 * and RSS growth shows what the paused client costs rather than how fast each server ran.
 */
import {Load} from '../load.js';
import {fixedRate} from '../traffic.js';
import {fillRoom, pause} from './setup.js';
import type {Scenario} from './types.js';

const READERS = 10;
const PUBLISHERS = 2;
/** Messages per second into the room: 22,000 deliveries/s, which both servers carry here. */
const RATE = 2000;
/**
 * Content bytes: large enough that the paused client's backlog (8 MB/s) fills the kernel's
 * socket buffers (several MB on loopback) within a second or two and from then on lands in the
 * server's memory, so a bounded server goes flat early and an unbounded one climbs visibly.
 */
const BYTES = 4000;
const PAUSED_MS = {full: 10_000, quick: 3000};
const MIB = 1024 * 1024;

export function slowConsumer(): Scenario {
	return {
		name: 'slow-consumer',
		title: `${READERS} readers + 1 paused subscriber, ${RATE.toLocaleString('en')} messages/s of ${BYTES} bytes, ${PAUSED_MS.full / 1000} s paused`,
		metrics: [
			{key: 'rssGrowth', label: 'server RSS growth while paused', unit: 'MiB', digits: 1, target: {kind: 'max', value: 16}},
			{key: 'rssLateGrowth', label: 'server RSS growth, second half of the pause', unit: 'MiB', digits: 1},
			{key: 'rssPeakGrowth', label: 'server RSS peak growth', unit: 'MiB', digits: 1},
			{key: 'p99Before', label: 'readers latency p99, all reading', unit: 'ms', digits: 2},
			{key: 'p99During', label: 'readers latency p99, one paused', unit: 'ms', digits: 2},
			{key: 'speed', label: 'room speed kept (during/before)', unit: 'x', digits: 2, target: {kind: 'min', value: 0.8}},
			{key: 'disconnected', label: 'paused client disconnected by server', unit: '', digits: 0},
		],
		sockets: () => READERS + 1,
		repetitions: options => (options.quick ? 1 : 2),
		async run({server, options}) {
			// --bytes does not apply: the size is part of what this scenario measures.
			const load = new Load(server.url);
			try {
				// All in this thread (threads 0): 22,000 deliveries/s need no workers, and the paused client must be here.
				const room = await fillRoom(load, 'slow', READERS, PUBLISHERS, BYTES, 0, 0);
				const [paused] = await load.connect(1, {prefix: 'paused', subscribeTo: () => room.publishers[0]!.room});
				// Its deliveries are not checked: it is meant to fall behind (and natter cuts it off).
				paused!.tracker = undefined;
				const before = await fixedRate(load, server, room.publishers, {messagesPerSecond: RATE, durationMs: options.quick ? 2000 : 3000});
				paused!.pause();
				const rssStart = server.rss();
				let rssPeak = rssStart;
				const sampler = setInterval(() => {
					rssPeak = Math.max(rssPeak, server.rss());
				}, 200);
				const pausedMs = options.quick ? PAUSED_MS.quick : PAUSED_MS.full;
				let rssHalf = Number.NaN;
				const half = setTimeout(() => {
					rssHalf = server.rss();
				}, pausedMs / 2);
				const during = await fixedRate(load, server, room.publishers, {messagesPerSecond: RATE, durationMs: pausedMs});
				clearInterval(sampler);
				clearTimeout(half);
				const rssEnd = server.rss();
				rssPeak = Math.max(rssPeak, rssEnd);
				// Let it read again: a client that was cut off now sees its connection end.
				paused!.resume();
				for (let waited = 0; waited < 3000 && paused!.closeCode === undefined; waited += 100) await pause(100);
				return {
					values: {
						rssGrowth: (rssEnd - rssStart) / MIB,
						rssLateGrowth: (rssEnd - rssHalf) / MIB,
						rssPeakGrowth: (rssPeak - rssStart) / MIB,
						p99Before: before.latency.p99,
						p99During: during.latency.p99,
						speed: during.deliveriesPerSecond / before.deliveriesPerSecond,
						disconnected: paused!.closeCode === undefined ? 0 : 1,
					},
					checks: load.checks(),
					notes: [
						...(before.stalled || during.stalled ? ['the readers stopped receiving before every message arrived'] : []),
						`paused client ${paused!.closeCode === undefined ? 'still connected' : `closed (${paused!.closeCode})`}`,
					],
				};
			} finally {
				load.closeAll();
			}
		},
	};
}
