// A fast-check property test against a live broker: several connections throw thousands of
// random frames (random text, random JSON, frame-shaped junk, valid frames). Afterwards the
// broker must not have thrown, a well-behaved canary must still be served, and a witness must
// have received exactly the publishes the protocol accepted: nothing a refused frame carried.
import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {parseClientFrame} from '../source/protocol/parse-client-frame.js';
import {FrameClient, type Frame} from './helpers/frame-client.js';
import {startBroker} from './helpers/start-broker.js';
import {closeAll, connectAs, range, subscribe, sync} from './helpers/broker-session.js';

const FUZZERS = 8;
const WITNESS_ROOMS = ['fa', 'fb', 'fc'];

// ---------------------------------------------------------------------------
// What the fuzzers send
// ---------------------------------------------------------------------------

type Fuzz = {text: string; binary: boolean};

const anything = fc.oneof(fc.string({maxLength: 20}), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.jsonValue({maxDepth: 2}));
const goodRoom = fc.constantFrom(...WITNESS_ROOMS, 'fd', '@witness', '@fz0', '@fz1', '@fz2', '@nobody');
const badRoom = fc.constantFrom('', ' ', 'r'.repeat(65), '#dm:fz0:witness', '#dm:fz1:witness', 'a\u202eb', '@', '@@x', '@a b');
const room = fc.oneof({weight: 8, arbitrary: goodRoom}, {weight: 1, arbitrary: badRoom}, {weight: 1, arbitrary: anything});
const sequence = fc.oneof({weight: 4, arbitrary: fc.nat({max: 60})}, {weight: 1, arbitrary: fc.oneof(fc.integer({min: -3, max: -1}), fc.double(), fc.constant('7'))});
const content = fc.oneof({weight: 8, arbitrary: fc.string({minLength: 1, maxLength: 40})}, {weight: 1, arbitrary: anything}, {weight: 1, arbitrary: fc.constant('')});
const clientId = fc.option(fc.constantFrom('k1', 'k2', 'k3', 'k4'), {nil: undefined});
const name = fc.oneof(fc.constantFrom('fz0', 'fz1', 'witness', 'canary', 'mallory'), anything);
const data = fc.option(fc.oneof(fc.dictionary(fc.string({maxLength: 6}), fc.jsonValue({maxDepth: 3}), {maxKeys: 4}), anything), {nil: undefined, freq: 3});

/** Frames a real client might send, with field values mostly right and sometimes wrong. */
const shaped = fc.oneof(
	{weight: 6, arbitrary: fc.record({type: fc.constant('publish'), room, content, clientId, sender: fc.option(name, {nil: undefined}), data})},
	{weight: 2, arbitrary: fc.record({type: fc.constant('subscribe'), room, userId: fc.option(name, {nil: undefined}), since: fc.option(sequence, {nil: undefined}), epoch: fc.option(fc.string({maxLength: 12}), {nil: undefined})})},
	{weight: 1, arbitrary: fc.record({type: fc.constant('unsubscribe'), room})},
	{weight: 2, arbitrary: fc.record({type: fc.constant('get_history'), room, since: fc.option(sequence, {nil: undefined}), before: fc.option(sequence, {nil: undefined}), limit: fc.option(sequence, {nil: undefined})})},
	{weight: 1, arbitrary: fc.record({type: fc.constant('ack'), room, sequence})},
	{weight: 1, arbitrary: fc.record({type: fc.constant('status'), status: fc.oneof(fc.constantFrom('online', 'away'), anything), reason: fc.option(fc.string({maxLength: 10}), {nil: undefined})})},
	{weight: 1, arbitrary: fc.record({type: fc.constant('hello'), userId: name, resume: fc.option(fc.string({maxLength: 30}), {nil: undefined}), adminKey: fc.option(fc.string({maxLength: 30}), {nil: undefined})})},
	{weight: 1, arbitrary: fc.record({type: fc.constantFrom('clear_history', 'who'), room})},
	{weight: 1, arbitrary: fc.record({type: fc.constantFrom('bye', 'message', 'subscribed', 'error', 'toString', '__proto__'), room})},
);

/** Frames a well-behaved client sends: what the broker must accept and deliver amid the junk. */
const valid = fc.oneof(
	{weight: 8, arbitrary: fc.record({type: fc.constant('publish'), room: goodRoom, content: fc.string({minLength: 1, maxLength: 40}), clientId, data: fc.option(fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), fc.jsonValue({maxDepth: 2}), {maxKeys: 3}), {nil: undefined, freq: 3})})},
	{weight: 1, arbitrary: fc.record({type: fc.constant('subscribe'), room: goodRoom, since: fc.option(fc.nat({max: 40}), {nil: undefined})})},
	{weight: 1, arbitrary: fc.record({type: fc.constant('get_history'), room: goodRoom, since: fc.option(fc.nat({max: 40}), {nil: undefined}), limit: fc.option(fc.integer({min: 1, max: 50}), {nil: undefined})})},
	{weight: 1, arbitrary: fc.record({type: fc.constant('status'), status: fc.constantFrom('online', 'away')})},
	{weight: 1, arbitrary: fc.record({type: fc.constantFrom('unsubscribe', 'who'), room: goodRoom})},
	{weight: 1, arbitrary: fc.record({type: fc.constant('ack'), room: goodRoom, sequence: fc.nat({max: 40})})},
);

const pollution = fc.constantFrom(
	'{"type":"publish","room":"fa","content":"polluted-1","__proto__":{"admin":true}}',
	'{"type":"publish","room":"fa","content":"polluted-2","data":{"__proto__":{"x":1}}}',
	'{"type":"publish","room":"fb","content":"polluted-3","data":{"constructor":{"prototype":{"x":1}}}}',
	'{"type":"subscribe","room":"fc","constructor":{}}',
);

const fuzzFrame: fc.Arbitrary<Fuzz> = fc.oneof(
	{weight: 2, arbitrary: fc.string({maxLength: 60}).map(text => ({text, binary: false}))},
	{weight: 1, arbitrary: fc.string({unit: 'binary', maxLength: 60}).map(text => ({text, binary: false}))},
	{weight: 2, arbitrary: fc.jsonValue({maxDepth: 3}).map(v => ({text: JSON.stringify(v) ?? 'null', binary: false}))},
	{weight: 10, arbitrary: shaped.map(v => ({text: JSON.stringify(v), binary: false}))},
	{weight: 8, arbitrary: valid.map(v => ({text: JSON.stringify(v), binary: false}))},
	{weight: 1, arbitrary: pollution.map(text => ({text, binary: false}))},
	{weight: 1, arbitrary: shaped.map(v => ({text: JSON.stringify(v), binary: true}))},
);

// ---------------------------------------------------------------------------
// Guarding the process
// ---------------------------------------------------------------------------

const crashes: unknown[] = [];
const onCrash = (error: unknown): void => {
	crashes.push(error);
};
before(() => {
	process.on('uncaughtException', onCrash);
	process.on('unhandledRejection', onCrash);
});
after(() => {
	process.off('uncaughtException', onCrash);
	process.off('unhandledRejection', onCrash);
});

// ---------------------------------------------------------------------------
// One run: fuzz, then check
// ---------------------------------------------------------------------------

/** What the fuzz exercised over all runs, so a passing run cannot be a vacuous one. */
const tally = {frames: 0, refused: 0, delivered: 0, direct: 0, byes: 0};

/** A publish the witness must see: where, from whom, what. */
type Expected = {room: string; sender: string; content: string};

/** Frames a client received that answer something other than our own sync probes. */
const answers = (client: FrameClient): Frame[] => client.frames.filter(f => f.type === 'error' && !String(f.error).includes('barrier-'));

async function fuzzer(url: string, index: number, frames: Fuzz[], expected: Expected[], dedupe: Set<string>): Promise<{refused: number; errors: Frame[]; client: FrameClient}> {
	const me = `fz${index}`;
	let {client, welcome} = await connectAs(url, me);
	let refused = 0;
	const errors: Frame[] = [];
	for (const [n, frame] of frames.entries()) {
		client.ws.send(frame.binary ? Buffer.from(frame.text) : frame.text, {binary: frame.binary});
		const parsed = frame.binary ? undefined : parseClientFrame(frame.text);
		if (!parsed?.ok) {
			refused++;
		} else if (parsed.frame.type === 'publish') {
			const p = parsed.frame;
			const seenAs = WITNESS_ROOMS.includes(p.room) ? p.room : p.room === '@witness' ? `@${me}` : undefined;
			// The broker deduplicates per (conversation, sender, clientId); model it to know what must arrive.
			const key = `${p.room}\u0000${p.clientId ?? `#${n}`}`;
			if (p.clientId === undefined || !dedupe.has(`${me}\u0000${key}`)) {
				dedupe.add(`${me}\u0000${key}`);
				if (seenAs) expected.push({room: seenAs, sender: me, content: p.content});
			}
		} else if (parsed.frame.type === 'bye') {
			// The broker says goodbye and closes; come back under the same name, as a real client would.
			tally.byes++;
			await client.closed(3000);
			errors.push(...answers(client));
			({client, welcome} = await connectAs(url, me, {resume: welcome.resume}));
		}
		if (n % 16 === 15) await new Promise(resolve => setImmediate(resolve));
	}
	await sync(client);
	errors.push(...answers(client));
	return {refused, errors, client};
}

async function oneRun(batches: Fuzz[][]): Promise<void> {
	const logs: string[] = [];
	const broker = await startBroker({graceMs: 50, log: line => logs.push(line)});
	const clients: FrameClient[] = [];
	try {
		const {client: witness} = await connectAs(broker.url, 'witness');
		clients.push(witness);
		for (const room of WITNESS_ROOMS) await subscribe(witness, room);

		const expected: Expected[] = [];
		const dedupe = new Set<string>();
		const results = await Promise.all(batches.map((frames, i) => fuzzer(broker.url, i, frames, expected, dedupe)));
		for (const {client} of results) clients.push(client);
		await sync(witness);

		assert.deepEqual(crashes, [], 'the broker process threw');
		assert.deepEqual(logs.filter(line => line.startsWith('error handling')), [], 'a handler failed');

		// The witness received exactly the accepted publishes: per room in gap-free order, per sender in send order.
		const got = witness.frames.filter(f => f.type === 'message');
		tally.delivered += got.length;
		tally.direct += got.filter(f => String(f.room).startsWith('@')).length;
		tally.refused += results.reduce((sum, r) => sum + r.refused, 0);
		const rooms = new Set([...got.map(f => String(f.room)), ...expected.map(e => e.room)]);
		for (const r of rooms) {
			const inRoom = got.filter(f => f.room === r);
			assert.deepEqual(inRoom.map(f => f.sequence), range(1, inRoom.length), `${r}: gap, duplicate or reordering`);
			for (let i = 0; i < FUZZERS; i++) {
				const sender = `fz${i}`;
				assert.deepEqual(
					inRoom.filter(f => f.sender === sender).map(f => f.content),
					expected.filter(e => e.room === r && e.sender === sender).map(e => e.content),
					`${r}: what ${sender} published and what the witness saw differ`,
				);
			}
			assert.ok(inRoom.every(f => /^fz\d$/.test(String(f.sender))), `${r}: a message under a name no fuzzer holds`);
		}
		// Errors go to the sender alone: the witness only ever sees answers to its own probes.
		assert.deepEqual(answers(witness), []);
		for (const [i, {refused, errors}] of results.entries()) {
			assert.ok(errors.length >= refused, `fz${i} sent ${refused} bad frames but got ${errors.length} errors`);
			const bugs = errors.filter(f => f.code === 'internal' || f.code === 'unavailable');
			assert.deepEqual(bugs, [], `fz${i} hit a broker bug`);
		}

		// A well-behaved client is still served, in order.
		const {client: canary} = await connectAs(broker.url, 'canary');
		clients.push(canary);
		const sub = await subscribe(canary, 'canary-room');
		assert.equal(sub.sequence, 0);
		for (const text of ['one', 'two', 'three']) canary.send({type: 'publish', room: 'canary-room', content: text});
		await canary.waitFor((f: Frame) => f.type === 'message' && f.content === 'three');
		assert.deepEqual(
			canary.frames.filter(f => f.type === 'message').map(f => [f.sequence, f.content]),
			[[1, 'one'], [2, 'two'], [3, 'three']],
		);
	} finally {
		closeAll(...clients);
		await broker.close();
	}
}

test('a live broker survives tens of thousands of random frames from many connections, leaks nothing, and still serves a canary', async t => {
	await fc.assert(
		fc.asyncProperty(fc.array(fc.array(fuzzFrame, {maxLength: 240, size: 'max'}), {minLength: FUZZERS, maxLength: FUZZERS}), async batches => {
			tally.frames += batches.reduce((sum, b) => sum + b.length, 0);
			await oneRun(batches);
		}),
		{numRuns: 50},
	);
	t.diagnostic(`fuzz: ${JSON.stringify(tally)}`);
	assert.ok(tally.frames >= 20_000, `only ${tally.frames} frames were thrown`);
	assert.ok(tally.refused >= 500 && tally.delivered >= 250 && tally.direct >= 20 && tally.byes >= 5, `the fuzz missed a class: ${JSON.stringify(tally)}`);
	assert.deepEqual(crashes, []);
});
