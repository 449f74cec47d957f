/** Latency at a fixed offered load, open loop: what a subscriber waits when the server is not saturated. */
import {Load} from '../load.js';
import {fixedRate} from '../traffic.js';
import {fillRoom, pause, phaseNotes} from './setup.js';
import type {Metric, Scenario} from './types.js';

/** The offered load: a fixed number of deliveries per second, or half of what an earlier scenario measured. */
export type Rate = {deliveriesPerSecond: number} | {halfOf: string};

const METRICS: Metric[] = [
	{key: 'rate', label: 'offered deliveries/s', unit: '/s', digits: 0},
	{key: 'deliveries', label: 'achieved deliveries/s', unit: '/s', digits: 0},
	{key: 'p50', label: 'latency p50', unit: 'ms', digits: 2},
	{key: 'p99', label: 'latency p99', unit: 'ms', digits: 2, target: {kind: 'ratio-max', value: 1}},
	{key: 'max', label: 'latency max', unit: 'ms', digits: 2},
	{key: 'serverCpu', label: 'server CPU', unit: '%', digits: 0},
];

export function fixedRateRoom(name: string, subscribers: number, quickSubscribers: number, rate: Rate): Scenario {
	const size = (quick: boolean): number => (quick ? quickSubscribers : subscribers);
	return {
		name,
		title:
			'deliveriesPerSecond' in rate
				? `one room, ${subscribers} subscribers, fixed ${rate.deliveriesPerSecond.toLocaleString('en')} deliveries/s: latency`
				: `one room, ${subscribers} subscribers, at 50% of the lower max measured in ${rate.halfOf}: latency`,
		metrics: METRICS,
		sockets: options => size(options.quick),
		// p99 of one phase is decided by its worst one or two fan-outs (at 5 messages a second, 50
		// messages of 1,000 deliveries each), so single runs of either server spread over 2-3x
		// (12 runs each on one host: natter 23-51 ms, seed 23-72 ms). With 2 runs the ratio of
		// medians swung between 0.71x and 1.36x on the same code; 6 give a median that a single
		// outlier cannot move, and the tie test (report.ts) room to judge: with 3 a side its
		// smallest p-value is 0.05, so one chance arrangement in 20 read as a miss.
		repetitions: options => (options.quick ? 1 : 6),
		...('halfOf' in rate ? {needs: rate.halfOf} : {}),
		async run({server, options, earlier}) {
			const members = size(options.quick);
			let deliveriesPerSecond: number;
			if ('deliveriesPerSecond' in rate) deliveriesPerSecond = rate.deliveriesPerSecond;
			else {
				const max = earlier(rate.halfOf, 'deliveries');
				if (!max || !Number.isFinite(Math.min(max.natter, max.seed))) throw new Error(`${rate.halfOf} has no measured maximum in this run`);
				// Half the lower of the two maxima: one offered load that both servers can carry.
				deliveriesPerSecond = Math.min(max.natter, max.seed) / 2;
			}
			const load = new Load(server.url);
			try {
				const room = await fillRoom(load, 'bench', members, 1, options.bytes);
				const messagesPerSecond = deliveriesPerSecond / members;
				await fixedRate(load, server, room.publishers, {messagesPerSecond, durationMs: 1000});
				await pause(200);
				const phase = await fixedRate(load, server, room.publishers, {messagesPerSecond, durationMs: options.quick ? 3000 : 10_000});
				return {
					values: {
						rate: deliveriesPerSecond,
						deliveries: phase.deliveriesPerSecond,
						p50: phase.latency.p50,
						p99: phase.latency.p99,
						max: phase.latency.max,
						serverCpu: phase.serverCpu,
					},
					checks: load.checks(),
					notes: [...phaseNotes(phase, 'fixed rate'), ...(members === subscribers ? [] : [`quick: ${members} subscribers`])],
				};
			} finally {
				load.closeAll();
			}
		},
	};
}
