// Every class of bad input over a real socket: each refused frame gets exactly one
// {type:'error', code, error} and the connection stays open and usable; only an oversized
// frame closes it (1009), as the WebSocket standard and docs/protocol.md say.
import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import type {Broker} from '../source/broker/create-broker.js';
import {FrameClient, type Frame} from './helpers/frame-client.js';
import {startBroker} from './helpers/start-broker.js';
import {closeAll, connectAs, request, subscribe} from './helpers/broker-session.js';

const MAX_PAYLOAD = 32 * 1024;

let broker: Broker;
let tester: FrameClient;
let witness: FrameClient;
before(async () => {
	broker = await startBroker({maxPayload: MAX_PAYLOAD});
	({client: tester} = await connectAs(broker.url, 'tester'));
	({client: witness} = await connectAs(broker.url, 'witness'));
	await subscribe(tester, 'bad');
	await subscribe(witness, 'bad');
});
after(async () => {
	closeAll(tester, witness);
	await broker.close();
});

let probes = 0;

/** Send `raw` and then a marker; resolve with every frame the broker answered to `raw` alone. */
async function answersTo(client: FrameClient, raw: string | Buffer, binary = false): Promise<Frame[]> {
	const marker = `probe-${++probes}`;
	const from = client.frames.length;
	const done = client.next(f => f.type === 'error' && String(f.error).includes(marker), 3000, `answer to ${marker}`);
	client.ws.send(raw, {binary});
	client.send({type: marker});
	const end = client.frames.indexOf(await done);
	return client.frames.slice(from, end).filter(f => f.type !== 'presence');
}

/** `raw` is refused with exactly one error of `code`, in the documented shape, and nothing else. */
async function refused(raw: string | Buffer | Record<string, unknown>, code: string, binary = false): Promise<Frame> {
	const text = typeof raw === 'string' || Buffer.isBuffer(raw) ? raw : JSON.stringify(raw);
	const answers = await answersTo(tester, text, binary);
	const shown = Buffer.isBuffer(text) ? `<${text.length} bytes>` : text.slice(0, 120);
	assert.equal(answers.length, 1, `expected one answer to ${shown}, got ${JSON.stringify(answers).slice(0, 400)}`);
	const error = answers[0]!;
	assert.equal(error.type, 'error', `${shown} was not refused`);
	assert.equal(error.code, code, `${shown}: ${String(error.error)}`);
	assert.equal(typeof error.error, 'string');
	assert.ok(String(error.error).length > 0);
	assert.equal(tester.ws.readyState, tester.ws.OPEN, `${shown} closed the connection`);
	return error;
}

/** After a batch of refusals, the same connection still publishes and receives in order. */
async function stillServed(label: string): Promise<void> {
	const content = `still served after ${label}`;
	const published = await request(tester, {type: 'publish', room: 'bad', content, clientId: `ok-${label}`}, 'published');
	assert.equal(published.type, 'published', `${label}: ${JSON.stringify(published)}`);
	await tester.waitFor(f => f.type === 'message' && f.content === content);
	await witness.waitFor(f => f.type === 'message' && f.content === content);
	// Only accepted publishes ever reach another member, in one gap-free order.
	const seen = witness.frames.filter(f => f.type === 'message');
	assert.ok(seen.every(f => String(f.content).startsWith('still served after ')), 'a refused frame reached another member');
	assert.deepEqual(seen.map(f => f.sequence), seen.map((_, i) => i + 1));
}

test('malformed JSON is refused with invalid_json in the seed words, and the connection stays usable', async () => {
	for (const raw of ['{', 'hello', '', '{"type":"publish",', "{'type':'publish'}", '{"type":"subscribe","room":"x"}}', 'NaN', '\u0000']) {
		const error = await refused(raw, 'invalid_json');
		assert.match(String(error.error), /^Invalid message format/);
	}
	await stillServed('malformed JSON');
});

test('JSON that is not an object, or has no type string, is refused with invalid_frame', async () => {
	for (const raw of ['[]', '[{"type":"publish"}]', '42', '-1.5e300', '"publish"', 'null', 'true', '{}', '{"type":1}', '{"type":null}', '{"type":["publish"]}', '{"type":{"x":1}}']) {
		await refused(raw, 'invalid_frame');
	}
	await stillServed('non-object JSON');
});

test('an unknown type is refused with unknown_type, whatever the string', async () => {
	for (const type of ['explode', 'SUBSCRIBE', 'toString', 'hasOwnProperty', '', 'message', 'subscribed', 'x'.repeat(5000)]) {
		await refused({type, room: 'bad'}, 'unknown_type');
	}
	await stillServed('unknown types');
});

test('every client frame type refuses missing and wrongly typed fields with invalid_field', async () => {
	const cases: Array<Record<string, unknown>> = [
		{type: 'hello'},
		{type: 'hello', userId: 5},
		{type: 'hello', userId: ''},
		{type: 'hello', userId: 'ok', resume: 5},
		{type: 'hello', userId: 'ok', resume: 'r'.repeat(129)},
		{type: 'hello', userId: 'ok', adminKey: {}},
		{type: 'subscribe'},
		{type: 'subscribe', room: 5},
		{type: 'subscribe', room: ['bad']},
		{type: 'subscribe', room: 'bad', userId: 5},
		{type: 'subscribe', room: 'bad', since: -1},
		{type: 'subscribe', room: 'bad', since: 1.5},
		{type: 'subscribe', room: 'bad', since: '3'},
		{type: 'subscribe', room: 'bad', since: 2 ** 60},
		{type: 'subscribe', room: 'bad', epoch: 7},
		{type: 'subscribe', room: 'bad', epoch: 'e'.repeat(65)},
		{type: 'subscribe', room: 'bad', filter: 9},
		{type: 'unsubscribe'},
		{type: 'unsubscribe', room: null},
		{type: 'publish', room: 'bad'},
		{type: 'publish', room: 'bad', content: 5},
		{type: 'publish', room: 'bad', content: {text: 'x'}},
		{type: 'publish', content: 'x'},
		{type: 'publish', room: 'bad', content: 'x', sender: 5},
		{type: 'publish', room: 'bad', content: 'x', clientId: 5},
		{type: 'publish', room: 'bad', content: 'x', clientId: 'c'.repeat(65)},
		{type: 'publish', room: 'bad', content: 'x', data: [1, 2]},
		{type: 'publish', room: 'bad', content: 'x', data: 'text'},
		{type: 'publish', room: 'bad', content: 'x', data: null},
		{type: 'publish', room: 'bad', content: 'x', data: {a: {b: {c: {d: {e: {f: {g: {h: {i: 1}}}}}}}}}},
		{type: 'publish', room: 'bad', content: 'x', data: {blob: 'b'.repeat(9000)}},
		{type: 'get_history'},
		{type: 'get_history', room: 'bad', since: -1},
		{type: 'get_history', room: 'bad', before: 'x'},
		{type: 'get_history', room: 'bad', limit: 0},
		{type: 'get_history', room: 'bad', limit: 1001},
		{type: 'get_history', room: 'bad', limit: 2.5},
		{type: 'get_history', room: 'bad', epoch: 7},
		{type: 'ack', room: 'bad'},
		{type: 'ack', room: 'bad', sequence: -1},
		{type: 'ack', room: 'bad', sequence: '1'},
		{type: 'ack', sequence: 1},
		{type: 'status'},
		{type: 'status', status: 'busy'},
		{type: 'status', status: 'away', reason: 5},
		{type: 'status', status: 'away', reason: 'r'.repeat(201)},
		{type: 'clear_history'},
		{type: 'clear_history', room: 3},
		{type: 'who'},
		{type: 'who', room: false},
	];
	for (const frame of cases) await refused(frame, 'invalid_field');
	await stillServed('bad fields');
});

test('empty and over-long room names and contents are refused; the longest allowed ones are accepted', async () => {
	for (const room of ['', 'r'.repeat(65), `@${'u'.repeat(33)}`, '@', '#dm:a:b']) {
		await refused({type: 'subscribe', room}, 'invalid_field');
		await refused({type: 'publish', room, content: 'x'}, 'invalid_field');
		await refused({type: 'get_history', room}, 'invalid_field');
	}
	await refused({type: 'publish', room: 'bad', content: ''}, 'invalid_field');
	const tooLong = await refused({type: 'publish', room: 'bad', content: 'c'.repeat(16 * 1024 + 1), clientId: 'long'}, 'invalid_field');
	assert.equal(tooLong.clientId, 'long', 'a refused publish names its clientId so the outbox can settle it');
	assert.equal(tooLong.room, 'bad');

	const longest = 'r'.repeat(64);
	assert.equal((await subscribe(tester, longest)).room, longest);
	const content = 'c'.repeat(16 * 1024);
	tester.send({type: 'publish', room: longest, content});
	await tester.waitFor(f => f.type === 'message' && f.room === longest && f.content === content);
	await stillServed('bad lengths');
});

test('names and rooms with whitespace, control, bidi or zero-width characters are refused, not sanitised', async () => {
	const sneaky = [
		'a\u0007b', 'a\u001bb', 'a\u007fb', 'a\u0085b', 'a\u202eb', 'a\u2066b', 'a\u200bb', 'a\u200db', 'a\ufeffb', 'a b', 'a\tb', 'a\u00a0b', 'a\u3000b', 'a\u2028b', 'a\u061cb', 'a\u180eb',
		// Also invisible: an Ogham space, a tag character, lone surrogates (all render as U+FFFD), a braille blank.
		'a\u1680b', 'a\u{e0041}b', 'a\ud800b', 'a\udc00b', 'a\u2800b',
	];
	for (const bad of sneaky) {
		await refused({type: 'hello', userId: bad}, 'invalid_field');
		await refused({type: 'subscribe', room: bad}, 'invalid_field');
		await refused({type: 'subscribe', room: 'bad', userId: bad}, 'invalid_field');
		await refused({type: 'publish', room: 'bad', content: 'x', sender: bad}, 'invalid_field');
		await refused({type: 'publish', room: `@${bad}`, content: 'x'}, 'invalid_field');
	}
	for (const badName of ['@ana', '#ana', 'a:b', 'n'.repeat(33)]) await refused({type: 'hello', userId: badName}, 'invalid_field');
	await stillServed('sneaky names');
});

test('binary frames are refused with binary_frame and the connection stays open', async () => {
	await refused(Buffer.from(JSON.stringify({type: 'publish', room: 'bad', content: 'in binary'})), 'binary_frame', true);
	await refused(Buffer.from([0, 1, 2, 255]), 'binary_frame', true);
	await refused(Buffer.alloc(0), 'binary_frame', true);
	await stillServed('binary frames');
});

test('prototype-pollution keys are refused anywhere in a frame and pollute nothing', async () => {
	const raws = [
		'{"type":"publish","room":"bad","content":"x","__proto__":{"admin":true}}',
		'{"__proto__":{"type":"publish"},"type":"publish","room":"bad","content":"x"}',
		'{"type":"publish","room":"bad","content":"x","data":{"__proto__":{"polluted":true}}}',
		'{"type":"publish","room":"bad","content":"x","data":{"a":[{"b":{"__proto__":{"polluted":true}}}]}}',
		'{"type":"publish","room":"bad","content":"x","data":{"constructor":{"prototype":{"polluted":true}}}}',
		'{"type":"subscribe","room":"bad","constructor":{"prototype":{"polluted":true}}}',
		'{"type":"hello","userId":"x","prototype":1}',
		'{"type":"clear_history","room":"bad","__proto__":{"admin":true}}',
	];
	for (const raw of raws) await refused(raw, 'invalid_frame');
	assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype was polluted');
	assert.equal(({} as Record<string, unknown>).admin, undefined, 'Object.prototype was polluted');
	await stillServed('pollution keys');
});

test('requests about rooms the connection is not in are refused with not_subscribed', async () => {
	await refused({type: 'unsubscribe', room: 'never-joined'}, 'not_subscribed');
	await refused({type: 'ack', room: 'never-joined', sequence: 1}, 'not_subscribed');
	const anon = await FrameClient.connect(broker.url);
	try {
		// An unnamed connection is in no room either; its ack must not vanish silently.
		for (const frame of [{type: 'ack', room: 'bad', sequence: 1}, {type: 'unsubscribe', room: 'bad'}]) {
			const answer = await request(anon, frame, 'nothing');
			assert.equal(answer.code, 'not_subscribed', JSON.stringify(frame));
		}
	} finally {
		closeAll(anon);
	}
	await stillServed('not subscribed');
});

test('a frame larger than max-payload closes the connection with 1009; other connections carry on', async () => {
	const {client: big} = await connectAs(broker.url, 'big');
	big.send({type: 'publish', room: 'bad', content: 'x'.repeat(MAX_PAYLOAD)});
	assert.equal(await big.closed(3000), 1009);
	await stillServed('an oversized frame elsewhere');
});

test('a text frame that is not valid UTF-8 closes the connection with 1007, as the WebSocket standard requires', async () => {
	const {client: mangled} = await connectAs(broker.url, 'mangled');
	mangled.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), {binary: false});
	assert.equal(await mangled.closed(3000), 1007);
	await stillServed('invalid UTF-8 elsewhere');
});
