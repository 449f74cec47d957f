/** What /help prints and the README's table shows: the commands and the keys. */
import {COMMANDS, findCommand, usage} from '../commands/commands.js';

/** Every key binding of the chat window, in the order /help lists them. */
export const KEY_BINDINGS: ReadonlyArray<{keys: string; what: string}> = [
	{keys: 'Enter', what: 'send the line, or run the /command'},
	{keys: 'Alt+Enter', what: 'start a new line in the same message'},
	{keys: 'Tab', what: 'complete a command, room or name; again for the next match'},
	{keys: 'Up / Down', what: 'earlier / later lines you sent'},
	{keys: 'Left / Right, Ctrl+Left / Ctrl+Right', what: 'move by character / by word'},
	{keys: 'Ctrl+A / Ctrl+E (Home / End)', what: 'start / end of the line'},
	{keys: 'Backspace / Delete', what: 'delete before / under the cursor'},
	{keys: 'Ctrl+U / Ctrl+K / Ctrl+W', what: 'delete to the start / to the end / the word before'},
	{keys: 'Ctrl+N / Ctrl+P, Alt+1..9', what: 'next / previous tab, the tab numbered 1..9'},
	{keys: 'Alt+A', what: 'next tab with activity: mentions and direct messages first'},
	{keys: 'PageUp / PageDown', what: 'scroll a page; at the top, older history loads'},
	{keys: 'Shift+Up / Shift+Down', what: 'scroll one message'},
	{keys: 'Ctrl+Home / Ctrl+End, Esc', what: 'oldest loaded / back to the latest (Home / End too, on an empty line)'},
	{keys: 'Ctrl+R', what: 'after /search: the match before the one shown (Esc ends the search)'},
	{keys: 'F2 or Ctrl+T', what: 'show or hide the member panel (/set members N narrows it)'},
	{keys: 'F3', what: 'show or hide sequence numbers'},
	{keys: 'Ctrl+C', what: 'quit (what is pending is sent first; Ctrl+C again drops it)'},
];

/** /help filter: the filter language in brief, with examples (docs/filters.md is the reference). */
export const FILTER_HELP: readonly string[] = [
	'/filter EXPR keeps only the messages of this room that match EXPR; /filter off removes it.',
	'A filter sees sender, content and data (data.type, data["a key"]).',
	'  field == value  field != value    strictly equal / not ("5" is not 5)',
	'  < <= > >=       numbers with numbers, strings with strings',
	'  field ~ "text"  contains text (case-sensitive); ~ /re/i: RE2 regular expression',
	'  field in [a, b] equal to one of the values',
	'  field exists    present and not null; a field alone means it is exactly true',
	'  and, or, not, ( )   not binds tightest, then comparisons, and, or',
	'Examples:',
	'  /filter sender in ["alice", "bob"]',
	'  /filter content ~ /deploy(ed|ing)?/i',
	'  /filter data.type == "order" and data.value > 100',
	'  /filter not data.internal and data.tags exists',
	'More: docs/filters.md.',
];

/** The lines /help prints: every command (one line each); the keys (/help keys); or one command. */
export function helpLines(topic?: string): string[] {
	const width = Math.max(...COMMANDS.map(spec => usage(spec).length), ...KEY_BINDINGS.map(k => k.keys.length)) + 2;
	if (topic === 'keys') return ['Keys:', ...KEY_BINDINGS.map(k => `  ${k.keys.padEnd(width)}${k.what}`)];
	if (topic !== undefined) {
		const spec = findCommand(topic);
		if (!spec) return [`there is no command /${topic}`];
		const aliases = spec.aliases.length > 0 ? ` (also ${spec.aliases.map(a => `/${a}`).join(', ')})` : '';
		const line = `${usage(spec)}${aliases}: ${spec.help}`;
		return spec.name === 'filter' ? [line, ...FILTER_HELP] : [line];
	}
	return [
		'Commands (plain text goes to the open tab; //text sends text starting with /):',
		...COMMANDS.map(spec => `  ${usage(spec).padEnd(width)}${spec.help}`),
		'Keys: /help keys lists them (Tab completes, Ctrl+N/P switch tabs, PageUp scrolls, F2 members, Ctrl+C quits)',
	];
}
