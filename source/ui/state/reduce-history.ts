/**
 * History answers in the chat state: /history's printout, scrollback, and a room's recent
 * conversation when it is joined. Pure, like reduce.ts, which hands `history` events here.
 */
import type {HistoryQuery} from '../../client/types.js';
import type {ChatMessage} from '../../protocol/messages.js';
import {append, prepend, scrollbackBefore, updateRoom, widenNick, type NewEntry} from './room.js';
import {messageEntry, messageText, system} from './timeline-entries.js';
import type {ChatState, RoomView} from './types.js';

/** The line between a room's recent conversation (fetched on join) and what this visit brings. */
export const JOINED_MARK = '── joined ──';

/**
 * A history answer in the chat state: printed for /history, or put above what the room holds
 * (scrollback and the recent conversation on join), with a gap line where history ends early.
 */
export function reduceHistory(state: ChatState, name: string, messages: ChatMessage[], first: number | undefined, query: HistoryQuery, now: number): ChatState {
	return updateRoom(state, name, room => {
		let updated: RoomView = room;
		if (query.purpose === 'print') {
			const shown = messages.slice(-query.limit);
			const header = shown.length === 0
				? `${name} has no history`
				: `the last ${shown.length} message${shown.length === 1 ? '' : 's'} of ${name}:`;
			const lines: NewEntry[] = [system(now, 'info', header)];
			for (const m of shown) lines.push({kind: 'reprint', sequence: m.sequence, sender: m.sender, text: messageText(m), timestamp: m.timestamp});
			if (shown.length > 0) lines.push(system(now, 'info', `end of the history of ${name}`));
			for (const m of shown) updated = widenNick(updated, m.sender);
			return append(updated, lines);
		}
		// A room whose held messages are of an earlier epoch (it started over) gets no recent conversation above them.
		if (query.purpose === 'recent' && room.oldestSequence === undefined && room.entries.some(entry => entry.kind === 'message')) return room;
		// Scrollback and the recent conversation: only what is older than the oldest message already held.
		const oldest = scrollbackBefore(updated);
		const older = messages.filter(m => m.sequence < oldest).sort((a, b) => a.sequence - b.sequence);
		const entries: NewEntry[] = older.map(m => messageEntry(m, state.me, room.direct));
		for (const m of older) updated = widenNick(updated, m.sender);
		const newOldest = older[0]?.sequence ?? updated.oldestSequence;
		const floor = first ?? 1;
		const exhausted = older.length === 0 || newOldest === undefined || newOldest <= Math.max(1, floor);
		if (exhausted && newOldest !== undefined && newOldest > 1) {
			const lost = newOldest - 1;
			entries.unshift({kind: 'gap', timestamp: older[0]?.timestamp ?? now, count: lost, from: 1, to: lost});
		}
		// The room's recent conversation sits above the line that says where this visit began.
		if (query.purpose === 'recent' && older.length > 0) entries.push(system(now, 'help', JOINED_MARK));
		updated = prepend(updated, entries);
		return {...updated, oldestSequence: newOldest, backlog: exhausted ? 'none' : 'more'};
	});
}
