/**
 * The arguments of the commands people type from habit in WeeChat and irssi: /me, /query,
 * /close, /search, /clear, /set. parseCommand hands them here once it knows the command.
 */
import {checkRoomName, checkUserName} from '../protocol/names.js';
import {usage, type CommandSpec} from './commands.js';
import {SETTINGS, type Command, type CommandContext, type SettingName} from './command.js';

/** The commands this file parses (their names in COMMANDS). */
export const HABIT_COMMANDS: ReadonlySet<string> = new Set(['me', 'query', 'close', 'search', 'clear', 'set']);

/** Parse the arguments of one of HABIT_COMMANDS. Never throws. */
export function parseHabit(spec: CommandSpec, rest: string, context: CommandContext): Command {
	const words = rest.trim() === '' ? [] : rest.trim().split(/\s+/);
	const wrong = (why: string): Command => ({type: 'error', message: `${why} — usage: ${usage(spec)}`});
	const here = context.activeRoom;
	switch (spec.name) {
		case 'me': {
			if (here === undefined) return wrong('you are in no room: /join one first');
			if (rest.trim() === '') return wrong('what do you do?');
			return {type: 'me', room: here, text: rest.trim()};
		}
		case 'query': {
			if (words.length === 0) return wrong('with whom?');
			const user = words[0]!.replace(/^@/, '');
			const why = checkUserName(user);
			if (why) return wrong(`${JSON.stringify(words[0])}: ${why}`);
			// With text, it is /msg (irssi's /query NICK TEXT opens the query and says TEXT).
			const text = rest.trim().slice(words[0]!.length).replace(/^\s+/, '');
			return text === '' ? {type: 'query', user} : {type: 'msg', user, text};
		}
		case 'close': {
			if (words.length > 1) return wrong('one tab at most');
			const name = words[0] ?? here;
			if (name === undefined) return wrong('no tab is open');
			const why = checkRoomName(name);
			if (why) return wrong(`${JSON.stringify(name)}: ${why}`);
			return {type: 'close', room: name};
		}
		case 'search': {
			if (here === undefined) return wrong('no tab is open to search');
			const text = rest.trim();
			return text === '' ? {type: 'search', room: here} : {type: 'search', room: here, text};
		}
		case 'clear':
			if (words.length > 0) return wrong('/clear takes no arguments');
			if (here === undefined) return wrong('no tab is open');
			return {type: 'clear', room: here};
		case 'set': {
			if (words.length !== 2) return wrong(`which setting, and to what? ${settingsList()}`);
			const name = words[0]!.toLowerCase();
			if (!(name in SETTINGS)) return wrong(`there is no setting ${JSON.stringify(words[0])}; ${settingsList()}`);
			const value = words[1]!;
			const why = checkSetting(name as SettingName, value);
			return why ? wrong(why) : {type: 'set', setting: name as SettingName, value: name === 'timestamp' ? value : value.toLowerCase()};
		}
		default:
			return {type: 'error', message: `/${spec.name} is not handled yet`};
	}
}

function settingsList(): string {
	return `settings: ${Object.entries(SETTINGS).map(([name, values]) => `${name} (${values})`).join(', ')}`;
}

/** Why `value` is not one `setting` takes, or undefined when it is. */
function checkSetting(setting: SettingName, value: string): string | undefined {
	if (setting === 'timestamp') return /^(HH:mm|HH:mm:ss)$/.test(value) ? undefined : `timestamp is HH:mm or HH:mm:ss, not ${JSON.stringify(value)}`;
	if (/^(on|off|auto)$/i.test(value)) return undefined;
	const width = /^\d+$/.test(value) ? Number(value) : Number.NaN;
	return width >= 12 && width <= 40 ? undefined : `members is a width from 12 to 40, on, off or auto, not ${JSON.stringify(value)}`;
}
