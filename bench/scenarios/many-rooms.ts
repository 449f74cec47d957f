/** Many small rooms, traffic in all of them: the cost of routing a publish to its room's few members. */
import {Load, Publisher} from '../load.js';
import {generatorThreads} from '../load-worker-pool.js';
import {closedLoop} from '../traffic.js';
import {PHASE_METRICS, phaseNotes, phaseValues, withTarget} from './setup.js';
import type {Scenario} from './types.js';

const MEMBERS = 5;
/** In-flight messages per room's publisher. */
const WINDOW = 4;

export function manyRooms(rooms: number, quickRooms: number): Scenario {
	const count = (quick: boolean): number => (quick ? quickRooms : rooms);
	return {
		name: `rooms-${rooms}x${MEMBERS}`,
		title: `${rooms} rooms x ${MEMBERS} members, one publisher per room, closed loop`,
		metrics: [
			...withTarget(PHASE_METRICS, 'deliveries', {kind: 'ratio-min', value: 5}),
			{key: 'setup', label: 'setup (connect + subscribe all)', unit: 'ms', digits: 0},
		],
		sockets: options => count(options.quick) * MEMBERS,
		async run({server, options}) {
			const n = count(options.quick);
			const load = new Load(server.url);
			try {
				const threads = generatorThreads();
				await load.startThreads(threads);
				const started = performance.now();
				// Each room's MEMBERS - 1 plain subscribers (in the generator's worker threads), then its publisher (in this one).
				const plain = MEMBERS - 1;
				await load.connectSubscribers(n * plain, {prefix: 'm', subscribeTo: i => load.room(`r${Math.floor(i / plain)}`), threads});
				const clients = await load.connect(n, {prefix: 'p', subscribeTo: r => load.room(`r${r}`)});
				const setupMs = performance.now() - started;
				const publishers = clients.map((client, r) => new Publisher(client, r, client.room!, options.bytes));
				await closedLoop(load, server, publishers, {durationMs: 500, window: WINDOW, measureLatency: false});
				const phase = await closedLoop(load, server, publishers, {durationMs: options.quick ? 1500 : 3000, window: WINDOW});
				return {
					values: {...phaseValues(phase), setup: setupMs, published: phase.published},
					checks: load.checks(),
					notes: [...phaseNotes(phase, 'closed loop'), ...(options.quick && n !== rooms ? [`quick: ${n} rooms`] : [])],
				};
			} finally {
				load.closeAll();
			}
		},
	};
}
