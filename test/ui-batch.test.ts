// Batched reduction: a frame's worth of client events reduces to exactly the state the same
// events give one by one, timeline cap included.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type {ClientEvent} from '../source/client/types.js';
import {initialChatState, reduce, reduceBatch, type TimedEvent} from '../source/ui/state/reduce.js';
import {append, appendEach, findRoom, type NewEntry} from '../source/ui/state/room.js';
import {MAX_ENTRIES, type ChatState, type RoomView} from '../source/ui/state/types.js';
import {reduceUi} from '../source/ui/state/ui-actions.js';

const T = Date.UTC(2026, 10, 27, 12, 0);
const start = (): ChatState => initialChatState({me: 'ana', connection: {state: 'online', url: 'ws://x', rtt: 1}});
const timed = (events: readonly ClientEvent[]): TimedEvent[] => events.map((event, i) => ({event, at: T + i}));
const oneByOne = (state: ChatState, events: readonly TimedEvent[]): ChatState => events.reduce((s, {event, at}) => reduce(s, event, at), state);
const joined = (room: string, members: string[] = ['ana', 'bo']): ClientEvent => ({
	type: 'joined', room, epoch: 'e', sequence: 0, members: members.map(userId => ({userId, status: 'online' as const})), resumed: false,
});
const message = (room: string, sender: string, content: string, sequence: number): ClientEvent => ({
	type: 'message', room, message: {id: `${room}${sequence}`, room, sender, content, sequence, timestamp: T + sequence}, replayed: false,
});
const flood = (room: string, from: number, count: number, sender = 'bo'): ClientEvent[] =>
	Array.from({length: count}, (_, i) => message(room, sender, `flood ${from + i}`, from + i));

test('a batch of message events reduces to the same state as the events one by one', () => {
	const before = oneByOne(start(), timed([joined('general'), joined('dev')]));
	const events = timed([...flood('general', 1, 50), message('dev', 'bo', 'hi @ana', 1), message('@cy', 'cy', 'psst', 1), ...flood('general', 51, 50, 'ana')]);
	const batched = reduceBatch(before, events);
	assert.deepEqual(batched, oneByOne(before, events));
	assert.equal(findRoom(batched, 'general')!.entries.length, 101);
	assert.equal(findRoom(batched, 'dev')!.mention, true);
	assert.equal(findRoom(batched, '@cy')!.unread, 1);
});

test('a flood bigger than the cap keeps the last MAX_ENTRIES entries, batched or not', () => {
	let batched = oneByOne(start(), timed([joined('general')]));
	let single = batched;
	// Batches of several sizes, the first ones below the cap, the last ones across it.
	let next = 1;
	for (const size of [700, 1, 1200, 150, 2500, 3]) {
		const events = timed(flood('general', next, size));
		next += size;
		batched = reduceBatch(batched, events);
		single = oneByOne(single, events);
		assert.deepEqual(batched, single);
		assert.ok(findRoom(batched, 'general')!.entries.length <= MAX_ENTRIES);
	}
	const room = findRoom(batched, 'general')!;
	assert.equal(room.entries.length, MAX_ENTRIES);
	const last = room.entries.at(-1)!;
	assert.equal(last.kind === 'message' ? last.text : '', `flood ${next - 1}`);
	assert.equal(room.oldestSequence, next - MAX_ENTRIES);
	assert.equal(room.backlog, 'more');
	assert.equal(room.firstKey, room.entries[0]!.key);
});

test('while scrolled up, a batch counts unseen messages and keeps the anchor inside the window', () => {
	let state = oneByOne(start(), timed([joined('general'), ...flood('general', 1, 30)]));
	const anchor = findRoom(state, 'general')!.entries[5]!.key;
	state = reduceUi(state, {type: 'scroll', room: 'general', anchor});
	const events = timed(flood('general', 31, MAX_ENTRIES));
	const batched = reduceBatch(state, events);
	assert.deepEqual(batched, oneByOne(state, events));
	const room = findRoom(batched, 'general')!;
	assert.equal(room.unseen, MAX_ENTRIES);
	assert.equal(room.anchor, room.entries[0]!.key);
});

test('appendEach equals one-at-a-time appends, also when a window on the way starts at a later message', () => {
	// A timeline whose sequences start over (a reset room): old messages #500.. then #1...
	const system = (text: string): NewEntry => ({kind: 'system', timestamp: T, tone: 'info', text});
	const msg = (sequence: number): NewEntry => ({kind: 'message', sequence, sender: 'bo', text: `m${sequence}`, timestamp: T, mine: false, mention: false});
	const base: RoomView = {...findRoom(oneByOne(start(), timed([joined('general')])), 'general')!, backlog: 'none'};
	const room = append(base, [msg(500), msg(501), system('started over'), ...Array.from({length: MAX_ENTRIES - 4}, (_, i) => msg(i + 1))]);
	assert.equal(room.backlog, 'none');
	for (const entries of [[msg(9000)], [system('a'), system('b'), msg(9000)], Array.from({length: 5}, () => system('x')), Array.from({length: 2100}, (_, i) => msg(9000 + i))]) {
		assert.deepEqual(appendEach(room, entries), entries.reduce((r, entry) => append(r, [entry]), room));
	}
});

test('random batches of mixed events reduce like the events one by one', () => {
	const rooms = ['general', 'dev', '@bo', '@cy'];
	const event: fc.Arbitrary<ClientEvent> = fc.oneof(
		{weight: 8, arbitrary: fc.record({room: fc.constantFrom(...rooms), sender: fc.constantFrom('ana', 'bo', 'cy', 'a-very-long-name-indeed', '山田'), text: fc.constantFrom('hi', 'ana?', '@ana look', 'banana', '出発 🚀')})
			.map(({room, sender, text}): ClientEvent => ({type: 'message', room, message: {id: 'x', room, sender, content: text, sequence: 0, timestamp: T}, replayed: false}))},
		{weight: 1, arbitrary: fc.constantFrom(...rooms).map((room): ClientEvent => ({type: 'presence', room, userId: 'cy', action: 'away', status: 'away', reason: 'lunch', timestamp: T}))},
		{weight: 1, arbitrary: fc.constantFrom(...rooms).map((room): ClientEvent => ({type: 'gap', room, count: 2, from: 1, to: 2}))},
		{weight: 1, arbitrary: fc.constantFrom('general', 'dev').map((room): ClientEvent => ({type: 'left', room}))},
		{weight: 1, arbitrary: fc.constantFrom('general', 'dev').map(room => joined(room))},
	);
	fc.assert(fc.property(fc.array(event, {maxLength: 60}), fc.integer({min: 0, max: MAX_ENTRIES}), fc.boolean(), (list, prefill, scrolled) => {
		let state = oneByOne(start(), timed([joined('general'), joined('dev'), ...flood('general', 1, prefill)]));
		if (scrolled && prefill > 0) state = reduceUi(state, {type: 'scroll', room: 'general', anchor: findRoom(state, 'general')!.entries[0]!.key});
		// Sequences go up per room, as the client delivers them.
		const counters = new Map<string, number>([['general', prefill]]);
		const events = list.map(e => {
			if (e.type !== 'message') return e;
			const sequence = (counters.get(e.room) ?? 0) + 1;
			counters.set(e.room, sequence);
			return {...e, message: {...e.message, sequence, id: `${e.room}${sequence}`}};
		});
		const batch = timed(events);
		assert.deepEqual(reduceBatch(state, batch), oneByOne(state, batch));
	}), {numRuns: 150});
});
