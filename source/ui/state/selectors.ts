/** Derived views of the chat state that components and key handlers need. */
import type {ChatState, MemberView, RoomView} from './types.js';

/** Rooms and people Tab can complete: every tab's name, and every member and DM peer seen. */
export function completionSources(state: ChatState): {rooms: string[]; users: string[]} {
	const users = new Set<string>();
	for (const room of state.rooms) {
		for (const member of room.members) if (member.userId !== state.me) users.add(member.userId);
		if (room.direct) users.add(room.name.slice(1));
		for (const entry of room.entries) if (entry.kind === 'message' && !entry.mine) users.add(entry.sender);
	}
	return {rooms: state.rooms.filter(room => !room.direct).map(room => room.name), users: [...users]};
}

/** For a direct conversation, the other person's status as seen in the rooms we share. */
export function peerOf(state: ChatState, room: RoomView): {peer?: MemberView} {
	if (!room.direct) return {};
	const name = room.name.slice(1);
	for (const other of state.rooms) {
		const found = other.members.find(m => m.userId === name && m.status !== 'offline');
		if (found) return {peer: found};
	}
	return {};
}
