/** Helpers that build and update one room's view; pure, used by both reducers. */
import type {ChatState, Entry, MemberView, RoomView} from './types.js';
import {MAX_ENTRIES} from './types.js';
import {isDirectRoom} from '../../protocol/names.js';
import stringWidth from 'string-width';
import {sanitizeLine} from '../../text/sanitize.js';

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
		backlog: 'none',
		requests: [],
		nickWidth: MIN_NICK_WIDTH,
		filter: undefined,
		whoWanted: false,
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

/** Make sure a tab exists (appended at the end); makes it active when nothing is. */
export function ensureRoom(state: ChatState, name: string): ChatState {
	if (findRoom(state, name)) return state;
	return {...state, rooms: [...state.rooms, emptyRoom(name)], active: state.active ?? name};
}

/** Append entries to the timeline, dropping the oldest beyond the memory cap. */
export function append(room: RoomView, entries: readonly NewEntry[]): RoomView {
	if (entries.length === 0) return room;
	let key = room.nextKey;
	const keyed = entries.map(entry => ({...entry, key: key++}) as Entry);
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

/** Prepend older entries (scrollback) above the timeline. */
export function prepend(room: RoomView, entries: readonly NewEntry[]): RoomView {
	if (entries.length === 0) return room;
	let key = room.firstKey - entries.length;
	const keyed = entries.map(entry => ({...entry, key: key++}) as Entry);
	const all = [...keyed, ...room.entries];
	return {...room, entries: all, firstKey: all[0]!.key, nextKey: room.nextKey};
}

/** The sender column grows to fit a new name, within bounds. */
export function widenNick(room: RoomView, sender: string): RoomView {
	const width = Math.min(MAX_NICK_WIDTH, Math.max(room.nickWidth, stringWidth(sanitizeLine(sender))));
	return width === room.nickWidth ? room : {...room, nickWidth: width};
}

/** Set one member's status (adding them when new). */
export function setMember(members: readonly MemberView[], member: MemberView): MemberView[] {
	const rest = members.filter(m => m.userId !== member.userId);
	return [...rest, member];
}

function firstSequence(entries: readonly Entry[]): number | undefined {
	for (const entry of entries) if (entry.kind === 'message') return entry.sequence;
	return undefined;
}

/** True when `text` names `me` as a word (optionally with @), case-insensitively. */
export function mentions(text: string, me: string): boolean {
	if (me === '') return false;
	const escaped = me.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
	return new RegExp(`(?:^|[^\\p{L}\\p{N}_])@?${escaped}(?:$|[^\\p{L}\\p{N}_])`, 'iu').test(text);
}
