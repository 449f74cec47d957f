import type {ChatMessage, MessageFrame, PresenceFrame, SubscribedFrame} from '../protocol/messages.js';
import type {ClientEvent} from './types.js';
import {defined} from '../defined.js';

/** A `presence` frame as the client's event; `rooms` are the rooms held. */
export function presenceEvent(frame: PresenceFrame, rooms: ReadonlyMap<string, unknown>): Extract<ClientEvent, {type: 'presence'}> {
	return {
		type: 'presence',
		// The seed's presence names no room: '*' means "whichever room you are looking at".
		room: frame.room ?? (rooms.size === 1 ? [...rooms.keys()][0]! : '*'),
		userId: frame.userId,
		action: frame.action,
		status: frame.status ?? (frame.action === 'away' ? 'away' : 'online'),
		timestamp: frame.timestamp,
		...defined({reason: frame.reason}),
	};
}

/** A `subscribed` frame as the `joined` event; `natter` says whether it carries natter's fields. */
export function joinedEvent(frame: SubscribedFrame, natter: boolean, resumed: boolean): Extract<ClientEvent, {type: 'joined'}> {
	return {
		type: 'joined',
		room: frame.room,
		epoch: natter ? frame.epoch : undefined,
		sequence: frame.sequence,
		// The seed's `subscribed` has no `since`: only live messages follow it.
		since: natter && typeof frame.since === 'number' ? frame.since : frame.sequence,
		members: frame.members,
		resumed,
		...defined({filter: frame.filter}),
		...(natter && typeof frame.topic === 'string' ? {topic: frame.topic} : {}),
	};
}

/** The message a `message` frame carries. */
export function chatMessage(frame: MessageFrame): ChatMessage {
	const {type: _type, ...message} = frame;
	return message;
}
