/**
 * What planning a command yields and may know: the Steps of an outcome (calls on the client
 * core, notices, view changes) and the PlanContext a front end gives. planCommand and
 * planHabit both produce them; on their own file so that neither planner imports the other's types.
 */
import type {Dialect, HistoryPurpose} from '../client/types.js';
import type {KnownMember} from './describe-members.js';
import type {IgnoredNames} from './ignore-list.js';
import type {MessageData} from '../protocol/messages.js';

/** What a front end holds for a room the user named. */
export type RoomFacts = {
	/** The client core holds a subscription for it (NatterClient.rooms). */
	subscribed: boolean;
	/** The broker confirmed it, or it is a direct conversation: joining again changes nothing. */
	joined: boolean;
	/** A direct conversation (`@user`). */
	direct: boolean;
	filter: string | undefined;
	/** The room's topic as last heard (undefined: none). */
	topic?: string | undefined;
	/** Who is there, when the front end keeps track (the window does; --json does not). */
	members?: readonly KnownMember[];
};

/** What a command may know: who I am, what the broker supports, and what the front end holds. */
export type PlanContext = {
	me: string;
	dialect: Dialect;
	online: boolean;
	/** The front end's facts about `room`, or undefined when it holds nothing for it. */
	room(room: string): RoomFacts | undefined;
	/** Why the broker would not take this message (NatterClient.refusal), or undefined when it fits. */
	refusal?(room: string, text: string): string | undefined;
	/** Whose messages the front end hides (/ignore); none when absent. */
	ignores?: IgnoredNames;
};

/** One call on the client core. */
export type ClientCall =
	| {call: 'publish'; room: string; text: string; data?: MessageData}
	| {call: 'join'; room: string}
	| {call: 'leave'; room: string}
	| {call: 'fetchHistory'; room: string; before: number; limit: number; purpose: HistoryPurpose}
	| {call: 'setAway'; reason?: string}
	| {call: 'setBack'}
	| {call: 'who'; room: string}
	| {call: 'clearHistory'; room: string}
	| {call: 'setFilter'; room: string; filter: string | undefined}
	| {call: 'setTopic'; room: string; topic: string}
	| {call: 'reconnect'};

/**
 * One step of an outcome, in order. A notice is a `refusal` (nothing was done, and why), an
 * `answer` (what the user asked to see) or `feedback` (confirmation of what was done).
 */
export type Step =
	| {type: 'call'; call: ClientCall}
	| {type: 'notice'; kind: 'refusal' | 'answer' | 'feedback'; tone: 'info' | 'error' | 'away' | 'back'; text: string; room?: string}
	/** The user now works in this room (the window looks at its tab; --json makes it the current room). */
	| {type: 'focus'; room: string}
	/** A conversation to show (the window opens its tab; --json has no tabs). */
	| {type: 'open'; room: string}
	/** A view the core holds no subscription for ends (the window closes a direct conversation's tab). */
	| {type: 'close'; room: string}
	/** The broker's member list for `room` answers this command (the window prints it when it arrives). */
	| {type: 'await-members'; room: string}
	/** List the commands, or explain one (`topic`): each front end knows its own help. */
	| {type: 'help'; topic?: string}
	/** The line the user typed was not taken (a message too large to send): it stays in the input to edit. */
	| {type: 'keep-input'}
	/** Hide `user`'s messages from now on (`ignore` true) or show them again; the front end keeps the list. */
	| {type: 'ignore'; user: string; ignore: boolean}
	/** A change to the window's own view (/search, /clear, /set): --json has none, and says so. */
	| {type: 'view'; change: ViewChange}
	| {type: 'quit'};

/** What the window changes for a `view` step. */
export type ViewChange =
	| {change: 'search'; room: string; text?: string}
	| {change: 'clear'; room: string}
	| {change: 'set'; setting: 'timestamp' | 'members'; value: string};
