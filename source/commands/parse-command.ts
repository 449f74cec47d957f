/**
 * One line of input → one Command. Pure (no React, no client): the TUI and --json mode both
 * parse with it and then act on the result, so a command means the same thing in both.
 */
import {checkRoomName, checkUserName} from '../protocol/names.js';
import {MAX_TOPIC_LENGTH} from '../protocol/topic.js';
import {findCommand, suggestCommand, usage, type CommandSpec} from './commands.js';
import type {Command, CommandContext} from './command.js';
import {HABIT_COMMANDS, parseHabit} from './parse-habit.js';

// The types live in command.ts (both parsers make them); importers keep finding them here.
export type {Command, CommandContext} from './command.js';

/** How many messages /history shows without an argument, and the most it may ask for. */
export const DEFAULT_HISTORY_COUNT = 20;
export const MAX_HISTORY_COUNT = 1000;

/**
 * Parse one line of input. Plain text is a `say` to the active room (in an `@user` tab that is a
 * direct message: a publish to room `@user`); `//text` says `/text`. Never throws.
 *
 * @example
 * parseCommand('/join ops', {activeRoom: 'general'}) // {type: 'join', room: 'ops'}
 * parseCommand('/jion ops', {activeRoom: 'general'}) // {type: 'error', message: 'unknown command /jion — did you mean /join? …'}
 */
export function parseCommand(line: string, context: CommandContext): Command {
	if (line.trim() === '') return {type: 'error', message: 'nothing to send'};
	if (!line.startsWith('/') || line.startsWith('//')) {
		const text = line.startsWith('//') ? line.slice(1) : line;
		if (context.activeRoom === undefined) return {type: 'error', message: 'you are in no room: /join one first, or /msg @user to talk to someone'};
		return {type: 'say', room: context.activeRoom, text};
	}
	const match = /^\/(\S*)\s*([\s\S]*)$/.exec(line)!;
	const word = match[1]!;
	const rest = match[2]!;
	if (word === '') return {type: 'error', message: 'a lone / is not a command; type /help for the list, or //text to send text starting with /'};
	const spec = findCommand(word);
	if (!spec) {
		const suggestion = suggestCommand(word);
		const hint = suggestion ? ` — did you mean /${suggestion}? Type` : ' — type';
		return {type: 'error', message: `unknown command /${word}${hint} /help for the list`};
	}
	return parseArguments(spec, rest, context);
}

function parseArguments(spec: CommandSpec, rest: string, context: CommandContext): Command {
	if (HABIT_COMMANDS.has(spec.name)) return parseHabit(spec, rest, context);
	const words = rest.trim() === '' ? [] : rest.trim().split(/\s+/);
	const wrong = (why: string): Command => ({type: 'error', message: `${why} — usage: ${usage(spec)}`});
	const room = (given: string | undefined): {room: string} | {error: Command} => {
		const name = given ?? context.activeRoom;
		if (name === undefined) return {error: wrong('you are in no room, so name one')};
		const why = checkRoomName(name);
		return why ? {error: wrong(`${JSON.stringify(name)}: ${why}`)} : {room: name};
	};
	switch (spec.name) {
		case 'join': {
			if (words.length !== 1) return wrong(words.length === 0 ? 'which room?' : 'room names have no spaces');
			const got = room(words[0]);
			return 'error' in got ? got.error : {type: 'join', room: got.room};
		}
		case 'leave':
		case 'who':
		case 'clear_history': {
			if (words.length > 1) return wrong('one room at most');
			const got = room(words[0]);
			if ('error' in got) return got.error;
			if (spec.name === 'leave') return {type: 'leave', room: got.room};
			if (spec.name === 'who') return {type: 'who', room: got.room};
			return {type: 'clear_history', room: got.room};
		}
		case 'history': {
			if (words.length > 1) return wrong('one number at most');
			const got = room(undefined);
			if ('error' in got) return got.error;
			if (words.length === 0) return {type: 'history', room: got.room, count: DEFAULT_HISTORY_COUNT};
			const count = /^\d+$/.test(words[0]!) ? Number(words[0]) : Number.NaN;
			if (!(count >= 1 && count <= MAX_HISTORY_COUNT)) return wrong(`N must be a whole number from 1 to ${MAX_HISTORY_COUNT}, not ${JSON.stringify(words[0])}`);
			return {type: 'history', room: got.room, count};
		}
		case 'msg': {
			const parsed = /^(\S+)\s+([\s\S]*\S[\s\S]*)$/.exec(rest.trim());
			if (!parsed) return wrong(words.length === 0 ? 'to whom?' : 'and what should it say?');
			const user = parsed[1]!.replace(/^@/, '');
			const why = checkUserName(user);
			if (why) return wrong(`${JSON.stringify(parsed[1])}: ${why}`);
			return {type: 'msg', user, text: parsed[2]!};
		}
		case 'away': {
			const reason = rest.trim();
			return reason === '' ? {type: 'away'} : {type: 'away', reason};
		}
		case 'back':
		case 'reconnect':
		case 'quit':
			if (words.length > 0) return wrong(`/${spec.name} takes no arguments`);
			return {type: spec.name};
		case 'filter': {
			const got = room(undefined);
			if ('error' in got) return got.error;
			const expr = rest.trim();
			return expr === '' ? {type: 'filter', room: got.room} : {type: 'filter', room: got.room, expr};
		}
		case 'help': {
			if (words.length > 1) return wrong('one command at most');
			if (words.length === 0) return {type: 'help'};
			if (words[0]!.toLowerCase() === 'keys') return {type: 'help', command: 'keys'};
			const asked = findCommand(words[0]!.replace(/^\//, ''));
			if (!asked) return wrong(`there is no command ${JSON.stringify(words[0])}`);
			return {type: 'help', command: asked.name};
		}
		case 'topic': {
			const got = room(undefined);
			if ('error' in got) return got.error;
			// One line: a pasted line break becomes a space, as the topic line shows it.
			const text = rest.replace(/\s*[\r\n]+\s*/g, ' ').trim();
			if (text === '') return {type: 'topic', room: got.room};
			if (text === '-delete') return {type: 'topic', room: got.room, topic: ''};
			if (text.length > MAX_TOPIC_LENGTH) return wrong(`a topic is at most ${MAX_TOPIC_LENGTH} characters; this one has ${text.length}`);
			return {type: 'topic', room: got.room, topic: text};
		}
		case 'ignore':
		case 'unignore': {
			if (words.length > 1) return wrong('one name at a time');
			if (words.length === 0) return spec.name === 'ignore' ? {type: 'ignore'} : wrong('whom?');
			const user = words[0]!.replace(/^@/, '');
			const why = checkUserName(user);
			if (why) return wrong(`${JSON.stringify(words[0])}: ${why}`);
			return {type: spec.name, user};
		}
		default:
			return {type: 'error', message: `/${spec.name} is not handled yet`};
	}
}
