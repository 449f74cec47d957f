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
	{keys: 'F2 or Ctrl+T', what: 'show or hide the member panel'},
	{keys: 'F3', what: 'show or hide sequence numbers'},
	{keys: 'Ctrl+C', what: 'quit (what is pending is sent first)'},
];

/** The lines /help prints: every command (one line each); the keys (/help keys); or one command. */
export function helpLines(topic?: string): string[] {
	const width = Math.max(...COMMANDS.map(spec => usage(spec).length), ...KEY_BINDINGS.map(k => k.keys.length)) + 2;
	if (topic === 'keys') return ['Keys:', ...KEY_BINDINGS.map(k => `  ${k.keys.padEnd(width)}${k.what}`)];
	if (topic !== undefined) {
		const spec = findCommand(topic);
		if (!spec) return [`there is no command /${topic}`];
		const aliases = spec.aliases.length > 0 ? ` (also ${spec.aliases.map(a => `/${a}`).join(', ')})` : '';
		return [`${usage(spec)}${aliases}: ${spec.help}`];
	}
	return [
		'Commands (plain text goes to the open tab; //text sends text starting with /):',
		...COMMANDS.map(spec => `  ${usage(spec).padEnd(width)}${spec.help}`),
		'Keys: /help keys lists them (Tab completes, Ctrl+N/P switch tabs, PageUp scrolls, F2 members, Ctrl+C quits)',
	];
}
