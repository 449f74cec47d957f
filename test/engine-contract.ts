// The Engine contract as tests: one suite, run against every engine (memory, sqlite, redis), as
// Centrifugo and socket.io's adapters do. Each engine's test file calls engineContractSuite once.
// Room names carry a random suffix, so suites may share one backing store (one Redis).
import {describe, test, type TestContext} from 'node:test';
import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {setTimeout as sleep} from 'node:timers/promises';
import {directKey} from '../source/protocol/names.js';
import {MAX_DIRECT_ROOMS} from '../source/broker/engines/direct-rooms.js';
import type {Engine, EngineEvent, EngineOptions, HistoryQuery, PublishInput, PublishResult, PublishedRef} from '../source/broker/engines/engine.js';
import type {ChatMessage} from '../source/protocol/messages.js';

/** Makes one engine with default settings, and the way to dispose of it. */
export type EngineFactory = () => Promise<{engine: Engine; cleanup: () => Promise<void>}>;

/** How the suite gets engines of the implementation under test. */
export type ContractOptions = {
	/** Create an engine with these settings (history size/ttl/dedupe window/clock). */
	create: (options: Partial<EngineOptions>) => Promise<{engine: Engine; cleanup: () => Promise<void>}>;
	/** For durable engines: close and reopen on the same storage; the reopened engine must keep everything. */
	reopen?: (engine: Engine) => Promise<Engine>;
	/**
	 * For engines whose storage a test can list while they run (Redis keys): every name it holds
	 * (key, row), so a case can tell that an operation stored nothing at all.
	 */
	storage?: (engine: Engine) => Promise<string[]>;
	/**
	 * Names in that storage that belong to no room but are shared by many, with how many there can
	 * ever be (Redis: each Cluster slot's generation, 16,384 at most): a read may create one of
	 * those, never a name of the room it read.
	 */
	shared?: {matches: (name: string) => boolean; most: number};
};

/** Registers (with node:test `describe`/`test`) every contract case for one engine. */
export function engineContractSuite(name: string, options: ContractOptions): void {
	/** An engine for one test, cleaned up when the test ends (also when it fails). */
	async function open(t: TestContext, settings: Partial<EngineOptions> = {}): Promise<Engine> {
		const {engine, cleanup} = await options.create(settings);
		t.after(cleanup);
		return engine;
	}

	describe(`${name} engine: the Engine contract`, () => {
		test('ready() answers true', async t => {
			const engine = await open(t);
			assert.equal(await engine.ready(), true);
		});

		test('a room nobody published to is at sequence 0 with first 1, an epoch, and empty history', async t => {
			const engine = await open(t);
			const room = unique('empty');
			const state = await engine.room(room);
			assert.equal(state.sequence, 0);
			assert.equal(state.first, 1);
			assert.equal(typeof state.epoch, 'string');
			assert.ok(state.epoch.length > 0);
			const page = await engine.history(room, {});
			assert.deepEqual(page, {...state, messages: []});
			assert.equal((await engine.room(room)).epoch, state.epoch, 'the epoch of an untouched room is stable');
		});

		test('publish returns the message as stored, data included, and history holds it verbatim', async t => {
			const engine = await open(t);
			const room = unique('stored');
			const data = {build: 142, ok: true, tags: ['ci', 'main'], nested: {depth: [1, {two: null}]}};
			const a = await publish(engine, room, 'with data', {sender: 'ana', data, timestamp: 1_700_000_000_123});
			const b = await publish(engine, room, 'plain', {sender: 'bo'});
			assert.equal(a.duplicate, false);
			assert.deepEqual(a.message, {
				id: a.message.id,
				room,
				sender: 'ana',
				content: 'with data',
				sequence: 1,
				timestamp: 1_700_000_000_123,
				data,
			});
			assert.equal(typeof a.message.id, 'string');
			assert.notEqual(a.message.id, b.message.id);
			assert.equal('data' in b.message, false, 'a message without data has no data key');
			const state = await engine.room(room);
			assert.equal(a.epoch, state.epoch);
			assert.equal(state.sequence, 2);
			const page = await engine.history(room, {});
			assert.deepEqual(page.messages, [a.message, b.message]);
		});

		test('stored messages keep the seed field order: id, room, sender, content, sequence, timestamp', async t => {
			// The hub serialises `{type, ...message}`, and the seed's clients see these keys in this order.
			const engine = await open(t);
			const room = unique('order');
			const result = await publish(engine, room, 'x', {data: {a: 1}});
			const [stored] = (await engine.history(room, {})).messages;
			for (const message of [result.message, stored!]) {
				assert.deepEqual(Object.keys(message).slice(0, 6), ['id', 'room', 'sender', 'content', 'sequence', 'timestamp']);
			}
		});

		test('500 concurrent publishes to one room get sequences 1..500, each once, without holes', async t => {
			const engine = await open(t, {historySize: 1000});
			const room = unique('burst');
			const results = await Promise.all(range(1, 500).map(i => publish(engine, room, `m${i}`, {sender: `user${i % 7}`})));
			assert.deepEqual(results.map(r => r.message.sequence).sort((x, y) => x - y), range(1, 500));
			const page = await engine.history(room, {});
			assert.equal(page.sequence, 500);
			assert.deepEqual(page.messages.map(m => m.sequence), range(1, 500));
			for (const result of results) {
				assert.deepEqual(page.messages[result.message.sequence - 1], result.message, 'each result is the message stored under its sequence');
			}
		});

		test('concurrent publishes to independent rooms each count from 1', async t => {
			const engine = await open(t, {historySize: 1000});
			const rooms = range(1, 5).map(i => unique(`indep${i}`));
			const results = await Promise.all(rooms.flatMap(room => range(1, 60).map(i => publish(engine, room, `${room}/${i}`))));
			for (const room of rooms) {
				const mine = results.filter(r => stored(r).room === room).map(r => r.message.sequence);
				assert.deepEqual(mine.sort((x, y) => x - y), range(1, 60));
				const page = await engine.history(room, {});
				assert.deepEqual(page.messages.map(m => m.sequence), range(1, 60));
				assert.ok(page.messages.every(m => m.content.startsWith(`${room}/`)), 'no message strays into another room');
			}
		});

		test('message events reach a listener once each, in sequence order, after watch', async t => {
			const engine = await open(t);
			const room = unique('events');
			await engine.watch(room);
			const log = listen(engine);
			const results = await Promise.all(range(1, 50).map(i => publish(engine, room, `e${i}`)));
			const events = await log.waitFor(e => e.type === 'message' && e.room === room, 50);
			await sleep(50); // Let a duplicate, if any, arrive before counting.
			const messages = log.events.filter(e => e.type === 'message' && e.room === room);
			assert.equal(messages.length, 50);
			assert.deepEqual(messages.map(e => (e.type === 'message' ? e.message.sequence : 0)), range(1, 50));
			const epoch = (await engine.room(room)).epoch;
			for (const event of events) {
				assert.ok(event.type === 'message');
				assert.equal(event.epoch, epoch);
				assert.deepEqual(event.message, results.find(r => r.message.sequence === event.message.sequence)!.message);
			}
		});

		test('a clientId retried within the dedupe window stores nothing and returns the original message', async t => {
			const engine = await open(t);
			const room = unique('dedupe');
			await engine.watch(room);
			const log = listen(engine);
			const first = await publish(engine, room, 'once', {sender: 'ana', clientId: 'c1'});
			const again = await publish(engine, room, 'once (retry)', {sender: 'ana', clientId: 'c1'});
			assert.equal(first.duplicate, false);
			assert.equal(again.duplicate, true);
			assert.deepEqual(again.message, ref(first), 'the answer names the original: id, sequence, timestamp, and nothing more');
			assert.equal(again.epoch, first.epoch);
			assert.equal((await engine.room(room)).sequence, 1);
			assert.deepEqual((await engine.history(room, {})).messages, [first.message]);
			await log.waitFor(e => e.type === 'message' && e.room === room, 1);
			await sleep(50);
			assert.equal(log.events.filter(e => e.type === 'message' && e.room === room).length, 1, 'a duplicate announces nothing');
		});

		test('dedupe is keyed by (room, sender, clientId): another sender or room publishes anew', async t => {
			const engine = await open(t);
			const room = unique('dedupe-key');
			const other = unique('dedupe-other');
			const ana = await publish(engine, room, 'a', {sender: 'ana', clientId: 'same'});
			const bo = await publish(engine, room, 'b', {sender: 'bo', clientId: 'same'});
			const elsewhere = await publish(engine, other, 'c', {sender: 'ana', clientId: 'same'});
			const noId = await publish(engine, room, 'd', {sender: 'ana'});
			const noIdAgain = await publish(engine, room, 'd', {sender: 'ana'});
			assert.deepEqual([ana, bo, elsewhere, noId, noIdAgain].map(r => [r.duplicate, r.message.sequence]), [
				[false, 1],
				[false, 2],
				[false, 1],
				[false, 3],
				[false, 4],
			]);
		});

		test('a clientId is forgotten once the dedupe window has passed since its publish', async t => {
			const clock = fakeClock();
			const engine = await open(t, {dedupeWindow: 1000, now: clock.now});
			const room = unique('window');
			const first = await publish(engine, room, 'x', {sender: 'ana', clientId: 'c1', timestamp: clock.now()});
			clock.advance(900);
			const retry = await publish(engine, room, 'x', {sender: 'ana', clientId: 'c1', timestamp: clock.now()});
			assert.equal(retry.duplicate, true);
			assert.equal(retry.message.sequence, first.message.sequence);
			clock.advance(200); // 1100 ms after the original: a retry does not extend the window.
			const late = await publish(engine, room, 'x', {sender: 'ana', clientId: 'c1', timestamp: clock.now()});
			assert.equal(late.duplicate, false);
			assert.equal(late.message.sequence, 2);
		});

		test('a duplicate is recognised, with its original id, sequence and timestamp, after that message left history', async t => {
			const engine = await open(t, {historySize: 2});
			const room = unique('dedupe-trimmed');
			const first = await publish(engine, room, 'old', {sender: 'ana', clientId: 'c1'});
			for (const i of range(2, 5)) await publish(engine, room, `m${i}`, {sender: 'ana', clientId: `c${i}`});
			assert.equal((await engine.room(room)).first, 4);
			const retry = await publish(engine, room, 'old', {sender: 'ana', clientId: 'c1'});
			assert.equal(retry.duplicate, true);
			assert.deepEqual(retry.message, ref(first));
			assert.equal((await engine.room(room)).sequence, 5);
		});

		test('at most dedupeKeys clientIds are kept per (room, sender): the oldest is forgotten first, other senders keep theirs', async t => {
			const engine = await open(t, {dedupeKeys: 3});
			const room = unique('dedupe-cap');
			const bo = await publish(engine, room, 'b1', {sender: 'bo', clientId: 'b1'});
			for (const i of range(1, 4)) await publish(engine, room, `a${i}`, {sender: 'ana', clientId: `a${i}`});
			const newest = await publish(engine, room, 'a4', {sender: 'ana', clientId: 'a4'});
			assert.equal(newest.duplicate, true, 'the newest keys are kept');
			const oldest = await publish(engine, room, 'a1', {sender: 'ana', clientId: 'a1'});
			assert.equal(oldest.duplicate, false, 'the fourth key pushed out the first: its retry publishes anew');
			assert.equal(oldest.message.sequence, 6);
			const boRetry = await publish(engine, room, 'b1', {sender: 'bo', clientId: 'b1'});
			assert.deepEqual([boRetry.duplicate, boRetry.message], [true, ref(bo)], "ana's keys never push out bo's");
		});

		test('reading rooms nobody published to stores nothing that changes them: stable epoch, sequence 0, then 1 on the first publish', async t => {
			const engine = await open(t);
			const room = unique('unseen');
			const before = await engine.room(room);
			await engine.history(room, {since: 0});
			assert.equal(await engine.getCursor('ana', room), undefined);
			assert.deepEqual(await engine.room(room), before);
			const first = await publish(engine, room, 'hello');
			assert.equal(first.message.sequence, 1);
		});

		test('a member who joined a room before its first message stays in its epoch: the first publish keeps the epoch the room was read in', async t => {
			const engine = await open(t);
			const room = unique('early');
			await engine.watch(room);
			await engine.presenceAdd(room, 'ana', 'h1', 'online');
			const joined = await engine.room(room);
			const first = await engine.publish({room, sender: 'bo', content: 'first', timestamp: Date.now()});
			assert.equal(first.epoch, joined.epoch, 'the subscriber would see the room start over');
			assert.equal(first.message.sequence, 1);
		});

		test('reads of unknown rooms store nothing for the room, and every engine on the storage agrees on their epoch', {skip: options.storage ? false : 'the storage cannot be listed while the engine runs (memory: test/hostile-memory-rooms.test.ts measures it)'}, async t => {
			const engine = await open(t);
			const room = unique('unknown');
			await publish(engine, unique('known'), 'so the storage is not empty');
			const shared = options.shared;
			const storage = async (): Promise<string[]> => (await options.storage!(engine)).filter(name => !shared?.matches(name));
			const before = await storage();
			const state = await engine.room(room);
			await engine.history(room, {since: 0});
			await engine.history(room, {before: 10, limit: 5});
			await engine.getCursor('ana', room);
			await engine.members(room);
			assert.deepEqual(await storage(), before, 'reading an unknown room stored nothing for it');
			if (shared) assert.ok((await options.storage!(engine)).filter(name => shared.matches(name)).length <= shared.most);
			if (options.reopen) {
				const again = await options.reopen(engine);
				assert.deepEqual(await again.room(room), state, 'another engine on the same storage reads the same epoch');
				const first = await publish(again, room, 'hello');
				assert.equal(first.message.sequence, 1);
				assert.equal((await again.room(room)).epoch, first.epoch);
			}
		});

		test('a cursor at 0 is not stored: it says no more than no cursor', async t => {
			const engine = await open(t);
			const room = unique('cursor-zero');
			const {epoch} = await engine.room(room);
			await engine.setCursor('ana', room, {epoch, sequence: 0});
			assert.equal(await engine.getCursor('ana', room), undefined);
		});

		test('history keeps only the newest historySize messages, and first follows', async t => {
			const engine = await open(t, {historySize: 3});
			const room = unique('size');
			for (const i of range(1, 5)) await publish(engine, room, `m${i}`);
			const page = await engine.history(room, {});
			assert.deepEqual(page.messages.map(m => m.content), ['m3', 'm4', 'm5']);
			assert.equal(page.sequence, 5);
			assert.equal(page.first, 3);
			assert.deepEqual(await engine.room(room), {sequence: 5, epoch: page.epoch, first: 3});
		});

		test('history drops messages older than historyTtl, measured on the engine clock', async t => {
			const clock = fakeClock();
			const engine = await open(t, {historyTtl: 10, now: clock.now});
			const room = unique('ttl');
			const t0 = clock.now();
			// The hub stamps messages with its own clock; age counts from when the engine stored them.
			const stamped = {timestamp: 42};
			await publish(engine, room, 'a', stamped);
			clock.set(t0 + 5000);
			await publish(engine, room, 'b', stamped);
			clock.set(t0 + 10_000);
			await publish(engine, room, 'c', stamped);

			clock.set(t0 + 12_000);
			let page = await engine.history(room, {});
			assert.deepEqual(page.messages.map(m => m.sequence), [2, 3]);
			assert.equal(page.first, 2);
			assert.equal((await engine.room(room)).first, 2);

			clock.set(t0 + 19_999);
			page = await engine.history(room, {since: 0});
			assert.deepEqual(page.messages.map(m => m.sequence), [3]);
			assert.equal(page.first, 3);

			clock.set(t0 + 20_001);
			page = await engine.history(room, {});
			assert.deepEqual(page.messages, []);
			assert.deepEqual({sequence: page.sequence, first: page.first}, {sequence: 3, first: 4}, 'an expired room keeps its sequence');

			const next = await publish(engine, room, 'd', stamped);
			// An engine may forget a room with nothing left (memory): it then comes back in a new epoch.
			if (next.epoch === page.epoch) assert.equal(next.message.sequence, 4, 'expiry never resets the sequence within an epoch');
			else assert.equal(next.message.sequence, 1, 'a forgotten room starts a new epoch at 1');
			assert.deepEqual((await engine.history(room, {})).messages.map(m => m.sequence), [next.message.sequence]);
		});

		test('history since/before/limit select the same ranges in every engine', async t => {
			const engine = await open(t);
			const room = unique('ranges');
			for (const i of range(1, 10)) await publish(engine, room, `m${i}`);
			const epoch = (await engine.room(room)).epoch;
			const cases: Array<[HistoryQuery, number[]]> = [
				[{}, range(1, 10)],
				[{since: 0}, range(1, 10)],
				[{since: 3}, range(4, 10)],
				[{since: 10}, []],
				[{since: 25}, []],
				[{before: 4}, [1, 2, 3]],
				[{before: 1}, []],
				[{before: 11}, range(1, 10)],
				[{before: 99}, range(1, 10)],
				[{since: 2, before: 6}, [3, 4, 5]],
				[{since: 6, before: 3}, []],
				[{limit: 4}, [1, 2, 3, 4]],
				[{limit: 50}, range(1, 10)],
				[{since: 2, limit: 3}, [3, 4, 5]],
				[{before: 9, limit: 3}, [6, 7, 8]],
				[{before: 3, limit: 5}, [1, 2]],
				[{since: 2, before: 9, limit: 3}, [3, 4, 5]],
			];
			for (const [query, expected] of cases) {
				const page = await engine.history(room, query);
				assert.deepEqual(page.messages.map(m => m.sequence), expected, `history(${JSON.stringify(query)})`);
				assert.deepEqual({sequence: page.sequence, first: page.first, epoch: page.epoch}, {sequence: 10, first: 1, epoch});
			}
		});

		test('history ranges reach only what is retained once history is trimmed', async t => {
			const engine = await open(t, {historySize: 5});
			const room = unique('ranges-trimmed');
			for (const i of range(1, 10)) await publish(engine, room, `m${i}`);
			const cases: Array<[HistoryQuery, number[]]> = [
				[{}, range(6, 10)],
				[{since: 2}, range(6, 10)],
				[{since: 7}, [8, 9, 10]],
				[{before: 8}, [6, 7]],
				[{before: 4}, []],
				[{before: 8, limit: 1}, [7]],
				[{limit: 2}, [6, 7]],
				[{since: 0, limit: 2}, [6, 7]],
			];
			for (const [query, expected] of cases) {
				const page = await engine.history(room, query);
				assert.deepEqual(page.messages.map(m => m.sequence), expected, `history(${JSON.stringify(query)})`);
				assert.deepEqual({sequence: page.sequence, first: page.first}, {sequence: 10, first: 6});
			}
		});

		test('clearHistory starts a new epoch at sequence 1 and emits cleared', async t => {
			const engine = await open(t);
			const room = unique('clear');
			await engine.watch(room);
			const log = listen(engine);
			for (const i of range(1, 3)) await publish(engine, room, `old${i}`);
			const before = await engine.room(room);
			const cleared = await engine.clearHistory(room, 'admin');
			assert.notEqual(cleared.epoch, before.epoch);
			assert.deepEqual(cleared, {sequence: 0, epoch: cleared.epoch, first: 1});
			assert.deepEqual(await engine.room(room), cleared);
			assert.deepEqual((await engine.history(room, {})).messages, []);
			const [event] = await log.waitFor(e => e.type === 'cleared' && e.room === room, 1);
			assert.deepEqual(event, {type: 'cleared', room, epoch: cleared.epoch, by: 'admin'});

			const next = await publish(engine, room, 'new1');
			assert.equal(next.message.sequence, 1);
			assert.equal(next.epoch, cleared.epoch);
			const [live] = await log.waitFor(e => e.type === 'message' && e.room === room && e.message.content === 'new1', 1);
			assert.ok(live?.type === 'message' && live.epoch === cleared.epoch, 'messages of the new epoch carry it');
			const again = await engine.clearHistory(room, 'admin');
			assert.ok(again.epoch !== cleared.epoch && again.epoch !== before.epoch, 'every clear makes a fresh epoch');
		});

		test('clearHistory forgets the old epoch\'s clientIds: a retry publishes into the new epoch', async t => {
			// A duplicate answer would name a sequence of an epoch that no longer exists.
			const engine = await open(t);
			const room = unique('clear-dedupe');
			await publish(engine, room, 'x', {sender: 'ana', clientId: 'c1'});
			await publish(engine, room, 'y', {sender: 'ana', clientId: 'c2'});
			const cleared = await engine.clearHistory(room, 'admin');
			const retry = await publish(engine, room, 'y', {sender: 'ana', clientId: 'c2'});
			assert.equal(retry.duplicate, false);
			assert.equal(retry.message.sequence, 1);
			assert.equal(retry.epoch, cleared.epoch);
			const retryAgain = await publish(engine, room, 'y', {sender: 'ana', clientId: 'c2'});
			assert.equal(retryAgain.duplicate, true, 'and the new epoch deduplicates again');
		});

		test('a publish with a topic stores it with the room: room, history and later readers see it, and the message carries what was sent', async t => {
			const engine = await open(t);
			const room = unique('topic');
			await engine.watch(room);
			const log = listen(engine);
			await publish(engine, room, 'before');
			assert.equal('topic' in (await engine.room(room)), false, 'a room without a topic says none');
			const set = stored(await publish(engine, room, 'ana set the topic: deploy at 5', {data: {topic: 'deploy at 5'}, topic: 'deploy at 5'}));
			assert.equal(set.sequence, 2);
			assert.deepEqual(set.data, {topic: 'deploy at 5'});
			assert.equal('topic' in set, false, 'the topic is the room\'s, not a field of the message');
			const state = await engine.room(room);
			assert.equal(state.topic, 'deploy at 5');
			const page = await engine.history(room, {since: 1});
			assert.equal(page.topic, 'deploy at 5');
			assert.deepEqual(page.messages, [set]);
			const [event] = await log.waitFor(e => e.type === 'message' && e.room === room && e.message.sequence === 2, 1);
			assert.ok(event?.type === 'message');
			assert.deepEqual(event.message, set, 'the change reaches listeners as an ordinary message, in order');
			await publish(engine, room, 'after');
			assert.equal((await engine.room(room)).topic, 'deploy at 5', 'an ordinary publish leaves the topic as it is');
			await publish(engine, room, 'bo set the topic: 🚀 ship it', {sender: 'bo', data: {topic: '🚀 ship it'}, topic: '🚀 ship it'});
			assert.equal((await engine.room(room)).topic, '🚀 ship it', 'the latest change wins');
			await publish(engine, room, 'bo cleared the topic', {sender: 'bo', data: {topic: ''}, topic: ''});
			const cleared = await engine.room(room);
			assert.equal('topic' in cleared, false, 'an empty topic removes it');
			assert.equal(cleared.sequence, 5);
		});

		test('a retried topic change (same clientId) changes nothing: the topic set since stays', async t => {
			const engine = await open(t);
			const room = unique('topic-dedupe');
			const first = await publish(engine, room, 'ana set the topic: one', {clientId: 't1', data: {topic: 'one'}, topic: 'one'});
			await publish(engine, room, 'bo set the topic: two', {sender: 'bo', data: {topic: 'two'}, topic: 'two'});
			const retry = await publish(engine, room, 'ana set the topic: one', {clientId: 't1', data: {topic: 'one'}, topic: 'one'});
			assert.equal(retry.duplicate, true);
			assert.deepEqual(retry.message, ref(first));
			assert.equal((await engine.room(room)).topic, 'two');
			assert.equal((await engine.room(room)).sequence, 2);
		});

		test('clearHistory keeps the topic: it belongs to the room, not to its history', async t => {
			const engine = await open(t);
			const room = unique('topic-clear');
			await publish(engine, room, 'ana set the topic: incident 42', {data: {topic: 'incident 42'}, topic: 'incident 42'});
			const cleared = await engine.clearHistory(room, 'admin');
			assert.deepEqual(cleared, {sequence: 0, epoch: cleared.epoch, first: 1, topic: 'incident 42'});
			assert.deepEqual(await engine.room(room), cleared);
			const page = await engine.history(room, {});
			assert.deepEqual([page.messages, page.topic], [[], 'incident 42']);
			const other = unique('topic-none');
			await publish(engine, other, 'x');
			assert.equal('topic' in (await engine.clearHistory(other, 'admin')), false, 'a room without one has none after a clear');
		});

		test('a cursor starts undefined and moves only forward within an epoch, per user and room', async t => {
			const engine = await open(t);
			const room = unique('cursor');
			const other = unique('cursor-other');
			const {epoch} = await engine.room(room);
			assert.equal(await engine.getCursor('ana', room), undefined);
			await engine.setCursor('ana', room, {epoch, sequence: 5});
			assert.deepEqual(await engine.getCursor('ana', room), {epoch, sequence: 5});
			await engine.setCursor('ana', room, {epoch, sequence: 3});
			assert.deepEqual(await engine.getCursor('ana', room), {epoch, sequence: 5}, 'never back within an epoch');
			await engine.setCursor('ana', room, {epoch, sequence: 7});
			assert.deepEqual(await engine.getCursor('ana', room), {epoch, sequence: 7});
			assert.equal(await engine.getCursor('bo', room), undefined);
			assert.equal(await engine.getCursor('ana', other), undefined);
			await Promise.all([9, 8, 12, 10].map(sequence => engine.setCursor('bo', room, {epoch, sequence})));
			assert.deepEqual(await engine.getCursor('bo', room), {epoch, sequence: 12}, 'concurrent acks keep the highest');
		});

		test('a cursor in a new epoch replaces the old one, even at a lower sequence', async t => {
			const engine = await open(t);
			const room = unique('cursor-epoch');
			const {epoch: old} = await engine.room(room);
			await engine.setCursor('ana', room, {epoch: old, sequence: 40});
			const {epoch} = await engine.clearHistory(room, 'admin');
			await engine.setCursor('ana', room, {epoch, sequence: 2});
			assert.deepEqual(await engine.getCursor('ana', room), {epoch, sequence: 2});
			await engine.setCursor('ana', room, {epoch, sequence: 1});
			assert.deepEqual(await engine.getCursor('ana', room), {epoch, sequence: 2});
		});

		test('presenceAdd is true only for a user\'s first holder, presenceRemove only for the last', async t => {
			const engine = await open(t);
			const room = unique('presence');
			assert.equal(await engine.presenceAdd(room, 'ana', 'h1', 'online'), true);
			assert.equal(await engine.presenceAdd(room, 'ana', 'h2', 'online'), false);
			assert.equal(await engine.presenceAdd(room, 'ana', 'h2', 'online'), false, 'adding a holder twice is not a join');
			assert.equal(await engine.presenceAdd(room, 'bo', 'h3', 'away', 'lunch'), true);
			assert.equal(await engine.presenceRemove(room, 'ana', 'h1'), false);
			assert.equal(await engine.presenceRemove(room, 'ana', 'h1'), false, 'removing a gone holder is not a leave');
			assert.equal(await engine.presenceRemove(room, 'ana', 'h2'), true);
			assert.equal(await engine.presenceRemove(room, 'ana', 'h2'), false);
			assert.equal(await engine.presenceRemove(room, 'nobody', 'h9'), false);
			assert.deepEqual(await engine.members(room), [{userId: 'bo', status: 'away', reason: 'lunch'}]);
			assert.equal(await engine.presenceAdd(room, 'ana', 'h4', 'online'), true, 'a user who left joins again');
		});

		test('presenceStatus returns the combined status before and after, undefined for an unknown holder', async t => {
			const engine = await open(t);
			const room = unique('status');
			await engine.presenceAdd(room, 'ana', 'h1', 'online');
			await engine.presenceAdd(room, 'ana', 'h2', 'online');
			assert.deepEqual(await engine.presenceStatus(room, 'ana', 'h1', 'away', 'idle'), {
				before: {userId: 'ana', status: 'online'},
				after: {userId: 'ana', status: 'online'},
			});
			const down = await engine.presenceStatus(room, 'ana', 'h2', 'away', 'idle');
			assert.deepEqual(down, {before: {userId: 'ana', status: 'online'}, after: {userId: 'ana', status: 'away', reason: 'idle'}});
			const up = await engine.presenceStatus(room, 'ana', 'h1', 'online');
			assert.deepEqual(up, {before: {userId: 'ana', status: 'away', reason: 'idle'}, after: {userId: 'ana', status: 'online'}});
			assert.equal(await engine.presenceStatus(room, 'ana', 'h9', 'away'), undefined);
			assert.equal(await engine.presenceStatus(room, 'bo', 'h1', 'away'), undefined);
			assert.equal(await engine.presenceStatus(unique('elsewhere'), 'ana', 'h1', 'away'), undefined);
		});

		test('members lists each user once, online if any holder is, per room', async t => {
			const engine = await open(t);
			const room = unique('members');
			const other = unique('members-other');
			assert.deepEqual(await engine.members(room), []);
			await engine.presenceAdd(room, 'ana', 'h1', 'away', 'idle');
			await engine.presenceAdd(room, 'ana', 'h2', 'online');
			await engine.presenceAdd(room, 'bo', 'h3', 'away', 'lunch');
			await engine.presenceAdd(room, 'bo', 'h4', 'away', 'lunch');
			await engine.presenceAdd(other, 'cy', 'h5', 'online');
			assert.deepEqual(byUser(await engine.members(room)), [
				{userId: 'ana', status: 'online'},
				{userId: 'bo', status: 'away', reason: 'lunch'},
			]);
			assert.deepEqual(await engine.members(other), [{userId: 'cy', status: 'online'}]);
			await engine.presenceRemove(room, 'ana', 'h2');
			assert.deepEqual(byUser(await engine.members(room)), [
				{userId: 'ana', status: 'away', reason: 'idle'},
				{userId: 'bo', status: 'away', reason: 'lunch'},
			]);
		});

		test('members, with 300 joins and listings in flight at once, lists every joiner in arrival order, each once', async t => {
			// As a burst of subscribes does: each join is followed by a listing, all overlapping. An
			// engine may share one listing among callers, but never one issued before a caller's join.
			const engine = await open(t);
			const room = unique('burst');
			const listings = await Promise.all(
				Array.from({length: 300}, async (_, i) => {
					await engine.presenceAdd(room, `u${i}`, `h${i}`, 'online');
					return {i, members: (await engine.members(room)).map(member => member.userId)};
				}),
			);
			for (const {i, members} of listings) {
				assert.ok(members.includes(`u${i}`), `u${i} is in the listing that followed its join`);
				assert.equal(new Set(members).size, members.length);
			}
			const final = (await engine.members(room)).map(member => member.userId);
			assert.equal(final.length, 300);
			// Arrival order: a join that completed before another's started is listed before it.
			const sequential = [];
			for (let i = 0; i < 5; i++) {
				await engine.presenceAdd(room, `late${i}`, `late-h${i}`, 'online');
				sequential.push(`late${i}`);
			}
			assert.deepEqual((await engine.members(room)).map(member => member.userId).slice(-5), sequential);
		});

		test('announce carries a presence event to listeners', async t => {
			const engine = await open(t);
			const room = unique('announce');
			await engine.watch(room);
			const log = listen(engine);
			const event: EngineEvent = {type: 'presence', room, userId: 'ana', action: 'away', status: 'away', reason: 'idle', timestamp: 1_700_000_000_000};
			await engine.announce(event);
			const [got] = await log.waitFor(e => e.type === 'presence' && e.room === room, 1);
			assert.deepEqual(got, event);
		});

		test('the direct conversations a user received messages in are listed most recent first, each once, per user', async t => {
			const engine = await open(t);
			const dave = unique('dave');
			const [a, b, c] = [directKey('ana', dave), directKey('bo', dave), directKey('cy', dave)];
			await engine.directRooms.note(dave, a, 1000);
			await engine.directRooms.note(dave, b, 2000);
			await engine.directRooms.note(dave, c, 3000);
			await engine.directRooms.note(dave, a, 4000);
			assert.deepEqual(await engine.directRooms.list(dave), [a, c, b]);
			assert.deepEqual(await engine.directRooms.list(unique('nobody')), []);
		});

		test(`a user's direct conversations are capped at ${MAX_DIRECT_ROOMS}: the least recent is forgotten first`, async t => {
			const engine = await open(t);
			const dave = unique('dave');
			for (const i of range(1, MAX_DIRECT_ROOMS + 5)) await engine.directRooms.note(dave, directKey(`u${i}`, dave), i);
			const listed = await engine.directRooms.list(dave);
			assert.equal(listed.length, MAX_DIRECT_ROOMS);
			assert.equal(listed[0], directKey(`u${MAX_DIRECT_ROOMS + 5}`, dave));
			assert.ok(!listed.includes(directKey('u5', dave)) && listed.includes(directKey('u6', dave)), 'the five oldest are gone');
		});

		if (!options.reopen) return;
		const reopen = options.reopen;

		test('after reopen, rooms keep sequence, epoch, first and history, and sequences continue without reuse', async t => {
			let engine = await open(t, {historySize: 3});
			const room = unique('durable');
			const dm = directKey(unique('alice'), unique('bob'));
			const cleared = unique('durable-cleared');
			const untouched = unique('durable-untouched');
			const published: PublishResult[] = [];
			for (const i of range(1, 5)) published.push(await publish(engine, room, `m${i}`, {sender: 'ana', data: {i}}));
			published.push(await publish(engine, dm, 'psst', {sender: 'alice'}));
			await publish(engine, cleared, 'gone', {sender: 'ana'});
			await engine.clearHistory(cleared, 'admin');
			published.push(await publish(engine, cleared, 'kept', {sender: 'ana'}));
			const rooms = [room, dm, cleared];
			const before = await Promise.all(rooms.map(r => engine.history(r, {})));

			engine = await reopen(engine);
			const after = await Promise.all(rooms.map(r => engine.history(r, {})));
			assert.deepEqual(after, before);
			assert.deepEqual(after[0]!.messages.map(m => m.sequence), [3, 4, 5]);
			assert.equal((await engine.room(untouched)).sequence, 0);

			await engine.watch(room);
			const log = listen(engine);
			const next = await Promise.all([publish(engine, room, 'm6'), publish(engine, dm, 'again'), publish(engine, cleared, 'more')]);
			assert.deepEqual(next.map(r => r.message.sequence), [6, 2, 2]);
			assert.deepEqual(next.map(r => r.epoch), before.map(page => page.epoch));
			const ids = new Set(published.map(r => r.message.id));
			assert.ok(next.every(r => !ids.has(r.message.id)), 'message ids are never reused');
			await log.waitFor(e => e.type === 'message' && e.room === room && e.message.sequence === 6, 1);
		});

		test('after reopen, cursors and dedupe ids survive', async t => {
			let engine = await open(t, {historySize: 2});
			const room = unique('durable-ids');
			const originals: PublishResult[] = [];
			for (const i of range(1, 4)) originals.push(await publish(engine, room, `m${i}`, {sender: 'ana', clientId: `c${i}`}));
			const {epoch} = await engine.room(room);
			await engine.setCursor('ana', room, {epoch, sequence: 3});

			engine = await reopen(engine);
			assert.deepEqual(await engine.getCursor('ana', room), {epoch, sequence: 3});
			await engine.setCursor('ana', room, {epoch, sequence: 2});
			assert.deepEqual(await engine.getCursor('ana', room), {epoch, sequence: 3}, 'still only forward');
			for (const original of originals) {
				const retry = await publish(engine, room, stored(original).content, {sender: 'ana', clientId: `c${original.message.sequence}`});
				assert.equal(retry.duplicate, true);
				assert.deepEqual(retry.message, ref(original));
			}
			assert.equal((await engine.room(room)).sequence, 4);
		});

		test('after reopen, topics survive, a cleared one stays cleared', async t => {
			let engine = await open(t);
			const room = unique('durable-topic');
			const gone = unique('durable-topic-gone');
			await publish(engine, room, 'ana set the topic: release week', {data: {topic: 'release week'}, topic: 'release week'});
			await publish(engine, gone, 'ana set the topic: x', {data: {topic: 'x'}, topic: 'x'});
			await publish(engine, gone, 'ana cleared the topic', {data: {topic: ''}, topic: ''});
			engine = await reopen(engine);
			assert.equal((await engine.room(room)).topic, 'release week');
			assert.equal('topic' in (await engine.room(gone)), false);
		});

		test('after reopen, the index of direct conversations survives', async t => {
			let engine = await open(t);
			const dave = unique('dave');
			await engine.directRooms.note(dave, directKey('cy', dave), 1000);
			engine = await reopen(engine);
			assert.deepEqual(await engine.directRooms.list(dave), [directKey('cy', dave)]);
		});
	});
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/** A room (or user) name no other test, suite or run uses. */
function unique(prefix: string): string {
	return `${prefix}-${randomBytes(4).toString('hex')}`;
}

function range(from: number, to: number): number[] {
	return Array.from({length: to - from + 1}, (_, i) => from + i);
}

/** The message a fresh publish stored (fails on a duplicate, which carries only a PublishedRef). */
export function stored(result: PublishResult): ChatMessage {
	assert.equal(result.duplicate, false, 'a fresh publish');
	return result.message;
}

/** What a duplicate of `result`'s publish must answer: the original's id, sequence and timestamp. */
function ref(result: PublishResult): PublishedRef {
	return {id: result.message.id, sequence: result.message.sequence, timestamp: result.message.timestamp};
}

function publish(engine: Engine, room: string, content: string, extra: Partial<PublishInput> = {}): Promise<PublishResult> {
	return engine.publish({room, sender: 'ana', content, timestamp: Date.now(), ...extra});
}

/** A clock the test moves by hand, so TTLs and windows pass without sleeping. */
function fakeClock(start = 1_700_000_000_000): {now: () => number; set: (at: number) => void; advance: (ms: number) => void} {
	let at = start;
	return {
		now: () => at,
		set: value => {
			at = value;
		},
		advance: ms => {
			at += ms;
		},
	};
}

/** Every event an engine emits from now on, and a way to wait for some of them. */
function listen(engine: Engine): {events: EngineEvent[]; waitFor: (match: (e: EngineEvent) => boolean, count: number, ms?: number) => Promise<EngineEvent[]>} {
	const events: EngineEvent[] = [];
	engine.on(event => events.push(event));
	return {
		events,
		async waitFor(match, count, ms = 5000) {
			const deadline = Date.now() + ms;
			for (;;) {
				const found = events.filter(match);
				if (found.length >= count) return found;
				if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms: ${found.length} of ${count} events`);
				await sleep(5);
			}
		},
	};
}

function byUser<T extends {userId: string}>(members: T[]): T[] {
	return [...members].sort((a, b) => a.userId.localeCompare(b.userId));
}
