/**
 * Presence in the chat state: who is in each room and how (online, away, gone), from the
 * client's `presence` and `members` events. Pure, like reduce.ts, which hands those events here.
 */
import {describeMembers} from '../../commands/describe-members.js';
import type {ClientEvent} from '../../client/types.js';
import type {Member} from '../../protocol/messages.js';
import {append, findRoom, setMember, updateRoom, withRecentlyLeft} from './room.js';
import {system} from './timeline-entries.js';
import type {ChatState, MemberView} from './types.js';
import {defined} from '../../defined.js';

/** A join, leave, away or back in a room: its member list, and a line when it is news. */
export function reducePresence(state: ChatState, incoming: Extract<ClientEvent, {type: 'presence'}>, now: number): ChatState {
	// The seed's presence names no room; the client calls that '*': the room being looked at.
	const event = incoming.room === '*' && state.active !== undefined ? {...incoming, room: state.active} : incoming;
	if (!findRoom(state, event.room)) return state;
	const {userId, action} = event;
	const reason = event.reason === undefined ? '' : `: ${event.reason}`;
	const me = userId === state.me;
	let next = state;
	// My own away/back: /away, /back and idleness set it and said so already; the broker's echo
	// (one per room) only confirms it. Set by another window of mine, it is news.
	const known = me && (action === 'away' ? state.away !== undefined && (state.away.reason ?? '') === (event.reason ?? '') : action === 'back' && state.away === undefined);
	if (me && (action === 'away' || action === 'back')) {
		next = {...next, away: action === 'away' ? {reason: event.reason} : undefined};
	}
	return updateRoom(next, event.room, room => {
		const status: MemberView['status'] = action === 'leave' ? 'offline' : action === 'away' ? 'away' : 'online';
		const before = room.members.find(m => m.userId === userId);
		const member: MemberView = {userId, status, ...defined({reason: event.reason}), ...(status === 'offline' ? {leftAt: now} : {})};
		const updated = {...room, members: setMember(room.members, member, now)};
		// My own join and leave are told by `joined`/`left`; a repeated state is no news.
		if (known || (me && (action === 'join' || action === 'leave'))) return updated;
		if (before?.status === status && before.reason === event.reason) return updated;
		const who = me ? 'you are' : `${userId} is`;
		const text = {
			join: `${userId} joined ${room.name}`,
			leave: `${userId} left ${room.name}`,
			away: `${who} away${reason}`,
			back: `${who} back`,
		}[action];
		return append(updated, [system(event.timestamp || now, action, text)]);
	});
}

/** The broker's member list for a room; the answer to /who goes where it was typed. */
export function reduceMembers(state: ChatState, name: string, list: Member[], now: number): ChatState {
	const asked = findRoom(state, name)?.whoWanted;
	const next = updateRoom(state, name, room => ({...room, members: withRecentlyLeft(list.map(memberView), room.members, now), whoWanted: undefined}));
	if (asked === undefined) return next;
	// The answer goes where /who was typed (that tab, or this room's if it was closed meanwhile).
	const line = system(now, 'info', describeMembers(name, findRoom(next, name)!.members));
	return updateRoom(next, findRoom(next, asked) ? asked : name, room => append(room, [line]));
}


/** A member as the presence panel holds it. */
export function memberView(member: Member): MemberView {
	return {userId: member.userId, status: member.status, ...defined({reason: member.reason})};
}
