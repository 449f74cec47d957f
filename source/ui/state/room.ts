/** Helpers that build and update one room's view; pure, used by both reducers. */
import type {ChatState, Entry, MemberView, RoomView} from './types.js';
import {DEPARTED_LINGER_MS, MAX_ENTRIES} from './types.js';
import {isDirectRoom} from '../../protocol/names.js';
import stringWidth from 'string-width';
import {sanitizeLine} from '../../text/sanitize.js';
import {firstUnreadKey} from './read-marker.js';

/** Fields of an entry other than its key: what callers build before the room assigns one. */
export type NewEntry = Entry extends infer E ? (E extends Entry ? Omit<E, 'key'> : never) : never;

const MIN_NICK_WIDTH = 3;
const MAX_NICK_WIDTH = 16;

/** An empty tab for `name`; `@name` tabs are direct conversations. */
export function emptyRoom(name: string): RoomView {
	return {
		name,
		direct: isDirectRoom(name),
		joined: false,
		entries: [],
		nextKey: 1,
		firstKey: 1,
		pending: [],
		members: [],
		unread: 0,
		mention: false,
		anchor: undefined,
		unseen: 0,
		epoch: undefined,
		lastSequence: 0,
		oldestSequence: undefined,
		joinedSequence: 0,
		backlog: 'none',
		nickWidth: MIN_NICK_WIDTH,
		filter: undefined,
		whoWanted: undefined,
		readMarker: undefined,
	};
}

/** The tab named `name`, or undefined. */
export function findRoom(state: ChatState, name: string): RoomView | undefined {
	return state.rooms.find(room => room.name === name);
}

/** The tab being looked at (the home view when none is open). */
export function activeRoom(state: ChatState): RoomView {
	return (state.active === undefined ? undefined : findRoom(state, state.active)) ?? state.home;
}

/** Replace one room by `update(room)`; the home view when `name` is undefined. */
export function updateRoom(state: ChatState, name: string | undefined, update: (room: RoomView) => RoomView): ChatState {
	if (name === undefined) return {...state, home: update(state.home)};
	let changed = false;
	const rooms = state.rooms.map(room => {
		if (room.name !== name) return room;
		changed = true;
		return update(room);
	});
	return changed ? {...state, rooms} : state;
}

/**
 * Make sure a tab exists, placed by its number (a new name gets the next unused number, a name
 * seen before this session its old one). A room becomes active when nothing is; a direct
 * conversation never does by itself, so plain text never goes privately unless the user chose
 * that tab.
 */
export function ensureRoom(state: ChatState, name: string): ChatState {
	if (findRoom(state, name)) return state;
	let {tabNumbers} = state;
	let number = tabNumbers.get(name);
	if (number === undefined) {
		number = Math.max(0, ...tabNumbers.values()) + 1;
		tabNumbers = new Map(tabNumbers).set(name, number);
	}
	const at = state.rooms.findIndex(room => (tabNumbers.get(room.name) ?? 0) > number);
	const rooms = at < 0 ? [...state.rooms, emptyRoom(name)] : [...state.rooms.slice(0, at), emptyRoom(name), ...state.rooms.slice(at)];
	const next = {...state, rooms, tabNumbers};
	return state.active === undefined && !isDirectRoom(name) ? setActive(next, name) : next;
}

/** Make `name` the active tab and the most recent in the tab history. */
export function setActive(state: ChatState, name: string): ChatState {
	return {...state, active: name, recent: [name, ...state.recent.filter(other => other !== name)]};
}

/**
 * Close the tab `name`. When it was the active one, the tab looked at before it becomes active
 * (the most recent room still open); never a direct conversation, so the next plain line cannot
 * go privately to someone the user was not looking at: without a room, the home view shows.
 */
export function removeTab(state: ChatState, name: string): ChatState {
	const rooms = state.rooms.filter(room => room.name !== name);
	const recent = state.recent.filter(other => other !== name);
	const next = {...state, rooms, recent};
	if (state.active !== name) return next;
	const isRoom = (candidate: string | undefined) => candidate !== undefined && rooms.some(room => room.name === candidate && !room.direct);
	const back = recent.find(isRoom) ?? rooms.find(room => !room.direct)?.name;
	if (back === undefined) return {...next, active: undefined};
	// The user looks at it now, as after Alt+N: it is read, and the new line marks what came meanwhile.
	return updateRoom(setActive(next, back), back, room => ({...room, unread: 0, mention: false, readMarker: firstUnreadKey(room)}));
}

/** The number tab `name` shows (and Alt+N picks). */
export function tabNumber(state: Pick<ChatState, 'tabNumbers'>, name: string): number | undefined {
	return state.tabNumbers.get(name);
}

/** Append entries to the timeline, dropping the oldest beyond the memory cap. */
export function append(room: RoomView, entries: readonly NewEntry[]): RoomView {
	if (entries.length === 0) return room;
	let key = room.nextKey;
	const keyed = entries.map(entry => ({...entry, key: key++}));
	let all = [...room.entries, ...keyed];
	let {oldestSequence, backlog, anchor} = room;
	if (all.length > MAX_ENTRIES) {
		all = all.slice(all.length - MAX_ENTRIES);
		oldestSequence = firstSequence(all);
		if (oldestSequence !== undefined && oldestSequence > 1) backlog = 'more';
		if (anchor !== undefined && anchor < all[0]!.key) anchor = all[0]!.key;
	}
	return {...room, entries: all, nextKey: key, firstKey: all[0]?.key ?? key, oldestSequence, backlog, anchor};
}

/**
 * The same room as appending `entries` one at a time (each append with its own cap), in one
 * copy: what a batch of messages for one room costs once instead of once per message. Keys,
 * the anchor and the oldest sequence end as one `append` leaves them; only whether earlier
 * history exists can differ (a window on the way may have started at a later message than the
 * final one), so those windows are checked too.
 */
export function appendEach(room: RoomView, entries: readonly NewEntry[]): RoomView {
	const appended = append(room, entries);
	const held = room.entries.length;
	const excess = held + entries.length - MAX_ENTRIES;
	if (excess <= 1 || appended.backlog === 'more') return appended;
	const at = (index: number): NewEntry | Entry => (index < held ? room.entries[index]! : entries[index - held]!);
	// The window after the append that dropped `start` entries is start .. start + MAX_ENTRIES - 1.
	const from = Math.max(1, held + 1 - MAX_ENTRIES);
	let next = from;
	for (let start = from; start < excess; start++) {
		if (next < start) next = start;
		const end = Math.min(start + MAX_ENTRIES, held + entries.length);
		while (next < end && at(next).kind !== 'message') next++;
		const first = next < end ? at(next) : undefined;
		if (first?.kind === 'message' && first.sequence > 1) return {...appended, backlog: 'more'};
	}
	return appended;
}

/**
 * The sequence scrollback fetches history before: the oldest message held, or, when none is,
 * everything up to the latest the room had when it was joined (a quiet room just joined holds
 * no message, yet offers the earlier ones).
 */
export function scrollbackBefore(room: RoomView): number {
	return room.oldestSequence ?? Math.max(room.lastSequence, room.joinedSequence) + 1;
}

/** Prepend older entries (scrollback) above the timeline. */
export function prepend(room: RoomView, entries: readonly NewEntry[]): RoomView {
	if (entries.length === 0) return room;
	let key = room.firstKey - entries.length;
	const keyed = entries.map(entry => ({...entry, key: key++}));
	const all = [...keyed, ...room.entries];
	return {...room, entries: all, firstKey: all[0]!.key, nextKey: room.nextKey};
}

/** The sender column grows to fit a new name, within bounds. */
export function widenNick(room: RoomView, sender: string): RoomView {
	const width = Math.min(MAX_NICK_WIDTH, Math.max(room.nickWidth, nickWidth(sender)));
	return width === room.nickWidth ? room : {...room, nickWidth: width};
}

// The same few senders write most messages: measure each name once (a bounded cache).
const nickWidths = new Map<string, number>();

function nickWidth(sender: string): number {
	let width = nickWidths.get(sender);
	if (width === undefined) {
		if (nickWidths.size >= 1000) nickWidths.clear();
		width = stringWidth(sanitizeLine(sender));
		nickWidths.set(sender, width);
	}
	return width;
}

/** Set one member's status (adding them when new); forgets those who left too long ago. */
export function setMember(members: readonly MemberView[], member: MemberView, now: number): MemberView[] {
	const rest = members.filter(m => m.userId !== member.userId && !departed(m, now));
	return [...rest, member];
}

/** True for a member who left more than DEPARTED_LINGER_MS before `now`: the panel no longer shows them. */
export function departed(member: MemberView, now: number): boolean {
	return member.status === 'offline' && now - (member.leftAt ?? Number.NEGATIVE_INFINITY) >= DEPARTED_LINGER_MS;
}

/**
 * A fresh member list from the broker, plus whoever left recently and is not in it (still shown
 * dimmed for a while, so a leave just seen does not vanish before it is read).
 */
export function withRecentlyLeft(list: readonly MemberView[], before: readonly MemberView[], now: number): MemberView[] {
	const lingering = before.filter(m => m.status === 'offline' && !departed(m, now) && !list.some(l => l.userId === m.userId));
	return [...list, ...lingering];
}

function firstSequence(entries: readonly Entry[]): number | undefined {
	for (const entry of entries) if (entry.kind === 'message') return entry.sequence;
	return undefined;
}

// The pattern for the current name, built once rather than per message (no `g` flag: `test` keeps no state).
let mention: {me: string; pattern: RegExp} | undefined;

/** True when `text` names `me` as a word (optionally with @), case-insensitively. */
export function mentions(text: string, me: string): boolean {
	if (me === '') return false;
	if (mention?.me !== me) {
		const escaped = me.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
		mention = {me, pattern: new RegExp(`(?:^|[^\\p{L}\\p{N}_])@?${escaped}(?:$|[^\\p{L}\\p{N}_])`, 'iu')};
	}
	return mention.pattern.test(text);
}
