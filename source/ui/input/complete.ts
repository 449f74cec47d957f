/** Tab completion candidates for the word before the cursor: commands, room names, user names. */
import {COMMANDS} from '../../commands/commands.js';
import {SETTINGS} from '../../commands/command.js';
import {checkRoomName, checkUserName} from '../../protocol/names.js';

/** What can be completed: the tabs' rooms and the users seen (members and DM peers). */
export type CompletionSources = {rooms: readonly string[]; users: readonly string[]};

/** Commands whose first argument is a room. */
const ROOM_COMMANDS = new Set(['join', 'j', 'leave', 'part', 'who', 'names', 'clear_history', 'clear-history', 'close', 'wc']);
const USER_COMMANDS = new Set(['msg', 'query', 'dm', 'ignore', 'unignore']);
/** `/help TOPIC`: a command's name, or `keys`. */
const HELP_COMMANDS = new Set(['help', '?']);

/**
 * The word before the cursor and what it could become, each with the text that follows it
 * (a space, or ': ' after a name that starts the line, as IRC clients do). Undefined when there
 * is nothing to complete.
 *
 * @example
 * complete('/jo', {rooms: [], users: []}) // {start: 0, candidates: ['/join ']}
 */
export function complete(beforeCursor: string, sources: CompletionSources): {start: number; candidates: string[]} | undefined {
	// Scanned back by hand: /\S*$/ retries from every position of a long word (quadratic).
	let start = beforeCursor.length;
	while (start > 0 && !/\s/.test(beforeCursor[start - 1]!)) start--;
	const word = beforeCursor.slice(start);
	const head = beforeCursor.slice(0, start);
	if (word === '' && head.trim() === '') return undefined;
	const firstWord = /^\/(\S+)\s/.exec(beforeCursor)?.[1]?.toLowerCase();
	const argumentIndex = head.trim() === '' ? 0 : head.trim().split(/\s+/).length;
	const lower = word.toLowerCase();
	const starting = (list: Iterable<string>) => [...new Set(list)].filter(c => c.toLowerCase().startsWith(lower)).sort((a, b) => a.localeCompare(b));

	if (argumentIndex === 0 && word.startsWith('/')) {
		const names = COMMANDS.map(c => `/${c.name}`);
		return {start, candidates: starting(names).map(c => `${c} `)};
	}
	if (firstWord !== undefined && argumentIndex === 1 && HELP_COMMANDS.has(firstWord)) {
		return {start, candidates: starting([...COMMANDS.map(c => c.name), 'keys']).map(c => `${c} `)};
	}
	if (firstWord === 'set' && argumentIndex === 1) {
		return {start, candidates: starting(Object.keys(SETTINGS)).map(c => `${c} `)};
	}
	if (firstWord !== undefined && argumentIndex === 1 && ROOM_COMMANDS.has(firstWord)) {
		return {start, candidates: starting(sources.rooms.filter(r => !checkRoomName(r))).map(c => `${c} `)};
	}
	const users = sources.users.filter(u => !checkUserName(u));
	if (word.startsWith('@') || (firstWord !== undefined && argumentIndex === 1 && USER_COMMANDS.has(firstWord))) {
		const bare = lower.replace(/^@/, '');
		const matches = [...new Set(users)].filter(u => u.toLowerCase().startsWith(bare)).sort((a, b) => a.localeCompare(b));
		return {start, candidates: matches.map(u => `@${u} `)};
	}
	if (word === '') return undefined;
	const suffix = argumentIndex === 0 ? ': ' : ' ';
	return {start, candidates: starting(users).map(c => c + suffix)};
}
