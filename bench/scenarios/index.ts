/**
 * The scenario registry, in run order. A scenario is an object of type Scenario (types.ts);
 * add one by appending it here. `fixed-half` reads room-1000's result, so it comes after it.
 */
import type {Sides} from '../report.js';
import {capacity} from './capacity.js';
import {capacity100k} from './capacity-100k.js';
import {cluster} from './cluster.js';
import {filteredRoom} from './filters.js';
import {fixedRateRoom} from './fixed-rate.js';
import {inputPaste} from './input-paste.js';
import {manyRooms} from './many-rooms.js';
import {NOT_YET} from './not-yet.js';
import {oneRoom} from './one-room.js';
import {slowConsumer} from './slow-consumer.js';
import {subscribeStorm} from './subscribe-storm.js';
import {tuiFlood, tuiStartup} from './tui.js';
import type {Scenario} from './types.js';

/** A scenario, possibly with its own sides (compared kinds and column headings) instead of natter vs the seed. */
export type BenchScenario = Scenario & {sides?: Sides};

export const SCENARIOS: BenchScenario[] = [
	oneRoom({subscribers: 10}),
	oneRoom({subscribers: 100}),
	oneRoom({subscribers: 1000, quickSubscribers: 200, target: {kind: 'ratio-min', value: 3}}),
	// One run per server (--quick: 500 subscribers): the seed needs 4-8 minutes to subscribe 5,000
	// (every join is announced to the room, one send per member; its handshakes then wait minutes,
	// hence the generator's long handshake timeout).
	{...oneRoom({subscribers: 5000, quickSubscribers: 500}), repetitions: () => 1},
	manyRooms(1000, 200),
	fixedRateRoom('fixed-5k', 1000, 200, {deliveriesPerSecond: 5000}),
	fixedRateRoom('fixed-half', 1000, 200, {halfOf: 'room-1000'}),
	subscribeStorm(1000, 300),
	slowConsumer(),
	capacity(),
	capacity100k(),
	filteredRoom(1000, 200),
	tuiFlood(),
	tuiStartup(),
	inputPaste(),
	cluster(),
	...NOT_YET,
];

/** True when `name` selects `scenario`: its exact name, or else a prefix of it ("room" selects every room-N). */
export function selects(name: string, scenario: BenchScenario): boolean {
	if (SCENARIOS.some(s => s.name === name)) return scenario.name === name;
	// An opt-in scenario is chosen by its whole name only.
	return scenario.optIn !== true && scenario.name.startsWith(name);
}

/** The scenarios `names` select, in registry order (when empty: all but the opt-in ones). */
export function selectScenarios(names: string[]): BenchScenario[] {
	if (names.length === 0) return SCENARIOS.filter(s => s.optIn !== true);
	const unknown = names.filter(n => !SCENARIOS.some(s => selects(n, s)));
	if (unknown.length > 0) throw new TypeError(`unknown scenario ${unknown.join(', ')}; --list shows them`);
	return SCENARIOS.filter(s => names.some(n => selects(n, s)));
}
