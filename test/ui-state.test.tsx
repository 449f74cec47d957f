// The chat state reducers: client events and user actions → what the window shows.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {SEED_DIALECT} from '../source/client/dialect.js';
import type {ClientEvent, HistoryQuery} from '../source/client/types.js';
import {initialChatState, reduce} from '../source/ui/state/reduce.js';
import {activeRoom, findRoom, scrollbackBefore} from '../source/ui/state/room.js';
import {MAX_ENTRIES, type ChatState, type Entry} from '../source/ui/state/types.js';
import {reduceUi} from '../source/ui/state/ui-actions.js';

const T = Date.UTC(2026, 10, 27, 12, 0);
const start = (): ChatState => initialChatState({me: 'ana', connection: {state: 'online', url: 'ws://x', rtt: 1}});
const run = (state: ChatState, ...events: ClientEvent[]): ChatState => events.reduce((s, e) => reduce(s, e, T), state);
const joined = (room: string, members: string[] = ['ana'], sequence = 0): ClientEvent => ({
	type: 'joined', room, epoch: 'e', sequence, members: members.map(userId => ({userId, status: 'online' as const})), resumed: false,
});
const message = (room: string, sender: string, content: string, sequence: number): ClientEvent => ({
	type: 'message', room, message: {id: `${room}${sequence}`, room, sender, content, sequence, timestamp: T}, replayed: false,
});
const room = (state: ChatState, name: string) => findRoom(state, name)!;
/** The request a history page answers (the client core matches them). */
const scrollback = (name: string): HistoryQuery => ({id: `s-${name}`, room: name, before: Number.MAX_SAFE_INTEGER, limit: 100, purpose: 'scrollback'});
const print = (name: string, count: number): HistoryQuery => ({id: `p-${name}`, room: name, before: Number.MAX_SAFE_INTEGER, limit: count, purpose: 'print'});
const texts = (entries: readonly Entry[]) => entries.map(e => (e.kind === 'message' || e.kind === 'reprint' ? `${e.sender}: ${e.text}` : e.kind === 'gap' ? `gap ${e.count}` : e.text));

test('rooms open as tabs in join order, the first one active, with a join line', () => {
	const s = run(start(), joined('general', ['ana', 'bo']), joined('dev'));
	assert.deepEqual(s.rooms.map(r => r.name), ['general', 'dev']);
	assert.equal(s.active, 'general');
	assert.deepEqual(texts(room(s, 'general').entries), ['you joined general — 1 other here']);
	assert.deepEqual(texts(room(s, 'dev').entries), ['you joined dev — nobody else is here yet']);
});

test('messages in other tabs count as unread; a mention of my name sets the mention mark', () => {
	let s = run(start(), joined('general'), joined('dev'), message('dev', 'bo', 'morning', 1), message('dev', 'bo', 'ping @ana?', 2), message('general', 'bo', 'hi', 1));
	assert.equal(room(s, 'dev').unread, 2);
	assert.equal(room(s, 'dev').mention, true);
	assert.equal(room(s, 'general').unread, 0, 'the tab I look at has nothing unread');
	s = reduceUi(s, {type: 'switch-by', delta: 1});
	assert.equal(s.active, 'dev');
	assert.equal(room(s, 'dev').unread, 0);
	assert.equal(room(s, 'dev').mention, false);
});

test('my own messages are never unread, and only whole-word mentions count', () => {
	const s = run(start(), joined('general'), joined('dev'), message('dev', 'ana', 'me', 1), message('dev', 'bo', 'banana', 2));
	assert.equal(room(s, 'dev').unread, 1);
	assert.equal(room(s, 'dev').mention, false);
	assert.equal(run(s, message('dev', 'bo', 'ANA: look', 3)).rooms[1]!.mention, true);
});

test('a direct message opens an @user tab marked as a mention', () => {
	const s = run(start(), joined('general'), message('@bo', 'bo', 'psst', 1));
	assert.deepEqual(s.rooms.map(r => r.name), ['general', '@bo']);
	assert.equal(room(s, '@bo').direct, true);
	assert.equal(room(s, '@bo').unread, 1);
	assert.equal(room(s, '@bo').mention, true);
	assert.equal(s.active, 'general', 'a DM does not steal the view');
});

test('a joined event for a DM room adds no join line; a message for a room already left is dropped', () => {
	let s = run(start(), joined('general'), joined('@bo'));
	assert.deepEqual(texts(room(s, '@bo').entries), []);
	s = run(s, {type: 'left', room: 'general'}, message('general', 'bo', 'late', 9));
	assert.equal(findRoom(s, 'general'), undefined);
});

test('leaving the active room goes back to the room looked at before it and says so there', () => {
	const s = run(start(), joined('a'), joined('b'), joined('c'));
	const viewingB = reduceUi(reduceUi(s, {type: 'switch-to', number: 3}), {type: 'switch-to', number: 2});
	const after = run(viewingB, {type: 'left', room: 'b'});
	assert.equal(after.active, 'c');
	assert.deepEqual(texts(room(after, 'c').entries).at(-1), 'you left b');
	const last = run(reduceUi(s, {type: 'switch-to', number: 3}), {type: 'left', room: 'c'});
	assert.equal(last.active, 'a');
});

test('presence joins, leaves, away and back become lines and member statuses; my own join is not repeated', () => {
	let s = run(start(), joined('general', ['ana']));
	s = run(s,
		{type: 'presence', room: 'general', userId: 'ana', action: 'join', status: 'online', timestamp: T},
		{type: 'presence', room: 'general', userId: 'bo', action: 'join', status: 'online', timestamp: T},
		{type: 'presence', room: 'general', userId: 'bo', action: 'away', status: 'away', reason: 'lunch', timestamp: T},
		{type: 'presence', room: 'general', userId: 'bo', action: 'back', status: 'online', timestamp: T},
		{type: 'presence', room: 'general', userId: 'bo', action: 'leave', status: 'online', timestamp: T},
	);
	assert.deepEqual(texts(room(s, 'general').entries), ['you joined general — nobody else is here yet', 'bo joined general', 'bo is away: lunch', 'bo is back', 'bo left general']);
	assert.deepEqual(room(s, 'general').members.find(m => m.userId === 'bo'), {userId: 'bo', status: 'offline', leftAt: T});
	const tones = room(s, 'general').entries.map(e => (e.kind === 'system' ? e.tone : ''));
	assert.deepEqual(tones, ['join', 'join', 'away', 'back', 'leave']);
});

test("the seed's room-less presence ('*') lands in the room being looked at", () => {
	const s = run(start(), joined('a'), joined('b'), {type: 'presence', room: '*', userId: 'cy', action: 'join', status: 'online', timestamp: T});
	assert.deepEqual(texts(room(s, 'a').entries).at(-1), 'cy joined a');
});

test('a gap event becomes an explicit line in place', () => {
	const s = run(start(), joined('general'), message('general', 'bo', 'one', 1), {type: 'gap', room: 'general', from: 2, to: 38, count: 37}, message('general', 'bo', 'thirty-nine', 39));
	const entries = room(s, 'general').entries;
	assert.deepEqual(texts(entries).slice(1), ['bo: one', 'gap 37', 'bo: thirty-nine']);
	assert.deepEqual(entries[2], {kind: 'gap', key: entries[2]!.key, timestamp: T, count: 37, from: 2, to: 38});
});

test('pending messages stay greyed until their own message arrives through the room', () => {
	let s = run(start(), joined('general'), {type: 'pending', message: {room: 'general', clientId: 'c1', content: 'hi', queuedAt: T}});
	assert.deepEqual(room(s, 'general').pending.map(p => p.text), ['hi']);
	s = run(s, {type: 'sent', room: 'general', clientId: 'c1', sequence: 1, duplicate: false});
	assert.equal(room(s, 'general').pending.length, 1, 'acknowledged but not yet in the timeline');
	s = run(s, message('general', 'ana', 'hi', 1));
	assert.equal(room(s, 'general').pending.length, 0);
	// Acknowledged after its message already arrived: gone at once.
	s = run(s, {type: 'pending', message: {room: 'general', clientId: 'c2', content: 'yo', queuedAt: T}}, message('general', 'ana', 'yo', 2), {type: 'sent', room: 'general', clientId: 'c2', sequence: 2, duplicate: false});
	assert.equal(room(s, 'general').pending.length, 0);
});

test('memory holds at most MAX_ENTRIES lines per room; older history is then offered again', () => {
	let s = run(start(), joined('general'));
	for (let i = 1; i <= MAX_ENTRIES + 10; i++) s = reduce(s, message('general', 'bo', `m${i}`, i), T);
	const r = room(s, 'general');
	assert.equal(r.entries.length, MAX_ENTRIES);
	assert.equal(r.oldestSequence, 11);
	assert.equal(r.backlog, 'more');
});

test('scrolled up, new messages do not move the view and are counted; back at the bottom the count clears', () => {
	let s = run(start(), joined('general'), message('general', 'bo', 'a', 1), message('general', 'bo', 'b', 2));
	const anchor = room(s, 'general').entries[1]!.key;
	s = reduceUi(s, {type: 'scroll', room: 'general', anchor});
	s = run(s, message('general', 'bo', 'c', 3), message('general', 'bo', 'd', 4));
	assert.equal(room(s, 'general').anchor, anchor);
	assert.equal(room(s, 'general').unseen, 2);
	s = reduceUi(s, {type: 'scroll', room: 'general', anchor: undefined});
	assert.equal(room(s, 'general').unseen, 0);
});

test('scrollback history is prepended above what memory holds; exhausted history ends in a gap line', () => {
	let s = run(start(), joined('general', ['ana'], 150), message('general', 'bo', 'live', 151));
	assert.equal(room(s, 'general').backlog, 'more');
	s = reduceUi(s, {type: 'request-history', room: 'general', request: {kind: 'scrollback'}});
	assert.equal(room(s, 'general').backlog, 'loading');
	const older = [149, 150].map(n => ({id: `x${n}`, room: 'general', sender: 'cy', content: `old ${n}`, sequence: n, timestamp: T}));
	s = run(s, {type: 'history', room: 'general', messages: older, first: 51, query: scrollback('general')});
	assert.deepEqual(texts(room(s, 'general').entries).slice(0, 2), ['cy: old 149', 'cy: old 150']);
	assert.equal(room(s, 'general').oldestSequence, 149);
	assert.equal(room(s, 'general').backlog, 'more');
	s = reduceUi(s, {type: 'request-history', room: 'general', request: {kind: 'scrollback'}});
	s = run(s, {type: 'history', room: 'general', messages: [{id: 'y', room: 'general', sender: 'cy', content: 'oldest kept', sequence: 51, timestamp: T}], first: 51, query: scrollback('general')});
	assert.deepEqual(texts(room(s, 'general').entries).slice(0, 2), ['gap 50', 'cy: oldest kept']);
	assert.equal(room(s, 'general').backlog, 'none');
	const keys = room(s, 'general').entries.map(e => e.key);
	assert.deepEqual(keys, [...keys].sort((a, b) => a - b), 'keys increase along the timeline');
});

test('a quiet room just joined offers what was said before, and scrollback loads it', () => {
	let s = run(start(), joined('quiet', ['ana', 'bo'], 2));
	assert.equal(room(s, 'quiet').backlog, 'more');
	assert.equal(scrollbackBefore(room(s, 'quiet')), 3, 'everything up to the sequence the room had at the join');
	s = reduceUi(s, {type: 'request-history', room: 'quiet', request: {kind: 'scrollback'}});
	const said = [1, 2].map(n => ({id: `q${n}`, room: 'quiet', sender: 'bo', content: `before ${n}`, sequence: n, timestamp: T}));
	s = run(s, {type: 'history', room: 'quiet', messages: said, first: 1, query: scrollback('quiet')});
	assert.deepEqual(texts(room(s, 'quiet').entries).slice(0, 2), ['bo: before 1', 'bo: before 2']);
	assert.equal(room(s, 'quiet').backlog, 'none');
	s = run(s, message('quiet', 'bo', 'live', 3));
	assert.equal(scrollbackBefore(room(s, 'quiet')), 1, 'then it goes on from the oldest message held');
});

test('/history prints the last N messages as a block, apart from the live order', () => {
	let s = run(start(), joined('general'));
	const all = [1, 2, 3].map(n => ({id: `h${n}`, room: 'general', sender: 'bo', content: `h${n}`, sequence: n, timestamp: T}));
	s = run(s, {type: 'history', room: 'general', messages: all, first: 1, query: print('general', 2)});
	assert.deepEqual(texts(room(s, 'general').entries).slice(1), ['the last 2 messages of general:', 'bo: h2', 'bo: h3', 'end of the history of general']);
	assert.equal(room(s, 'general').lastSequence, 0, 'reprints are not live messages');
});

test('a message with structured data shows the data the same way live, scrolled back to, and reprinted', () => {
	const order = {type: 'order', value: 150};
	const live = {id: 'd2', room: 'shop', sender: 'bo', content: 'new order', data: order, sequence: 2, timestamp: T};
	let s = run(start(), joined('shop', ['ana'], 1), {type: 'message', room: 'shop', message: live, replayed: false});
	const shown = 'bo: new order {type: "order", value: 150}';
	assert.deepEqual(texts(room(s, 'shop').entries).at(-1), shown);
	s = reduceUi(s, {type: 'request-history', room: 'shop', request: {kind: 'scrollback'}});
	s = run(s, {type: 'history', room: 'shop', messages: [{...live, id: 'd1', content: 'old order', sequence: 1}], first: 1, query: scrollback('shop')});
	assert.equal(texts(room(s, 'shop').entries)[0], 'bo: old order {type: "order", value: 150}');
	s = run(s, {type: 'history', room: 'shop', messages: [live], first: 1, query: print('shop', 1)});
	assert.ok(texts(room(s, 'shop').entries).filter(t => t === shown).length === 2, 'the reprint shows the data too');
});

test('connection changes are told in every tab; a drop forgets history requests that cannot be answered', () => {
	let s = run(start(), joined('a'), joined('b'));
	s = reduceUi(s, {type: 'request-history', room: 'a', request: {kind: 'scrollback'}});
	s = run(s, {type: 'status', status: {state: 'reconnecting', url: 'ws://x', attempt: 1, retryInMs: 500, retryAt: T + 500, reason: 'connection reset'}});
	for (const name of ['a', 'b']) assert.equal(texts(room(s, name).entries).at(-1), 'connection lost (connection reset); reconnecting…');
	assert.equal(room(s, 'a').backlog, 'more', 'PageUp may ask again once online');
	s = run(s, {type: 'status', status: {state: 'connecting', url: 'ws://x', attempt: 2}}, {type: 'status', status: {state: 'online', url: 'ws://x', rtt: 2}});
	assert.equal(texts(room(s, 'b').entries).at(-1), 'reconnected to ws://x');
	const first = run(initialChatState({me: 'ana', connection: {state: 'connecting', url: 'ws://x', attempt: 1}}), joined('a'), {type: 'status', status: {state: 'online', url: 'ws://x', rtt: 2}});
	assert.deepEqual(texts(room(first, 'a').entries), ['you joined a — nobody else is here yet', 'connected to ws://x'], 'a first connection is no reconnection');
});

test('a refusal of a scrollback request ends its loading; another error in the room does not', () => {
	let s = run(start(), joined('a', ['ana'], 50));
	s = reduceUi(s, {type: 'request-history', room: 'a', request: {kind: 'scrollback'}});
	s = run(s, {type: 'error', code: 'forbidden', message: 'only admins may clear history', room: 'a'});
	assert.equal(room(s, 'a').backlog, 'loading', 'that error answers no history request');
	s = run(s, {type: 'error', code: 'unavailable', message: 'try again', room: 'a', query: scrollback('a')});
	assert.equal(room(s, 'a').backlog, 'more', 'PageUp may ask again');
});

test('errors land in their room, or in the active one', () => {
	const s = run(start(), joined('a'), joined('b'), {type: 'error', code: 'forbidden', message: 'only admins may clear history', room: 'b'}, {type: 'error', code: 'client', message: 'odd frame'});
	assert.equal(texts(room(s, 'b').entries).at(-1), 'only admins may clear history');
	assert.equal(texts(room(s, 'a').entries).at(-1), 'odd frame');
});

test('cleared history empties the timeline and says who cleared it', () => {
	const s = run(start(), joined('general'), message('general', 'bo', 'x', 1), {type: 'cleared', room: 'general', epoch: 'e2', by: 'ana'});
	assert.deepEqual(texts(room(s, 'general').entries), ['ana cleared the history of general']);
	assert.equal(room(s, 'general').lastSequence, 0);
});

test('a seed-only broker is announced once; my away/back from the broker sets my status', () => {
	let s = run(start(), joined('general'), {type: 'welcome', userId: 'ana', admin: false, flavour: 'seed', dialect: SEED_DIALECT}, {type: 'welcome', userId: 'ana', admin: false, flavour: 'seed', dialect: SEED_DIALECT});
	assert.equal(texts(room(s, 'general').entries).filter(t => t.includes("seed's protocol")).length, 1);
	s = run(s, {type: 'presence', room: 'general', userId: 'ana', action: 'away', status: 'away', reason: 'idle', timestamp: T});
	assert.deepEqual(s.away, {reason: 'idle'});
});

test('tab switching wraps around and Alt+n picks a tab by number', () => {
	let s = run(start(), joined('a'), joined('b'), joined('c'));
	s = reduceUi(s, {type: 'switch-by', delta: -1});
	assert.equal(s.active, 'c');
	s = reduceUi(s, {type: 'switch-by', delta: 1});
	assert.equal(s.active, 'a');
	s = reduceUi(s, {type: 'switch-to', number: 2});
	assert.equal(activeRoom(s).name, 'b');
	assert.equal(reduceUi(s, {type: 'switch-to', number: 8}).active, 'b');
});

test('a message with structured data shows it compactly after the text', async () => {
	const {compactData} = await import('../source/ui/state/reduce.js');
	assert.equal(compactData({type: 'order', value: 150}), '{type: "order", value: 150}');
	assert.equal(compactData({'a b': [1, {c: null}]}), '{"a b": [1, {c: null}]}');
	assert.ok(compactData({long: 'x'.repeat(200)}).endsWith('…'));
});
