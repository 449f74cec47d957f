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

/** Cluster and the TUI: placeholders until the bench can drive them. */
export const NOT_YET: Scenario[] = [
	notYet(
		'cluster',
		'three broker nodes on Redis, subscribers spread over them, against one node',
		'not in the bench yet: needs a redis-server child and three natter nodes (--redis) in servers.ts; natter against natter, the seed has no cluster',
	),
	notYet(
		'tui-flood',
		'a 10,000-message flood shown by the TUI in tmux vs --json mode: time to last message on screen, CPU',
		'not in the bench yet: needs a tmux driver for the TUI (the TUI and --json client are still settling)',
	),
	notYet('tui-startup', 'TUI start to first frame, idle RSS', 'not in the bench yet: needs a tmux driver for the TUI'),
];
