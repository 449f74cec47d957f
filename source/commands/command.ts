/**
 * The vocabulary of commands: what a parsed line of input asks for (Command), what the parser
 * needs to know (CommandContext), and what /set can change. parseCommand and parseHabit both
 * produce it; on its own file so that neither parser imports the other's types.
 */

/** What /set can change in the window, and the values each takes. */
export const SETTINGS = {
	timestamp: 'HH:mm or HH:mm:ss',
	members: 'a width from 12 to 40, on, off or auto',
} as const;

/** A setting /set knows. */
export type SettingName = keyof typeof SETTINGS;

/** What a line of input asks for. `error` carries a one-line explanation for the user. */
export type Command =
	| {type: 'say'; room: string; text: string}
	| {type: 'join'; room: string}
	| {type: 'leave'; room: string}
	| {type: 'history'; room: string; count: number}
	| {type: 'msg'; user: string; text: string}
	| {type: 'away'; reason?: string}
	| {type: 'back'}
	| {type: 'who'; room: string}
	| {type: 'clear_history'; room: string}
	/** `expr` undefined: show the current filter; `'off'`: remove it; otherwise the new filter. */
	| {type: 'filter'; room: string; expr?: string}
	/** `command`: one command's name, or 'keys' for the key bindings. */
	| {type: 'help'; command?: string}
	| {type: 'reconnect'}
	| {type: 'quit'}
	/** `user` undefined: list the names ignored. */
	| {type: 'ignore'; user?: string}
	| {type: 'unignore'; user: string}
	/** /me: an action, shown as `* me TEXT` (see protocol/action.ts). */
	| {type: 'me'; room: string; text: string}
	/** /query @USER: open the direct conversation's tab without sending anything. */
	| {type: 'query'; user: string}
	/** /close: leave a room, or hide a direct conversation's tab. */
	| {type: 'close'; room: string}
	/** /search: find TEXT in what the tab has loaded; without text, end the search. */
	| {type: 'search'; room: string; text?: string}
	/** /clear: empty my own pane of this tab (nothing changes on the broker). */
	| {type: 'clear'; room: string}
	/** /set: a setting of the window for this session. */
	| {type: 'set'; setting: SettingName; value: string}
	/** /topic: `topic` undefined shows the room's topic; '' removes it; otherwise the new topic. */
	| {type: 'topic'; room: string; topic?: string}
	| {type: 'error'; message: string};

/** What the parser needs to know about the caller: the room plain text and room-less commands go to. */
export type CommandContext = {activeRoom: string | undefined};
