/**
 * What /search, /clear and /set do to the window's own view (nothing reaches the broker).
 * Pure, like the reducers that call them.
 */
import type {ViewChange} from '../../commands/plan-habit.js';
import {append, findRoom, updateRoom} from './room.js';
import type {ChatState, RoomView} from './types.js';

/** Apply one view change a command asked for; `at` is the time of any line it adds. */
export function applyViewChange(state: ChatState, change: ViewChange, at: number): ChatState {
	switch (change.change) {
		case 'search':
			return change.text === undefined ? updateRoom(state, change.room, endSearch) : search(state, change.room, change.text, at);
		case 'clear':
			return updateRoom(state, change.room, clearPane);
		case 'set':
			return setting(state, change.setting, change.value);
	}
}

/** Find `text` (ignoring case) in the messages the tab holds, and show the latest match. */
function search(state: ChatState, name: string, text: string, at: number): ChatState {
	const room = findRoom(state, name);
	if (!room) return state;
	const needle = text.toLowerCase();
	const keys = room.entries.filter(entry => (entry.kind === 'message' || entry.kind === 'reprint') && entry.text.toLowerCase().includes(needle)).map(entry => entry.key);
	if (keys.length === 0) {
		return updateRoom(state, name, view => append(endSearch(view), [{kind: 'system', timestamp: at, tone: 'info', text: `no match for ${JSON.stringify(text)} in what ${name} has loaded`}]));
	}
	return updateRoom(state, name, view => showMatch({...view, search: {text, keys, index: keys.length - 1}}));
}

/** Ctrl+R: the match before the one shown (after the oldest, the latest again). */
export function stepSearch(room: RoomView): RoomView {
	if (!room.search) return room;
	const {keys, index} = room.search;
	return showMatch({...room, search: {...room.search, index: (index - 1 + keys.length) % keys.length}});
}

/** Esc or /search alone: no search, back to the latest. */
export function endSearch(room: RoomView): RoomView {
	return room.search === undefined ? room : {...room, search: undefined, anchor: undefined, unseen: 0};
}

function showMatch(room: RoomView): RoomView {
	const key = room.search!.keys[room.search!.index]!;
	// The latest entry at the bottom is the live view itself.
	return {...room, anchor: key === room.entries.at(-1)?.key ? undefined : key};
}

/** My pane of this tab only: what it holds goes, the room and its history stay on the broker. */
function clearPane(room: RoomView): RoomView {
	return {...room, entries: [], firstKey: room.nextKey, anchor: undefined, unseen: 0, readMarker: undefined, search: undefined, backlog: 'none'};
}

function setting(state: ChatState, name: 'timestamp' | 'members', value: string): ChatState {
	if (name === 'timestamp') return {...state, seconds: value === 'HH:mm:ss'};
	if (value === 'off') return {...state, showPresence: false};
	if (value === 'on') return {...state, showPresence: true};
	if (value === 'auto') return {...state, showPresence: undefined, panelWidth: undefined};
	return {...state, showPresence: true, panelWidth: Number(value)};
}
