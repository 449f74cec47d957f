/** One busy room: M subscribers, P of them publishing closed loop. Throughput and latency at saturation. */
import {Load} from '../load.js';
import {closedLoop} from '../traffic.js';
import {fillRoom, PHASE_METRICS, phaseNotes, phaseValues, withTarget} from './setup.js';
import type {Scenario, Target} from './types.js';

/** Settings of a one-room scenario. */
export type OneRoomSettings = {
	subscribers: number;
	/** Size used by --quick. */
	quickSubscribers?: number;
	target?: Target;
};

/** Length of the measured closed-loop phase (a time, not a count: the servers differ several-fold in speed). */
const PHASE_MS = {full: 3000, quick: 1500};
const WARM_UP_MS = 500;
/**
 * In-flight messages per publisher: about 10,000 deliveries in flight over the room keeps
 * both processes busy; more only adds queueing (latency) without adding throughput.
 */
function windowFor(members: number, publishers: number): number {
	return Math.min(64, Math.max(2, Math.ceil(10_000 / (members * publishers))));
}

export function oneRoom(settings: OneRoomSettings): Scenario {
	const size = (quick: boolean): number => (quick ? (settings.quickSubscribers ?? settings.subscribers) : settings.subscribers);
	return {
		name: `room-${settings.subscribers}`,
		title: `one room, ${settings.subscribers} subscribers, closed loop`,
		metrics: [
			...withTarget(PHASE_METRICS, 'deliveries', settings.target),
			{key: 'setup', label: 'room setup (subscribe all)', unit: 'ms', digits: 0},
		],
		sockets: options => size(options.quick),
		async run({server, options}) {
			const members = size(options.quick);
			const publishers = Math.min(4, members);
			const load = new Load(server.url);
			try {
				const room = await fillRoom(load, 'bench', members, publishers, options.bytes);
				const window = windowFor(members, publishers);
				// Warm-up (JIT, buffers), not measured; the sequence checks cover it too.
				await closedLoop(load, server, room.publishers, {durationMs: WARM_UP_MS, window, measureLatency: false});
				const phase = await closedLoop(load, server, room.publishers, {durationMs: options.quick ? PHASE_MS.quick : PHASE_MS.full, window});
				return {
					values: {...phaseValues(phase), setup: room.setupMs, published: phase.published},
					checks: load.checks(),
					notes: [...phaseNotes(phase, 'closed loop'), ...(options.quick && members !== settings.subscribers ? [`quick: ${members} subscribers`] : [])],
				};
			} finally {
				load.closeAll();
			}
		},
	};
}
