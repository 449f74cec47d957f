/**
 * The slash commands the TUI and --json mode accept: one table, so /help, Tab completion and
 * "did you mean" all read the same list.
 */

/** One slash command: its name, aliases, argument synopsis and a one-line explanation. */
export type CommandSpec = {
	readonly name: string;
	readonly aliases: readonly string[];
	/** Argument synopsis as /help shows it ('' when the command takes none). */
	readonly args: string;
	readonly help: string;
};

/** Every slash command, in the order /help lists them. */
export const COMMANDS: readonly CommandSpec[] = [
	{name: 'join', aliases: ['j'], args: 'ROOM', help: 'join a room (or switch to it if already joined)'},
	{name: 'leave', aliases: ['part'], args: '[ROOM]', help: 'leave a room (default: this one)'},
	{name: 'msg', aliases: ['dm'], args: '@USER TEXT', help: 'send a direct message that only USER sees'},
	{name: 'query', aliases: [], args: '@USER', help: "open a direct conversation's tab without sending anything"},
	{name: 'me', aliases: ['action'], args: 'ACTION', help: 'say what you do: shown as "* you ACTION"'},
	{name: 'close', aliases: ['wc'], args: '[TAB]', help: "close a tab: leave the room, or hide the direct conversation"},
	{name: 'history', aliases: [], args: '[N]', help: "show this room's last N messages from the broker (default 20)"},
	{name: 'topic', aliases: [], args: '[TEXT|-delete]', help: "show this room's topic, set it to TEXT (everyone sees the change), or -delete it"},
	{name: 'who', aliases: ['names'], args: '[ROOM]', help: 'list who is in this room and their status'},
	{name: 'away', aliases: [], args: '[REASON]', help: 'mark yourself away, with an optional reason'},
	{name: 'back', aliases: [], args: '', help: 'mark yourself back (online)'},
	{name: 'filter', aliases: [], args: '[EXPR|off]', help: "only receive this room's messages that match EXPR; off removes it"},
	{name: 'ignore', aliases: [], args: '[NAME]', help: "hide NAME's messages and direct messages (kept in the config file); alone: list"},
	{name: 'unignore', aliases: [], args: 'NAME', help: "show NAME's messages again"},
	{name: 'search', aliases: ['find'], args: '[TEXT]', help: 'find TEXT in what this tab has loaded (Ctrl+R: the match before; Esc ends)'},
	{name: 'clear', aliases: [], args: '', help: 'clear this tab in your window only (the room keeps its history)'},
	{name: 'set', aliases: [], args: 'SETTING VALUE', help: 'timestamp HH:mm:ss, members 12..40|off|on|auto: for this session'},
	{name: 'clear_history', aliases: ['clear-history'], args: '[ROOM]', help: "forget a room's history (admins only)"},
	{name: 'reconnect', aliases: [], args: '', help: 'connect again now instead of waiting for the next attempt'},
	{name: 'help', aliases: ['?'], args: '[COMMAND|keys]', help: 'list the commands, explain one, or list the keys'},
	{name: 'quit', aliases: ['exit', 'q'], args: '', help: 'leave natter (what is pending is sent first; Ctrl+C again drops it)'},
];

/** The spec of a command by name or alias (without the slash), or undefined. */
export function findCommand(word: string): CommandSpec | undefined {
	const lower = word.toLowerCase();
	return COMMANDS.find(spec => spec.name === lower || spec.aliases.includes(lower));
}

/** The closest command name to a mistyped one (at most 2 edits, fewer for short words), for "did you mean". */
export function suggestCommand(word: string): string | undefined {
	const lower = word.toLowerCase();
	// Short words are one or two edits away from almost anything; only suggest what is plausible.
	const limit = Math.min(2, Math.floor(lower.length / 2));
	let best: {name: string; distance: number} | undefined;
	for (const spec of COMMANDS) {
		for (const candidate of [spec.name, ...spec.aliases]) {
			const distance = editDistance(lower, candidate);
			if (distance <= limit && (!best || distance < best.distance)) best = {name: spec.name, distance};
		}
	}
	return best?.name;
}

/** "/join ROOM": a command as /help writes it. */
export function usage(spec: CommandSpec): string {
	return spec.args ? `/${spec.name} ${spec.args}` : `/${spec.name}`;
}

// Damerau-free Levenshtein distance; command names are short, so the full table is cheap.
function editDistance(a: string, b: string): number {
	let previous = Array.from({length: b.length + 1}, (_, i) => i);
	for (let i = 1; i <= a.length; i++) {
		const current = [i];
		for (let j = 1; j <= b.length; j++) {
			const cost = a[i - 1] === b[j - 1] ? 0 : 1;
			current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
		}
		previous = current;
	}
	return previous[b.length]!;
}
