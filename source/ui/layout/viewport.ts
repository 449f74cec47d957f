/**
 * Which rows of a room the pane shows, and where the scroll keys move the view. Only the entries
 * that reach the screen are laid out: the walk starts at the bottom of the view and stops when
 * the pane is full, however long the room's timeline is.
 */
import {sanitizeLine} from '../../text/sanitize.js';
import type {Entry, RoomView} from '../state/types.js';
import {entryRows, pendingRows, type Row, type RowOptions} from './rows.js';
import {dayKey} from './time.js';

/** The pane's content: exactly `height` rows (blank ones on top when the room is short). */
export type Viewport = {
	rows: Row[];
	/** Index of the topmost entry at least partly shown (-1 when none). */
	top: number;
	/** Index of the bottom entry (-1 when the room is empty). */
	bottom: number;
	/** The view reaches the first entry held in memory. */
	atTop: boolean;
};

/** The rows the pane adds around the timeline: a hint above the oldest entry, a marker below while scrolled up. */
export type Chrome = {header?: Row; footer?: Row};

/**
 * The pane's extra rows for `room`, shared by the pane and the scroll keys so both agree on
 * how many entries fit. `home`: the view with no room open.
 */
export function chrome(room: RoomView, home = false): Chrome {
	const out: Chrome = {};
	if (home) out.header = {key: 'header', segments: [{text: 'You are in no room. Type /join ROOM to enter one, /msg @user TEXT to talk to someone, /help for everything.', color: 'cyan'}]};
	else if (room.backlog === 'more') out.header = {key: 'header', segments: [{text: '↑ earlier messages: PageUp to load them', dim: true}]};
	else if (room.backlog === 'loading') out.header = {key: 'header', segments: [{text: '⋯ loading earlier messages…', dim: true}]};
	if (room.search !== undefined) {
		const {text, keys, index} = room.search;
		const line = ` search ${JSON.stringify(sanitizeLine(text))}: match ${index + 1} of ${keys.length} — Ctrl+R the one before, Esc ends `;
		out.footer = {key: 'footer', segments: [{text: line, color: 'yellow', inverse: true}]};
	} else if (room.anchor !== undefined) {
		const text = room.unseen > 0
			? ` ▼ ${room.unseen} new message${room.unseen === 1 ? '' : 's'} below — End to jump to the latest `
			: ' ▼ scrolled up — End to return to the latest ';
		out.footer = {key: 'footer', segments: [{text, color: 'yellow', inverse: true, bold: room.unseen > 0}]};
	}
	return out;
}

/**
 * The sequence gutter width for a room (0 when hidden): wide enough for every sequence it can
 * show, the live ones and those of messages loaded by scrollback or kept from before the room
 * started over (which can be higher than the live ones).
 */
export function seqWidth(room: RoomView, show: boolean): number {
	return show ? String(Math.max(1, room.lastSequence, room.joinedSequence, highestSequence(room.entries))).length + 2 : 0;
}

// Timelines are immutable arrays: each is scanned once, whatever the number of renders.
const highest = new WeakMap<readonly Entry[], number>();

function highestSequence(entries: readonly Entry[]): number {
	let found = highest.get(entries);
	if (found === undefined) {
		found = 0;
		for (const entry of entries) if ((entry.kind === 'message' || entry.kind === 'reprint') && entry.sequence > found) found = entry.sequence;
		highest.set(entries, found);
	}
	return found;
}

/** Index of the entry at the bottom of the view: the anchor's, or the last one when live. */
export function bottomIndex(room: RoomView): number {
	if (room.anchor === undefined) return room.entries.length - 1;
	const index = findKey(room, room.anchor);
	return index < 0 ? room.entries.length - 1 : index;
}

/** The rows of entry `index` (with a day separator above the first one and wherever the day changed). */
export function rowsAt(room: RoomView, index: number, options: RowOptions): Row[] {
	const entry = room.entries[index]!;
	const previous = room.entries[index - 1];
	// The first entry held opens with its day too, so every timeline says when it happened.
	const dayBreak = previous === undefined || dayKey(previous.timestamp) !== dayKey(entry.timestamp);
	const found = room.search?.keys.includes(entry.key) ? {text: room.search.text, current: room.search.keys[room.search.index] === entry.key} : undefined;
	return entryRows(entry, options, dayBreak, entry.key === room.readMarker, found);
}

/**
 * Lay out the view of `room` in `height` rows. When following live, pending messages are shown
 * below the timeline; `header`/`footer` rows (hints, the "new messages" marker) take their place
 * from the content's top and bottom.
 */
export function viewport(room: RoomView, me: string, options: RowOptions, height: number, extra: Chrome = chrome(room)): Viewport {
	const bottom = bottomIndex(room);
	const tail: Row[] = [];
	if (room.anchor === undefined) for (const pending of room.pending) tail.push(...pendingRows(pending, me, options));
	if (extra.footer) tail.push(extra.footer);
	let view = fill(room, options, bottom, tail, height);
	// The header ("earlier messages: PgUp") belongs above the first entry, so only when it shows.
	if (extra.header && view.atTop) {
		view = fill(room, options, bottom, tail, height - 1);
		view.rows.unshift(extra.header);
	}
	while (view.rows.length < height) view.rows.unshift({key: `blank${view.rows.length}`, segments: [{text: ''}]});
	return view;
}

function fill(room: RoomView, options: RowOptions, bottom: number, tail: Row[], budget: number): Viewport {
	const collected: Row[][] = [];
	let used = Math.min(tail.length, budget);
	let top = bottom;
	for (let i = bottom; i >= 0 && used < budget; i--) {
		const rows = rowsAt(room, i, options);
		collected.push(rows);
		used += rows.length;
		top = i;
	}
	let rows = [...collected.reverse().flat(), ...tail];
	// An entry taller than what is left is cut at its top, as a terminal scrolls.
	if (rows.length > budget) rows = rows.slice(rows.length - Math.max(0, budget));
	const clipped = used > budget;
	return {rows, top: bottom < 0 ? -1 : top, bottom, atTop: top <= 0 && !clipped};
}

/**
 * Where PageUp puts the view: the entry now at the top goes to the bottom (one page, keeping
 * that entry in sight). Returns the new anchor key, and whether the view then shows the top of
 * memory (time to fetch older history).
 */
export function pageUp(room: RoomView, options: RowOptions, height: number): {anchor: number | undefined; reachedTop: boolean} {
	if (room.entries.length === 0) return {anchor: room.anchor, reachedTop: true};
	const current = viewport(room, '', options, height);
	if (current.atTop) return {anchor: room.anchor, reachedTop: true};
	const target = Math.max(0, current.top === current.bottom ? current.top - 1 : current.top);
	const key = room.entries[target]!.key;
	// An entry taller than the pane cannot be paged past: treat it as the top.
	if (key === room.anchor) return {anchor: key, reachedTop: true};
	const next = viewport({...room, anchor: key}, '', options, height);
	return {anchor: key, reachedTop: next.atTop};
}

/** Where PageDown puts the view: one page further down, or back to live at the end. */
export function pageDown(room: RoomView, options: RowOptions, height: number): number | undefined {
	if (room.anchor === undefined) return undefined;
	const start = bottomIndex(room);
	// When the latest page still shows the line now at the bottom, the next page is the latest.
	if (viewport({...room, anchor: undefined}, '', options, height).top <= start) return undefined;
	// While scrolled, the marker row takes one line of the pane.
	height -= 1;
	let used = 0;
	let index = start;
	while (index + 1 < room.entries.length && used + rowsAt(room, index + 1, options).length <= height - 1) {
		index++;
		used += rowsAt(room, index, options).length;
	}
	if (index === start && index + 1 < room.entries.length) index++;
	return index >= room.entries.length - 1 ? undefined : room.entries[index]!.key;
}

/** Where Home puts the view: the first entry held in memory at the top. */
export function scrollTop(room: RoomView, options: RowOptions, height: number): number | undefined {
	if (room.entries.length === 0) return undefined;
	// The marker row below and the hint row above take a line each.
	height -= 1 + (room.backlog === 'none' ? 0 : 1);
	let used = 0;
	let index = -1;
	while (index + 1 < room.entries.length && used + rowsAt(room, index + 1, options).length <= height) {
		index++;
		used += rowsAt(room, index, options).length;
	}
	index = Math.max(0, index);
	return index >= room.entries.length - 1 ? undefined : room.entries[index]!.key;
}

function findKey(room: RoomView, key: number): number {
	// Keys increase along the timeline: binary search.
	let low = 0;
	let high = room.entries.length - 1;
	while (low <= high) {
		const mid = (low + high) >> 1;
		const at = room.entries[mid]!.key;
		if (at === key) return mid;
		if (at < key) low = mid + 1;
		else high = mid - 1;
	}
	return Math.max(0, Math.min(low, room.entries.length - 1));
}
