import type {ClientFrame, ErrorCode, MessageData} from './messages.js';
import {checkRoomName, checkUserName, isDirectRoom} from './names.js';
import {MAX_TOPIC_LENGTH, TOPIC_DATA_KEY} from './topic.js';
import {defined} from '../defined.js';

/** Limits the parser enforces; the broker passes its configured values. */
export type FrameLimits = {
	/** Longest `content`, in UTF-16 code units. */
	maxContent: number;
	/** Largest `data` object, in bytes of its JSON. */
	maxData: number;
	/** Longest filter expression. */
	maxFilter: number;
	/** Largest `limit` a history request may ask for. */
	maxHistoryLimit: number;
};

export const DEFAULT_FRAME_LIMITS: FrameLimits = {
	maxContent: 16 * 1024,
	maxData: 8 * 1024,
	maxFilter: 512,
	maxHistoryLimit: 1000,
};

/** The result of parsing one untrusted frame: a typed frame, or a typed error for the sender. */
export type ParseResult =
	| {ok: true; frame: ClientFrame}
	| {ok: false; code: ErrorCode; error: string; room?: string; clientId?: string; id?: string};

const POLLUTING_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_DATA_DEPTH = 8;
const MAX_ID_LENGTH = 64;

/**
 * Parse and validate one text frame from a client. Never throws: whatever arrives, the
 * result is either a well-typed frame or an error that names the problem.
 */
export function parseClientFrame(text: string, limits: FrameLimits = DEFAULT_FRAME_LIMITS): ParseResult {
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		// The seed answers 'Invalid message format' here; keep its words.
		return fail('invalid_json', 'Invalid message format: not JSON');
	}
	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		return fail('invalid_frame', 'Invalid message format: a frame must be a JSON object');
	}
	const raw = value as Record<string, unknown>;
	if (hasPollutingKey(raw, 0)) return fail('invalid_frame', 'frame contains a forbidden key (__proto__, constructor or prototype)');
	const type = raw.type;
	if (typeof type !== 'string') return fail('invalid_frame', 'frame has no "type" string');
	try {
		return parseTyped(type, raw, limits);
	} catch (error) {
		// Only a bug in a validator lands here; the frame is refused, never the process.
		return fail('internal', `could not read frame: ${(error as Error).message}`);
	}
}

function parseTyped(type: string, raw: Record<string, unknown>, limits: FrameLimits): ParseResult {
	switch (type) {
		case 'hello': {
			const userId = userName(raw.userId, 'userId');
			if (!userId.ok) return userId;
			const resume = optionalString(raw.resume, 'resume', 128);
			if (!resume.ok) return resume;
			const adminKey = optionalString(raw.adminKey, 'adminKey', 128);
			if (!adminKey.ok) return adminKey;
			const key = optionalString(raw.key, 'key', 128);
			if (!key.ok) return key;
			return ok({type, userId: userId.value, ...defined({resume: resume.value}), ...defined({adminKey: adminKey.value}), ...defined({key: key.value})});
		}
		case 'subscribe': {
			const room = roomName(raw.room);
			if (!room.ok) return room;
			const r = room.value;
			const userId = raw.userId === undefined ? {ok: true as const, value: undefined} : userName(raw.userId, 'userId', r);
			if (!userId.ok) return userId;
			const since = optionalSequence(raw.since, 'since', r);
			if (!since.ok) return since;
			const epoch = optionalString(raw.epoch, 'epoch', 64, r);
			if (!epoch.ok) return epoch;
			const filter = optionalString(raw.filter, 'filter', limits.maxFilter, r);
			if (!filter.ok) return filter;
			const sub = subscriptionName(raw.sub, r);
			if (!sub.ok) return sub;
			return ok({
				type,
				room: r,
				...defined({userId: userId.value}),
				...defined({since: since.value}),
				...defined({epoch: epoch.value}),
				...defined({filter: filter.value}),
				...defined({sub: sub.value}),
			});
		}
		case 'unsubscribe': {
			const room = roomName(raw.room);
			if (!room.ok) return room;
			const sub = subscriptionName(raw.sub, room.value);
			if (!sub.ok) return sub;
			return ok({type, room: room.value, ...defined({sub: sub.value})});
		}
		case 'clear_history':
		case 'who': {
			const room = roomName(raw.room);
			if (!room.ok) return room;
			return ok({type, room: room.value});
		}
		case 'publish': {
			const target = roomAndClientId(raw);
			if (!target.ok) return target;
			const {room: r, clientId: cid} = target.value;
			if (typeof raw.content !== 'string') return fail('invalid_field', 'publish needs a "content" string', r, cid);
			if (raw.content.length === 0) return fail('invalid_field', 'content is empty', r, cid);
			if (raw.content.length > limits.maxContent) {
				return fail('invalid_field', `content is longer than ${limits.maxContent} characters`, r, cid);
			}
			const sender = raw.sender === undefined ? {ok: true as const, value: undefined} : userName(raw.sender, 'sender', r);
			if (!sender.ok) return {...sender, ...defined({clientId: cid})};
			let data: MessageData | undefined;
			if (raw.data !== undefined) {
				if (typeof raw.data !== 'object' || raw.data === null || Array.isArray(raw.data)) {
					return fail('invalid_field', '"data" must be a JSON object', r, cid);
				}
				if (depth(raw.data, 0) > MAX_DATA_DEPTH) return fail('invalid_field', `"data" is nested deeper than ${MAX_DATA_DEPTH}`, r, cid);
				if (Buffer.byteLength(JSON.stringify(raw.data)) > limits.maxData) {
					return fail('invalid_field', `"data" is larger than ${limits.maxData} bytes`, r, cid);
				}
				// Only a `topic` frame makes a topic change: a publish cannot pass one off.
				if (Object.hasOwn(raw.data, TOPIC_DATA_KEY)) {
					return fail('invalid_field', `"data.${TOPIC_DATA_KEY}" is reserved for topic changes: send a "topic" frame to set the topic`, r, cid);
				}
				data = raw.data as MessageData;
			}
			return ok({
				type,
				room: r,
				content: raw.content,
				...defined({sender: sender.value}),
				...defined({clientId: cid}),
				...defined({data}),
			});
		}
		case 'get_history': {
			const room = roomName(raw.room);
			const id = optionalString(raw.id, 'id', MAX_ID_LENGTH, room.ok ? room.value : undefined);
			if (!id.ok) return id;
			// Every refusal of a get_history echoes its id, so the client can settle that request.
			const withId = (failure: {ok: false; code: ErrorCode; error: string; room?: string}): ParseResult => ({...failure, ...defined({id: id.value})});
			if (!room.ok) return withId(room);
			const r = room.value;
			const since = optionalSequence(raw.since, 'since', r);
			if (!since.ok) return withId(since);
			const before = optionalSequence(raw.before, 'before', r);
			if (!before.ok) return withId(before);
			const limit = optionalSequence(raw.limit, 'limit', r);
			if (!limit.ok) return withId(limit);
			if (limit.value !== undefined && (limit.value < 1 || limit.value > limits.maxHistoryLimit)) {
				return withId(fail('invalid_field', `"limit" must be between 1 and ${limits.maxHistoryLimit}`, r));
			}
			const epoch = optionalString(raw.epoch, 'epoch', 64, r);
			if (!epoch.ok) return withId(epoch);
			const sub = subscriptionName(raw.sub, r);
			if (!sub.ok) return withId(sub);
			return ok({
				type,
				room: r,
				...defined({id: id.value}),
				...defined({since: since.value}),
				...defined({before: before.value}),
				...defined({limit: limit.value}),
				...defined({epoch: epoch.value}),
				...defined({sub: sub.value}),
			});
		}
		case 'ack': {
			const room = roomName(raw.room);
			if (!room.ok) return room;
			const sequence = optionalSequence(raw.sequence, 'sequence', room.value);
			if (!sequence.ok) return sequence;
			if (sequence.value === undefined) return fail('invalid_field', 'ack needs a "sequence"', room.value);
			return ok({type, room: room.value, sequence: sequence.value});
		}
		case 'status': {
			if (raw.status !== 'online' && raw.status !== 'away') return fail('invalid_field', '"status" must be "online" or "away"');
			const reason = optionalString(raw.reason, 'reason', 200);
			if (!reason.ok) return reason;
			return ok({type, status: raw.status, ...defined({reason: reason.value})});
		}
		case 'topic': {
			const target = roomAndClientId(raw);
			if (!target.ok) return target;
			const {room: r, clientId: cid} = target.value;
			if (isDirectRoom(r)) return fail('invalid_field', 'a direct conversation has no topic: only rooms do', r, cid);
			if (typeof raw.topic !== 'string') return fail('invalid_field', 'topic needs a "topic" string ("" clears it)', r, cid);
			if (raw.topic.length > MAX_TOPIC_LENGTH) return fail('invalid_field', `topic is longer than ${MAX_TOPIC_LENGTH} characters`, r, cid);
			return ok({type, room: r, topic: raw.topic, ...defined({clientId: cid})});
		}
		case 'bye':
			return ok({type});
		default:
			return fail('unknown_type', `unknown message type ${JSON.stringify(type.slice(0, 40))}`);
	}
}

type Field<T> = {ok: true; value: T} | {ok: false; code: ErrorCode; error: string; room?: string; clientId?: string};

/**
 * The room and optional clientId of a frame that publishes (publish, topic). Every refusal of
 * such a frame echoes its clientId, so the sender's outbox can settle it.
 */
function roomAndClientId(raw: Record<string, unknown>): Field<{room: string; clientId: string | undefined}> {
	const room = roomName(raw.room);
	const clientId = optionalString(raw.clientId, 'clientId', MAX_ID_LENGTH, room.ok ? room.value : undefined);
	if (!clientId.ok) return clientId;
	if (!room.ok) return {...room, ...defined({clientId: clientId.value})};
	return {ok: true, value: {room: room.value, clientId: clientId.value}};
}

function ok(frame: ClientFrame): ParseResult {
	return {ok: true, frame};
}

function fail(code: ErrorCode, error: string, room?: string, clientId?: string): {ok: false; code: ErrorCode; error: string; room?: string; clientId?: string} {
	return {ok: false, code, error, ...defined({room}), ...defined({clientId})};
}

/** Spread helper: `{key: value}` when value is defined, `{}` otherwise (keeps frames free of undefined fields). */
function roomName(value: unknown): Field<string> {
	if (typeof value !== 'string') return fail('invalid_field', 'a "room" string is required');
	const why = checkRoomName(value);
	if (why) return fail('invalid_field', why);
	return {ok: true, value};
}

function userName(value: unknown, field: string, room?: string): Field<string> {
	if (typeof value !== 'string') return fail('invalid_field', `"${field}" must be a string`, room);
	const why = checkUserName(value);
	if (why) return fail('invalid_field', `${field}: ${why}`, room);
	return {ok: true, value};
}

function optionalString(value: unknown, field: string, max: number, room?: string): Field<string | undefined> {
	if (value === undefined) return {ok: true, value: undefined};
	if (typeof value !== 'string') return fail('invalid_field', `"${field}" must be a string`, room);
	if (value.length > max) return fail('invalid_field', `"${field}" is longer than ${max} characters`, room);
	return {ok: true, value};
}

/** A named subscription: the same rules as a user name (it is shown, and must not hide characters). */
function subscriptionName(value: unknown, room: string): Field<string | undefined> {
	if (value === undefined) return {ok: true, value: undefined};
	return userName(value, 'sub', room);
}

function optionalSequence(value: unknown, field: string, room?: string): Field<number | undefined> {
	if (value === undefined) return {ok: true, value: undefined};
	if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
		return fail('invalid_field', `"${field}" must be a whole number of 0 or more`, room);
	}
	return {ok: true, value};
}

function hasPollutingKey(value: unknown, level: number): boolean {
	if (level > 32 || typeof value !== 'object' || value === null) return false;
	if (Array.isArray(value)) return value.some(item => hasPollutingKey(item, level + 1));
	for (const key of Object.keys(value)) {
		if (POLLUTING_KEYS.has(key)) return true;
		if (hasPollutingKey((value as Record<string, unknown>)[key], level + 1)) return true;
	}
	return false;
}

function depth(value: unknown, level: number): number {
	if (typeof value !== 'object' || value === null || level > MAX_DATA_DEPTH) return level;
	let deepest = level + 1;
	for (const child of Object.values(value)) deepest = Math.max(deepest, depth(child, level + 1));
	return deepest;
}
