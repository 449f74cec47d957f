/**
 * The TUI's state, split by concern: rooms (tabs, each with its own timeline, members and scroll
 * position), the connection, and view toggles. Pure data: the reducers in this folder are the
 * only writers, components only read it.
 */
import type {ConnectionStatus, Dialect} from '../../client/types.js';

/** How a system line looks: which glyph and colour the pane gives it. */
export type SystemTone = 'join' | 'leave' | 'away' | 'back' | 'info' | 'error' | 'help' | 'connection';

/**
 * One line-ish item of a room's timeline. `key` is unique and increasing along the timeline
 * (entries prepended from older history get smaller keys), so it anchors the scroll position.
 * Strings are stored as received and neutralised at layout time.
 */
export type Entry =
	| {kind: 'message'; key: number; sequence: number; sender: string; text: string; timestamp: number; mine: boolean; mention: boolean; action?: boolean}
	/** A message reprinted by /history: shown in the timeline but not part of its live order. */
	| {kind: 'reprint'; key: number; sequence: number; sender: string; text: string; timestamp: number}
	| {kind: 'system'; key: number; timestamp: number; tone: SystemTone; text: string}
	/** A message of mine the broker refused for good: its pending row, turned red where it failed. */
	| {kind: 'failed'; key: number; timestamp: number; sender: string; text: string}
	/** Messages history no longer holds: `count` of them, sequences `from`..`to` when known. */
	| {kind: 'gap'; key: number; timestamp: number; count: number; from?: number; to?: number};

/** A message the user sent that is not in the room's timeline yet (shown greyed at the bottom); `sequence` once the broker assigned one. */
export type PendingEntry = {clientId: string; text: string; queuedAt: number; sequence?: number};

/**
 * A member as the presence panel shows them: `offline` once they left, kept dimmed for
 * DEPARTED_LINGER_MS after `leftAt` (when the leave arrived), then gone.
 */
export type MemberView = {userId: string; status: 'online' | 'away' | 'offline'; reason?: string; leftAt?: number};

/** How long someone who left stays in the member panel (dimmed) before it forgets them. */
export const DEPARTED_LINGER_MS = 60_000;

/** Why the view asked for history: to extend scrollback (a /history print needs no view state: its answer says what it was for). */
export type HistoryRequest = {kind: 'scrollback'};

/** Whether there is older history to fetch above what memory holds. */
export type Backlog = 'none' | 'more' | 'loading';

/** One tab: a room or a direct conversation (`@user`). */
export type RoomView = {
	name: string;
	direct: boolean;
	/** Subscribed (a room the broker confirmed); direct conversations never are. */
	joined: boolean;
	entries: readonly Entry[];
	/** Key for the next appended entry; `firstKey - 1` for the next prepended one. */
	nextKey: number;
	firstKey: number;
	pending: readonly PendingEntry[];
	members: readonly MemberView[];
	unread: number;
	mention: boolean;
	/** Key of the entry at the bottom of the view while scrolled up; undefined follows live. */
	anchor: number | undefined;
	/** Messages that arrived below the view while scrolled up. */
	unseen: number;
	epoch: string | undefined;
	/** Highest and lowest message sequence held in memory (0 / undefined when none). */
	lastSequence: number;
	oldestSequence: number | undefined;
	/** The room's latest sequence when the broker last confirmed the subscription (0 before). */
	joinedSequence: number;
	/** 'loading' while a scrollback page is asked for; the client core matches the answer to the request. */
	backlog: Backlog;
	/** Width of the sender column: the widest sender seen, within bounds. */
	nickWidth: number;
	filter: string | undefined;
	/** The room's topic as the client core last heard it (shown under the tab bar); undefined: none. */
	topic?: string | undefined;
	/** /who asked for this room's member list from the tab named here: print it there when it arrives. */
	whoWanted: string | undefined;
	/** Key of the first entry not seen before returning to this tab: the `── new ──` line goes above it. */
	readMarker: number | undefined;
	/** /search in this tab: the matching entries' keys, oldest first, and the one shown. */
	search?: {text: string; keys: readonly number[]; index: number} | undefined;
};

/** Everything the chat window shows. */
export type ChatState = {
	me: string;
	admin: boolean;
	/** What the broker supports (the client's Dialect): commands read its capabilities. */
	dialect: Dialect;
	connection: ConnectionStatus;
	rtt: number | undefined;
	/** Tabs in the order of their numbers: rooms as joined, direct conversations as they start. */
	rooms: readonly RoomView[];
	active: string | undefined;
	/**
	 * Each tab's number (shown in the tab bar, picked by Alt+N), kept for the session: a room
	 * left and joined again gets its old number back, a new one the next unused number.
	 */
	tabNumbers: ReadonlyMap<string, number>;
	/** Tabs in the order they were last looked at, most recent first (where /leave goes back to). */
	recent: readonly string[];
	/** Lines for when no tab is open (before the first join, after leaving the last room). */
	home: RoomView;
	/** I marked myself away (by /away or idleness); the reason shown in the status bar. */
	away: {reason: string | undefined} | undefined;
	/** When the connection was lost (undefined while online or never connected yet). */
	lostAt: number | undefined;
	/** Why the last attempt to connect failed, as the pane said it (said again only when it changes). */
	failure?: string | undefined;
	/** undefined: automatic (shown when wide enough); otherwise the user's choice. */
	showPresence: boolean | undefined;
	showSequence: boolean;
	/** /set timestamp: the pane's times with seconds (HH:mm:ss) or without. */
	seconds?: boolean;
	/** /set members N: the member panel's width (the default when undefined). */
	panelWidth?: number | undefined;
};

/** Messages (and lines) kept per room in memory; older ones are fetched again on scrollback. */
export const MAX_ENTRIES = 2000;
/** Messages fetched per scrollback page. */
export const SCROLLBACK_PAGE = 100;
