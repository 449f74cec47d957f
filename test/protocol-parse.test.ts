// parseClientFrame on its own: the seed's shapes and natter's extensions parse to exact typed
// frames, every bad input maps to its error code, and nothing whatsoever makes it throw.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {DEFAULT_FRAME_LIMITS, parseClientFrame, type ParseResult} from '../source/protocol/parse-client-frame.js';
import {checkRoomName, checkUserName, directKey, directParties} from '../source/protocol/names.js';
import type {ErrorCode} from '../source/protocol/messages.js';

const parse = (frame: unknown): ParseResult => parseClientFrame(typeof frame === 'string' ? frame : JSON.stringify(frame));

function accepted(frame: unknown): Record<string, unknown> {
	const result = parse(frame);
	assert.ok(result.ok, `refused ${JSON.stringify(frame)}: ${result.ok ? '' : result.error}`);
	return result.frame;
}

function refusedWith(frame: unknown, code: ErrorCode): ParseResult & {ok: false} {
	const result = parse(frame);
	assert.equal(result.ok, false, `accepted ${JSON.stringify(frame)}`);
	assert.equal((result as {code: string}).code, code, `${JSON.stringify(frame)}: ${(result as {error: string}).error}`);
	return result;
}

const CODES: ReadonlySet<string> = new Set(['invalid_json', 'invalid_frame', 'unknown_type', 'invalid_field']);

test('the seed reference clients\' frames parse exactly as sent', () => {
	assert.deepEqual(accepted({type: 'subscribe', room: 'general', userId: 'user-abc'}), {type: 'subscribe', room: 'general', userId: 'user-abc'});
	assert.deepEqual(accepted({type: 'unsubscribe', room: 'general'}), {type: 'unsubscribe', room: 'general'});
	assert.deepEqual(accepted({type: 'publish', room: 'general', sender: 'user-abc', content: 'hi'}), {
		type: 'publish',
		room: 'general',
		content: 'hi',
		sender: 'user-abc',
	});
	assert.deepEqual(accepted({type: 'get_history', room: 'general'}), {type: 'get_history', room: 'general'});
});

test('natter\'s frames parse with every optional field, and unknown fields are dropped', () => {
	assert.deepEqual(accepted({type: 'hello', userId: 'ana', resume: 'tok', adminKey: 'key', extra: 1}), {
		type: 'hello',
		userId: 'ana',
		resume: 'tok',
		adminKey: 'key',
	});
	assert.deepEqual(accepted({type: 'subscribe', room: 'r', since: 0, epoch: 'e1', filter: 'a > 1'}), {
		type: 'subscribe',
		room: 'r',
		since: 0,
		epoch: 'e1',
		filter: 'a > 1',
	});
	assert.deepEqual(accepted({type: 'publish', room: '@bo', content: 'x', clientId: 'c1', data: {n: 1, nested: {ok: [1, 2]}}}), {
		type: 'publish',
		room: '@bo',
		content: 'x',
		clientId: 'c1',
		data: {n: 1, nested: {ok: [1, 2]}},
	});
	assert.deepEqual(accepted({type: 'get_history', room: 'r', since: 3, before: 9, limit: 1000, epoch: 'e'}), {
		type: 'get_history',
		room: 'r',
		since: 3,
		before: 9,
		limit: 1000,
		epoch: 'e',
	});
	assert.deepEqual(accepted({type: 'ack', room: 'r', sequence: 0}), {type: 'ack', room: 'r', sequence: 0});
	assert.deepEqual(accepted({type: 'status', status: 'away', reason: 'idle'}), {type: 'status', status: 'away', reason: 'idle'});
	assert.deepEqual(accepted({type: 'status', status: 'online'}), {type: 'status', status: 'online'});
	assert.deepEqual(accepted({type: 'clear_history', room: 'r'}), {type: 'clear_history', room: 'r'});
	assert.deepEqual(accepted({type: 'who', room: 'r'}), {type: 'who', room: 'r'});
	assert.deepEqual(accepted({type: 'bye', reason: 'ignored'}), {type: 'bye'});
	// Absent optional fields are absent, never present-but-undefined.
	assert.deepEqual(Object.keys(accepted({type: 'subscribe', room: 'r'})), ['type', 'room']);
});

test('each bad input class maps to its code', () => {
	refusedWith('{', 'invalid_json');
	refusedWith('', 'invalid_json');
	assert.match(refusedWith('nope', 'invalid_json').error, /^Invalid message format/);
	for (const raw of ['[]', '1', '"s"', 'null', 'false', '{}', '{"type":2}']) refusedWith(raw, 'invalid_frame');
	refusedWith({type: 'fly'}, 'unknown_type');
	refusedWith('{"type":"publish","room":"r","content":"x","__proto__":{}}', 'invalid_frame');
	refusedWith({type: 'publish', room: 'r', content: 'x', data: {constructor: 1}}, 'invalid_frame');
	refusedWith({type: 'publish', room: 'r', content: 'x', data: {deep: [{prototype: 1}]}}, 'invalid_frame');
	refusedWith({type: 'publish', room: 'r'}, 'invalid_field');
	refusedWith({type: 'get_history', room: 'r', limit: 0}, 'invalid_field');
	refusedWith({type: 'get_history', room: 'r', limit: DEFAULT_FRAME_LIMITS.maxHistoryLimit + 1}, 'invalid_field');
	refusedWith({type: 'ack', room: 'r'}, 'invalid_field');
	refusedWith({type: 'status', status: 'gone'}, 'invalid_field');
});

test('refusals name the room and clientId the frame gave, when they are valid', () => {
	const content = refusedWith({type: 'publish', room: 'r', clientId: 'c9'}, 'invalid_field');
	assert.equal(content.room, 'r');
	assert.equal(content.clientId, 'c9');
	const badRoom = refusedWith({type: 'publish', room: '', content: 'x', clientId: 'c9'}, 'invalid_field');
	assert.equal(badRoom.room, undefined, 'an unusable room name is not echoed');
	assert.equal(badRoom.clientId, 'c9', 'but the clientId is, so the outbox can settle the publish');
	const badSender = refusedWith({type: 'publish', room: 'r', content: 'x', sender: 'a b', clientId: 'c9'}, 'invalid_field');
	assert.equal(badSender.clientId, 'c9');
	assert.equal(refusedWith({type: 'subscribe', room: 'r', since: -1}, 'invalid_field').room, 'r');
});

test('limits are the caller\'s: content length, data size and depth', () => {
	const limits = {...DEFAULT_FRAME_LIMITS, maxContent: 5, maxData: 20};
	assert.equal(parseClientFrame(JSON.stringify({type: 'publish', room: 'r', content: '12345'}), limits).ok, true);
	assert.equal(parseClientFrame(JSON.stringify({type: 'publish', room: 'r', content: '123456'}), limits).ok, false);
	assert.equal(parseClientFrame(JSON.stringify({type: 'publish', room: 'r', content: 'x', data: {s: 'x'.repeat(30)}}), limits).ok, false);
	let deep: Record<string, unknown> = {leaf: 1};
	for (let i = 0; i < 7; i++) deep = {d: deep};
	assert.equal(parse({type: 'publish', room: 'r', content: 'x', data: deep}).ok, true, 'depth 8 is allowed');
	assert.equal(parse({type: 'publish', room: 'r', content: 'x', data: {d: deep}}).ok, false, 'depth 9 is not');
});

test('names: the rules refuse lookalikes, reserved prefixes and lengths', () => {
	assert.equal(checkUserName('ana'), undefined);
	assert.equal(checkUserName('ána-ß_42'), undefined);
	assert.equal(checkUserName('😀'), undefined);
	assert.equal(checkUserName('n'.repeat(32)), undefined);
	for (const bad of ['', 'n'.repeat(33), '@ana', '#ana', 'a:b', 'a b', 'a\u200bb', 'a\u202eb', 'a\ud800', 'a\u{e0041}', 'a\u1680b']) {
		assert.notEqual(checkUserName(bad), undefined, JSON.stringify(bad));
	}
	assert.equal(checkRoomName('general'), undefined);
	assert.equal(checkRoomName('#general'), undefined, 'IRC-style rooms are fine');
	assert.equal(checkRoomName('@bo'), undefined);
	assert.equal(checkRoomName('r'.repeat(64)), undefined);
	for (const bad of ['', 'r'.repeat(65), '@', '@a b', 'a\u0000', '#dm:ana:bo', '#dm:x']) {
		assert.notEqual(checkRoomName(bad), undefined, JSON.stringify(bad));
	}
	// A conversation key is the same from both sides and cannot be named as a room.
	assert.equal(directKey('bo', 'ana'), directKey('ana', 'bo'));
	assert.deepEqual(directParties(directKey('bo', 'ana')), ['ana', 'bo']);
	assert.notEqual(checkRoomName(directKey('ana', 'bo')), undefined);
});

/** Frames shaped like real ones, with every field drawn from anything JSON can hold. */
const anyValue = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.jsonValue({maxDepth: 3}), fc.constant(undefined));
const types = fc.constantFrom('hello', 'subscribe', 'unsubscribe', 'publish', 'get_history', 'ack', 'status', 'clear_history', 'who', 'bye', 'other');
const fields = ['room', 'userId', 'sender', 'content', 'since', 'before', 'limit', 'epoch', 'filter', 'clientId', 'data', 'sequence', 'status', 'reason', 'resume', 'adminKey'];
const structured = fc.record({type: types, ...Object.fromEntries(fields.map(f => [f, anyValue]))}, {requiredKeys: ['type']});

test('parseClientFrame never throws, always answers a known code, and what it accepts parses again to itself', () => {
	fc.assert(
		fc.property(fc.oneof(fc.string(), fc.string({unit: 'binary'}), fc.json(), fc.jsonValue().map(v => JSON.stringify(v)), structured.map(v => JSON.stringify(v))), text => {
			const result = parseClientFrame(text);
			if (!result.ok) {
				assert.ok(CODES.has(result.code), `unexpected code ${result.code} for ${text}`);
				assert.equal(typeof result.error, 'string');
				return;
			}
			assert.deepEqual(parseClientFrame(JSON.stringify(result.frame)), result);
		}),
		{numRuns: 3000},
	);
});

test('a topic frame parses with its room, topic ("" clears) and clientId; too long, non-string, a DM room and a publish with data.topic are refused', () => {
	assert.deepEqual(accepted({type: 'topic', room: 'general', topic: 'deploy at 5', clientId: 't1', extra: 1}), {type: 'topic', room: 'general', topic: 'deploy at 5', clientId: 't1'});
	assert.deepEqual(accepted({type: 'topic', room: 'general', topic: ''}), {type: 'topic', room: 'general', topic: ''});
	assert.equal((accepted({type: 'topic', room: 'general', topic: 'x'.repeat(300)}) as {topic: string}).topic.length, 300, '300 characters are allowed');
	const long = refusedWith({type: 'topic', room: 'general', topic: 'x'.repeat(301), clientId: 't2'}, 'invalid_field');
	assert.deepEqual([long.error, long.room, long.clientId], ['topic is longer than 300 characters', 'general', 't2']);
	refusedWith({type: 'topic', room: 'general'}, 'invalid_field');
	refusedWith({type: 'topic', room: 'general', topic: ['x']}, 'invalid_field');
	assert.match(refusedWith({type: 'topic', room: '@bo', topic: 'hi'}, 'invalid_field').error, /a direct conversation has no topic/);
	const forged = refusedWith({type: 'publish', room: 'general', content: 'x', data: {topic: 'fake'}, clientId: 'p1'}, 'invalid_field');
	assert.deepEqual([forged.room, forged.clientId], ['general', 'p1']);
	assert.deepEqual(accepted({type: 'publish', room: 'general', content: 'x', data: {topics: ['a']}}).data, {topics: ['a']}, 'only the key topic itself is reserved');
});
