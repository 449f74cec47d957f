import {test} from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {ReorderBuffer, type ReorderOutput} from '../source/client/reorder-buffer.js';

type Msg = {sequence: number; copy: number};

const msg = (sequence: number, copy = 0): Msg => ({sequence, copy});
const range = (from: number, to: number): number[] => Array.from({length: Math.max(0, to - from + 1)}, (_, i) => from + i);
const sequencesOf = (outputs: ReorderOutput<Msg>[]): number[] =>
	outputs.map(output => (output.type === 'message' ? output.message.sequence : -1));

/** Arrival orders for `values`: anything from a full shuffle to mostly-in-order with local delays, plus duplicates. */
function arrivals(values: number[]): fc.Arbitrary<Msg[]> {
	const n = values.length;
	const fullShuffle = fc.shuffledSubarray(values, {minLength: n, maxLength: n});
	// Each message is late by a random amount, the shape reconnects and slow paths actually produce.
	const localDelays = fc
		.array(fc.nat({max: 20}), {minLength: n, maxLength: n})
		.map(delays => values.map((value, i) => ({value, key: i + (delays[i] ?? 0)})).sort((a, b) => a.key - b.key).map(e => e.value));
	const duplicates = fc.array(fc.tuple(fc.nat(), fc.nat()), {maxLength: Math.min(n, 60), size: 'max'});
	return fc.tuple(fc.oneof(fullShuffle, localDelays), duplicates).map(([order, dups]) => {
		const stream = order.map(s => msg(s));
		for (const [pick, at] of dups) {
			if (order.length === 0) break;
			stream.splice(at % (stream.length + 1), 0, msg(order[pick % order.length] ?? 0, 1));
		}
		return stream;
	});
}

/** Asserts outputs account for 1..upTo exactly once each, in order: messages for the kept, gaps exactly over `lost`. */
function assertCovers(outputs: ReorderOutput<Msg>[], upTo: number, lost: Set<number>): void {
	let next = 1;
	let previousWasGap = false;
	for (const output of outputs) {
		if (output.type === 'message') {
			assert.equal(output.message.sequence, next, 'message in order, exactly once');
			assert.ok(!lost.has(next), `lost sequence ${next} delivered`);
			next++;
			previousWasGap = false;
		} else {
			assert.equal(output.from, next, 'gap starts where delivery left off');
			assert.ok(output.to >= output.from);
			assert.equal(output.count, output.to - output.from + 1);
			for (const s of range(output.from, output.to)) assert.ok(lost.has(s), `kept sequence ${s} reported lost`);
			assert.ok(!previousWasGap, 'adjacent gaps are one run, reported once');
			next = output.to + 1;
			previousWasGap = true;
		}
	}
	assert.equal(next, upTo + 1, 'every sequence up to the highest pushed is accounted for');
}

/** What the client core does once live traffic is done: whatever is still missing, history has lost. */
function recover(buffer: ReorderBuffer<Msg>, outputs: ReorderOutput<Msg>[], limit: number): void {
	for (let rounds = 0; buffer.missing !== undefined; rounds++) {
		assert.ok(rounds <= limit, 'skipTo stalled');
		outputs.push(...buffer.skipTo(buffer.missing.to + 1));
	}
	assert.equal(buffer.held, 0);
}

const lossCase = fc
	.integer({min: 0, max: 300})
	.chain(n => fc.tuple(fc.constant(n), fc.subarray(range(1, n))))
	.chain(([n, lostList]) => {
		const lost = new Set(lostList);
		return fc.tuple(fc.constant(n), fc.constant(lost), arrivals(range(1, n).filter(s => !lost.has(s))));
	});

test('any interleaving, duplication and delay of 1..n delivers 1..n once each, in order, holding nothing after', () => {
	const stream = fc.integer({min: 0, max: 300}).chain(n => fc.tuple(fc.constant(n), arrivals(range(1, n))));
	fc.assert(
		fc.property(stream, ([n, messages]) => {
			const buffer = new ReorderBuffer<Msg>();
			const firstArrival = new Map<number, Msg>();
			for (const m of messages) if (!firstArrival.has(m.sequence)) firstArrival.set(m.sequence, m);
			const outputs = messages.flatMap(m => buffer.push(m));
			assert.deepEqual(sequencesOf(outputs), range(1, n));
			// A duplicate never replaces the copy already held.
			for (const output of outputs) assert.ok(output.type === 'message' && output.message === firstArrival.get(output.message.sequence));
			assert.equal(buffer.held, 0);
			assert.equal(buffer.missing, undefined);
			assert.equal(buffer.expected, n + 1);
		}),
		{numRuns: 1000},
	);
});

test('with sequences lost for good, skipping what is missing yields each sequence once: a message if kept, a gap if lost', () => {
	fc.assert(
		fc.property(lossCase, ([n, lost, messages]) => {
			const buffer = new ReorderBuffer<Msg>();
			const outputs = buffer.pushAll(messages);
			recover(buffer, outputs, n);
			// Lost sequences past the highest pushed are never known to exist, so nothing reports them.
			const upTo = Math.max(0, ...messages.map(m => m.sequence));
			assertCovers(outputs, upTo, lost);
			assert.equal(buffer.expected, upTo + 1);
			assert.equal(buffer.missing, undefined);
		}),
		{numRuns: 1000},
	);
});

test('recovery interleaved with live traffic: history refills what it has, gaps cover only what it lost', () => {
	fc.assert(
		fc.property(lossCase, fc.array(fc.nat({max: 300}), {maxLength: 40, size: 'max'}), ([n, lost, messages], catchUpAt) => {
			const buffer = new ReorderBuffer<Msg>();
			const outputs: ReorderOutput<Msg>[] = [];
			const checkpoints = new Set(catchUpAt);
			const catchUp = (): void => {
				for (let m = buffer.missing, rounds = 0; m !== undefined; m = buffer.missing, rounds++) {
					assert.ok(rounds <= 2 * n + 2, 'recovery stalled');
					const page = range(m.from, m.to).filter(s => !lost.has(s)).map(s => msg(s, 2));
					outputs.push(...buffer.pushAll(page));
					const still = buffer.missing;
					if (still !== undefined && still.from === m.from) outputs.push(...buffer.skipTo(still.to + 1));
				}
			};
			messages.forEach((message, i) => {
				outputs.push(...buffer.push(message));
				if (checkpoints.has(i)) catchUp();
			});
			catchUp();
			assertCovers(outputs, Math.max(0, ...messages.map(m => m.sequence)), lost);
			assert.equal(buffer.held, 0);
		}),
		{numRuns: 500},
	);
});

test('held never exceeds capacity, and nothing inside the window is dropped', () => {
	const streams = fc.tuple(fc.integer({min: 1, max: 40}), fc.array(fc.integer({min: 1, max: 200}), {maxLength: 400, size: 'max'}));
	fc.assert(
		fc.property(streams, ([capacity, sequences]) => {
			const buffer = new ReorderBuffer<Msg>({capacity});
			const held = new Set<number>();
			let overflowed = 0;
			for (const s of sequences) {
				const expected = buffer.expected;
				const inWindow = s >= expected && s <= expected + capacity - 1;
				const out = sequencesOf(buffer.push(msg(s)));
				if (s > expected + capacity - 1) overflowed++;
				// Model: whatever lands inside the window and is not delivered must be held.
				if (inWindow && !out.includes(s)) held.add(s);
				for (const d of out) held.delete(d);
				assert.ok(buffer.held <= capacity);
				assert.equal(buffer.held, held.size, `dropped ${s} inside the window`);
				assert.equal(buffer.overflowed, overflowed);
			}
			// Everything dropped by overflow is still recoverable from history.
			const top = buffer.highest;
			buffer.pushAll(range(buffer.expected, top).map(s => msg(s, 2)));
			assert.equal(buffer.expected, top + 1);
			assert.equal(buffer.held, 0);
		}),
		{numRuns: 1000},
	);
});

test('in-order messages are delivered immediately, one each', () => {
	const buffer = new ReorderBuffer<Msg>();
	for (const s of range(1, 5)) assert.deepEqual(buffer.push(msg(s)), [{type: 'message', message: msg(s)}]);
	assert.equal(buffer.delivered, 5);
	assert.equal(buffer.highest, 5);
	assert.equal(buffer.held, 0);
	assert.equal(buffer.missing, undefined);
});

test('filling a hole releases the whole run held behind it', () => {
	const buffer = new ReorderBuffer<Msg>();
	assert.deepEqual(buffer.pushAll([msg(3), msg(4), msg(6)]), []);
	assert.equal(buffer.held, 3);
	assert.deepEqual(sequencesOf(buffer.push(msg(1))), [1]);
	assert.deepEqual(sequencesOf(buffer.push(msg(2))), [2, 3, 4]);
	assert.deepEqual(buffer.missing, {from: 5, to: 5});
	assert.deepEqual(sequencesOf(buffer.push(msg(5))), [5, 6]);
	assert.equal(buffer.held, 0);
});

test('duplicates and messages older than expected are dropped', () => {
	const buffer = new ReorderBuffer<Msg>({expected: 10});
	assert.deepEqual(buffer.push(msg(9)), []);
	assert.deepEqual(sequencesOf(buffer.push(msg(10))), [10]);
	assert.deepEqual(buffer.push(msg(10, 1)), []);
	assert.deepEqual(buffer.push(msg(12)), []);
	assert.deepEqual(buffer.push(msg(12, 1)), []);
	assert.equal(buffer.held, 1);
	const out = buffer.push(msg(11));
	assert.deepEqual(out.map(o => o.type === 'message' && o.message), [msg(11), msg(12)], 'the first copy held wins');
});

test('reset for a new epoch makes sequence 1 deliverable again after 500 was delivered', () => {
	const buffer = new ReorderBuffer<Msg>({expected: 500});
	buffer.push(msg(500));
	buffer.push(msg(503));
	buffer.push(msg(5000));
	buffer.reset(1);
	assert.equal(buffer.held, 0);
	assert.equal(buffer.overflowed, 0);
	assert.equal(buffer.highest, 0);
	assert.equal(buffer.missing, undefined);
	assert.deepEqual(sequencesOf(buffer.push(msg(1))), [1]);
});

test('skipTo emits a gap with the right count, delivering held messages in between', () => {
	const buffer = new ReorderBuffer<Msg>();
	buffer.pushAll([msg(4), msg(9), msg(10)]);
	assert.deepEqual(buffer.skipTo(1), [], 'no-op at or below expected');
	assert.deepEqual(buffer.skipTo(7), [
		{type: 'gap', from: 1, to: 3, count: 3},
		{type: 'message', message: msg(4)},
		{type: 'gap', from: 5, to: 6, count: 2},
	]);
	assert.deepEqual(buffer.missing, {from: 7, to: 8});
	assert.deepEqual(buffer.skipTo(9), [{type: 'gap', from: 7, to: 8, count: 2}, {type: 'message', message: msg(9)}, {type: 'message', message: msg(10)}]);
	assert.deepEqual(buffer.skipTo(1_000_000_000), [{type: 'gap', from: 11, to: 999_999_999, count: 999_999_989}], 'a huge skip is one gap, not a walk');
	assert.equal(buffer.expected, 1_000_000_000);
});

test('messages beyond the window are counted as overflow and recovered later from a history page', () => {
	const buffer = new ReorderBuffer<Msg>({capacity: 4});
	assert.deepEqual(buffer.pushAll([msg(2), msg(4), msg(5), msg(7)]), []);
	assert.equal(buffer.held, 2, '2 and 4 fit expected..expected+3');
	assert.equal(buffer.overflowed, 2);
	assert.equal(buffer.highest, 7);
	assert.deepEqual(buffer.missing, {from: 1, to: 1});
	assert.deepEqual(sequencesOf(buffer.push(msg(1))), [1, 2]);
	assert.deepEqual(buffer.missing, {from: 3, to: 3});
	assert.deepEqual(sequencesOf(buffer.pushAll(range(3, 7).map(s => msg(s)))), [3, 4, 5, 6, 7]);
	assert.equal(buffer.missing, undefined);
});

test('missing is the first hole, and covers overflow-dropped messages once nothing is held', () => {
	const buffer = new ReorderBuffer<Msg>({capacity: 10});
	assert.equal(buffer.missing, undefined);
	buffer.pushAll([msg(8), msg(5), msg(9)]);
	assert.deepEqual(buffer.missing, {from: 1, to: 4});
	buffer.pushAll(range(1, 5).map(s => msg(s)));
	assert.deepEqual(buffer.missing, {from: 6, to: 7});
	buffer.pushAll([msg(7), msg(6)]);
	assert.equal(buffer.missing, undefined);
	buffer.push(msg(30));
	assert.deepEqual(buffer.missing, {from: 10, to: 30}, '30 itself was dropped, so it is missing too');
});

type Filtered = {sequence: number; prev: number};

test('a filtered stream (each message names the previous admitted one) delivers every admitted message once, in order, with no false gaps', () => {
	fc.assert(
		fc.property(
			fc.integer({min: 1, max: 200}).chain(n =>
				fc.tuple(
					fc.constant(n),
					fc.subarray(Array.from({length: n}, (_, i) => i + 1), {minLength: 1}),
					fc.array(fc.nat(), {maxLength: 400, size: 'max'}),
				),
			),
			([, admitted, noise]) => {
				const messages: Filtered[] = admitted.map((sequence, i) => ({sequence, prev: i === 0 ? 0 : admitted[i - 1]!}));
				// Shuffle and duplicate deterministically from the noise.
				const arrivals = [...messages];
				for (const [i, k] of noise.entries()) {
					if (arrivals.length === 0) break;
					if (i % 3 === 0) arrivals.push(arrivals[k % arrivals.length]!);
					else {
						const a = k % arrivals.length;
						const b = (k * 7 + i) % arrivals.length;
						[arrivals[a], arrivals[b]] = [arrivals[b]!, arrivals[a]!];
					}
				}
				const buffer = new ReorderBuffer<Filtered>({capacity: 1000});
				const out: ReorderOutput<Filtered>[] = [];
				for (const m of arrivals) {
					out.push(...buffer.markEmpty(m.prev + 1, m.sequence - 1));
					out.push(...buffer.push(m));
				}
				assert.equal(out.some(o => o.type === 'gap'), false, 'no gap for filtered-out sequences');
				assert.deepEqual(
					out.map(o => (o.type === 'message' ? o.message.sequence : -1)),
					admitted,
				);
				assert.equal(buffer.missing, undefined);
			},
		),
		{numRuns: 1000},
	);
});

test('an empty run ahead of a hole waits for the hole, and skipTo past it reports only the truly missing sequences', () => {
	const buffer = new ReorderBuffer<Filtered>();
	buffer.push({sequence: 1, prev: 0});
	// 5 arrives saying nothing matched 3..4; sequence 2 is still unknown.
	assert.deepEqual(buffer.markEmpty(3, 4), []);
	assert.deepEqual(buffer.push({sequence: 5, prev: 2}), []);
	assert.deepEqual(buffer.missing, {from: 2, to: 2});
	const out = buffer.skipTo(3);
	assert.deepEqual(out.map(o => (o.type === 'gap' ? `gap ${o.from}-${o.to}` : `m${o.message.sequence}`)), ['gap 2-2', 'm5']);
	assert.equal(buffer.expected, 6);
});
