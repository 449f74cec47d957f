/**
 * Scenarios issue 8 asks for that the bench does not run yet. They are registered so that the
 * table says so; to add one, replace its entry with a real scenario (see one-room.ts for the
 * shape). Each reason says what the scenario needs beyond the seed-protocol generator.
 */
import type {Scenario} from './types.js';

function notYet(name: string, title: string, reason: string): Scenario {
	return {
		name,
		title,
		metrics: [],
		skip: () => reason,
		sockets: () => 0,
		run: () => Promise.reject(new Error(`${name} is not implemented yet`)),
	};
}

/** The cluster: a placeholder until the bench can drive it. */
export const NOT_YET: Scenario[] = [
	notYet(
		'cluster',
		'three broker nodes on Redis, subscribers spread over them, against one node',
		'not in the bench yet: needs a redis-server child and three natter nodes (--redis) in servers.ts; natter against natter, the seed has no cluster',
	),
];
