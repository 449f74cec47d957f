/**
 * The read marker and the hotlist: where the `── new ──` line goes when the user returns to a
 * tab, and which tab Alt+A jumps to. Pure, like the reducers that use them.
 */
import type {ChatState, RoomView} from './types.js';

/**
 * The key of the first message that arrived while `room` was not looked at: the oldest of the
 * last `unread` messages from others (those are what its unread count counted). Undefined when
 * nothing is unread. When some unread messages no longer fit in memory, the oldest entry held.
 */
export function firstUnreadKey(room: RoomView): number | undefined {
	if (room.unread === 0) return undefined;
	let left = room.unread;
	let key: number | undefined;
	for (let i = room.entries.length - 1; i >= 0 && left > 0; i--) {
		const entry = room.entries[i]!;
		if (entry.kind !== 'message' || entry.mine) continue;
		key = entry.key;
		left--;
	}
	return key;
}

/**
 * The tab Alt+A goes to: the next one (after the active tab, wrapping round) with a mention or
 * a direct message waiting, else the next one with any unread message; undefined when no
 * other tab has activity. As in WeeChat and irssi, pressing it again walks the rest.
 */
export function nextActiveTab(state: ChatState): string | undefined {
	const {rooms} = state;
	const start = rooms.findIndex(room => room.name === state.active);
	const ordered = [...rooms.slice(start + 1), ...rooms.slice(0, Math.max(0, start))];
	return (ordered.find(room => room.mention) ?? ordered.find(room => room.unread > 0))?.name;
}
