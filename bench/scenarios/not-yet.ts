/**
 * Scenarios issue 8 asks for that the bench does not run yet. They are registered so that the
 * table says so; to add one, replace its entry with a real scenario (see one-room.ts for the
 * shape). Each reason says what the scenario needs beyond the seed-protocol generator.
 */
import type {Scenario} from './types.js';

export function notYet(name: string, title: string, reason: string): Scenario {
	return {
		name,
		title,
		metrics: [],
		skip: () => reason,
		sockets: () => 0,
		run: () => Promise.reject(new Error(`${name} is not implemented yet`)),
	};
}

/** None left (the cluster, the last one, is cluster.ts now); add `notYet(name, title, reason)` entries here. */
export const NOT_YET: Scenario[] = [];
