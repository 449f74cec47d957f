import type {ChatMessage, ErrorFrame, HistoryFrame, Member, ServerFrame, UnreadDirect, WelcomeFrame} from '../protocol/messages.js';
import {checkRoomName, isDirectRoom} from '../protocol/names.js';

/**
 * Read one frame from a broker, which is untrusted too (a hostile or buggy server must not
 * crash the client). Returns a typed frame, or undefined for anything malformed; only the
 * fields the client relies on are checked, the rest pass through for display (and are
 * sanitised at render time).
 */
export function parseServerFrame(text: string): ServerFrame | undefined {
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		return undefined;
	}
	if (!isObject(value)) return undefined;
	const f = value;
	// The seed's error frames have no type: {"error": "Invalid message format"}.
	if (f.type === undefined && typeof f.error === 'string') return {type: 'error', code: 'invalid_frame', error: f.error};
	switch (f.type) {
		case 'welcome': {
			if (!str(f.userId) || !str(f.resume)) return undefined;
			const {unread: _unread, ...rest} = f as WelcomeFrame;
			const unread = unreadDirects(f.unread);
			return {...rest, ...(unread.length === 0 ? {} : {unread})};
		}
		case 'subscribed':
			return str(f.room) && seq(f.sequence) ? {...(f as ServerFrame & {type: 'subscribed'}), members: members(f.members)} : undefined;
		case 'unsubscribed':
			return str(f.room) ? (f as ServerFrame) : undefined;
		case 'message':
			return isMessage(f) ? (f as ServerFrame) : undefined;
		case 'presence':
			return str(f.userId) && str(f.action) ? (f as ServerFrame) : undefined;
		case 'history': {
			if (!str(f.room) || !Array.isArray(f.messages)) return undefined;
			const {id: _id, more: _more, ...rest} = f as HistoryFrame;
			return {...rest, messages: f.messages.filter(isMessage), ...requestId(f.id), ...(f.more === true ? {more: true} : {})};
		}
		case 'published':
			return str(f.clientId) && seq(f.sequence) ? (f as ServerFrame) : undefined;
		case 'history_cleared':
			return str(f.room) && str(f.epoch) ? {type: 'history_cleared', room: f.room, epoch: f.epoch, ...(str(f.by) ? {by: f.by} : {})} : undefined;
		case 'members':
			return str(f.room) ? {type: 'members', room: f.room, members: members(f.members)} : undefined;
		case 'error': {
			if (!str(f.error)) return undefined;
			const {id: _id, ...rest} = f as ErrorFrame;
			return {...rest, ...requestId(f.id)};
		}
		default:
			return undefined;
	}
}

/** A request id echoed back: kept only when it is one the client could have sent. */
function requestId(value: unknown): {id?: string} {
	return str(value) && value.length <= 64 ? {id: value} : {};
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): value is string {
	return typeof value === 'string';
}

function seq(value: unknown): value is number {
	return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isMessage(value: unknown): value is ChatMessage {
	if (!isObject(value)) return false;
	return str(value.room) && str(value.sender) && str(value.content) && seq(value.sequence) && value.sequence > 0;
}

/** At most this many of `welcome.unread` are followed: each costs a subscription. */
const MAX_UNREAD_DIRECTS = 100;

/** `welcome.unread`: only well-formed `@name` entries with something after `after`, at most MAX_UNREAD_DIRECTS. */
function unreadDirects(value: unknown): UnreadDirect[] {
	if (!Array.isArray(value)) return [];
	const unread: UnreadDirect[] = [];
	for (const entry of value.slice(0, MAX_UNREAD_DIRECTS)) {
		if (!isObject(entry) || !str(entry.room) || !isDirectRoom(entry.room) || checkRoomName(entry.room) !== undefined) continue;
		if (!seq(entry.sequence) || !seq(entry.after) || entry.after >= entry.sequence) continue;
		unread.push({room: entry.room, sequence: entry.sequence, after: entry.after});
	}
	return unread;
}

function members(value: unknown): Member[] {
	if (!Array.isArray(value)) return [];
	return value.filter(
		(m): m is Member => isObject(m) && str(m.userId) && (m.status === 'online' || m.status === 'away'),
	);
}
