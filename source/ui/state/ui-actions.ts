/**
 * What the user does to the view (as opposed to what the client reports): switching tabs,
 * scrolling, toggles, local feedback lines. Pure, like `reduce`.
 */
import {append, ensureRoom, findRoom, removeTab, setActive, tabNumber, updateRoom, type NewEntry} from './room.js';
import type {ViewChange} from '../../commands/plan-habit.js';
import {firstUnreadKey, nextActiveTab} from './read-marker.js';
import {applyViewChange, endSearch, stepSearch} from './view-habits.js';
import type {ChatState, HistoryRequest, RoomView, SystemTone} from './types.js';

/** A user action on the view. `at` is the time for any line it adds. */
export type UiAction =
	/** Open a tab (creating it if new) and look at it. */
	| {type: 'open'; room: string}
	/** Close a tab the client holds no subscription for (a direct conversation). */
	| {type: 'close'; room: string; at: number}
	| {type: 'switch-by'; delta: number}
	/** Alt+1..9: the tab showing this number (see ChatState.tabNumbers). */
	| {type: 'switch-to'; number: number}
	/** Put the entry with key `anchor` at the bottom of the view; undefined follows live. */
	| {type: 'scroll'; room: string; anchor: number | undefined}
	/** A scrollback page was asked for: show it loading (and ask no more) until the answer or a refusal. */
	| {type: 'request-history'; room: string; request: HistoryRequest}
	| {type: 'notice'; room?: string; lines: ReadonlyArray<{tone: SystemTone; text: string}>; at: number}
	/** /who ROOM typed in tab `from`: the answer goes there, where the user is looking. */
	| {type: 'want-who'; room: string; from: string | undefined}
	| {type: 'set-filter'; room: string; filter: string | undefined}
	| {type: 'set-away'; reason: string | undefined; away: boolean}
	/** Flip the presence panel; `shownNow` is whether it is visible at this moment (auto mode decides by width). */
	| {type: 'toggle-presence'; shownNow: boolean}
	| {type: 'toggle-sequence'}
	/** Alt+A: the next tab with activity, mentions and direct messages first (see nextActiveTab). */
	| {type: 'next-active'}
	/** /search, /clear, /set: a change to the window's own view. */
	| {type: 'view'; change: ViewChange; at: number}
	/** Ctrl+R: the previous /search match in the active tab. */
	| {type: 'search-step'}
	/** Esc: end the active tab's search. */
	| {type: 'search-end'};

/** Apply one user action. */
export function reduceUi(state: ChatState, action: UiAction): ChatState {
	switch (action.type) {
		case 'open':
			return look(ensureRoom(state, action.room), action.room);
		case 'close': {
			if (!findRoom(state, action.room)) return state;
			const next = removeTab(state, action.room);
			return updateRoom(next, next.active, room => append(room, [{kind: 'system', timestamp: action.at, tone: 'leave', text: `closed ${action.room}`}]));
		}
		case 'switch-by': {
			if (state.rooms.length === 0) return state;
			const index = state.rooms.findIndex(room => room.name === state.active);
			const next = (index + action.delta + state.rooms.length * 2) % state.rooms.length;
			return look(state, state.rooms[next]!.name);
		}
		case 'switch-to': {
			const room = state.rooms.find(tab => tabNumber(state, tab.name) === action.number);
			return room ? look(state, room.name) : state;
		}
		case 'scroll':
			return updateRoom(state, action.room, room => ({
				...room,
				anchor: action.anchor,
				// Seeing the bottom again means seeing everything that arrived meanwhile.
				unseen: action.anchor === undefined ? 0 : room.unseen,
			}));
		case 'request-history':
			return updateRoom(state, action.room, room => ({...room, backlog: 'loading'}));
		case 'notice': {
			const room = action.room !== undefined && findRoom(state, action.room) ? action.room : state.active;
			const lines: NewEntry[] = action.lines.map(line => ({kind: 'system', timestamp: action.at, tone: line.tone, text: line.text}));
			return updateRoom(state, room, view => append(view, lines));
		}
		case 'want-who':
			return updateRoom(state, action.room, room => ({...room, whoWanted: action.from ?? action.room}));
		case 'set-filter':
			return updateRoom(state, action.room, room => ({...room, filter: action.filter}));
		case 'set-away':
			return {...state, away: action.away ? {reason: action.reason} : undefined};
		case 'toggle-presence':
			return {...state, showPresence: !action.shownNow};
		case 'toggle-sequence':
			return {...state, showSequence: !state.showSequence};
		case 'view':
			return applyViewChange(state, action.change, action.at);
		case 'search-step':
			return updateRoom(state, state.active, stepSearch);
		case 'search-end':
			return updateRoom(state, state.active, endSearch);
		case 'next-active': {
			const name = nextActiveTab(state);
			return name === undefined ? state : look(state, name);
		}
	}
}

/**
 * Look at a tab: it is read now, so its unread count and mention mark clear. Coming back to it
 * from another tab, the read marker moves above the first message that arrived meanwhile
 * (none when nothing did); looking at the tab already shown leaves it where it is.
 */
function look(state: ChatState, name: string): ChatState {
	const returning = state.active !== name;
	return updateRoom(setActive(state, name), name, (room: RoomView) => ({
		...room,
		unread: 0,
		mention: false,
		readMarker: returning ? firstUnreadKey(room) : room.readMarker,
	}));
}

