/** Many clients joining one room at once, presence on: how long until the last one is subscribed. */
import {Load} from '../load.js';
import type {Scenario} from './types.js';

export function subscribeStorm(clients: number, quickClients: number): Scenario {
	const count = (quick: boolean): number => (quick ? quickClients : clients);
	return {
		name: `storm-${clients}`,
		title: `${clients} clients subscribe to one room at once (presence on)`,
		metrics: [
			{key: 'stormMs', label: 'first connect to last subscribed', unit: 'ms', digits: 0, target: {kind: 'max', value: 2000}},
			{key: 'rate', label: 'subscribes/s', unit: '/s', digits: 0},
			{key: 'presenceMs', label: 'first connect to last join announced', unit: 'ms', digits: 0},
			{key: 'presence', label: 'presence frames received', unit: '', digits: 0},
		],
		sockets: options => count(options.quick),
		// Each run subscribes everyone one by one on the seed (about 10 s): two are affordable.
		repetitions: options => (options.quick ? 1 : 2),
		async run({server, options}) {
			const n = count(options.quick);
			const load = new Load(server.url);
			try {
				const room = load.room('storm');
				// The generator stays in one thread here: the storm times the server, which needs a core of
				// its own on this 2-core machine, and worker threads would take it (measured: natter 1.29 s
				// with none, 1.89 s with two; the seed 6.6 s and 7.1 s). Its work per frame is small.
				const threads = 0;
				await load.startThreads(threads);
				const started = performance.now();
				await load.connectSubscribers(n, {prefix: 'u', subscribeTo: () => room, threads});
				const stormMs = performance.now() - started;
				// As in the seed, every join is announced to every member present, the joiner included.
				const expected = (n * (n + 1)) / 2;
				await load.waitForPresence(expected, 2000);
				return {
					values: {stormMs, rate: (n * 1000) / stormMs, presenceMs: load.lastPresenceMs - started, presence: load.presenceFrames},
					checks: load.checks(),
					notes: [
						...(options.quick && n !== clients ? [`quick: ${n} clients`] : []),
						...(load.presenceFrames === expected ? [] : [`${load.presenceFrames} presence frames, the seed's rule gives ${expected}`]),
					],
				};
			} finally {
				load.closeAll();
			}
		},
	};
}
