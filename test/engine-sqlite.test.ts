// The Engine contract against the durable SQLite engine, including what must survive a reopen,
// plus what only a file-backed engine can get wrong: opening, locking and foreign files.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, mkdirSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {Engine, EngineOptions} from '../source/broker/engines/engine.js';
import {createSqliteEngine} from '../source/broker/engines/sqlite/sqlite-engine.js';
import {openSqliteFile} from '../source/broker/engines/sqlite/sqlite-file.js';
import {engineContractSuite} from './engine-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'natter-sqlite-'));
process.on('exit', () => rmSync(dir, {recursive: true, force: true}));
let files = 0;

/** Where each engine (and every reopened successor) lives, so reopen and cleanup find the file. */
type Slot = {path: string; options: Partial<EngineOptions>; engine: Engine};
const slots = new Map<Engine, Slot>();

engineContractSuite('sqlite', {
	async create(options) {
		const slot: Slot = {path: join(dir, `engine-${++files}.db`), options, engine: undefined as unknown as Engine};
		slot.engine = createSqliteEngine(slot.path, options);
		slots.set(slot.engine, slot);
		return {
			engine: slot.engine,
			async cleanup() {
				await slot.engine.close();
				rmSync(slot.path, {force: true});
				rmSync(`${slot.path}-wal`, {force: true});
			},
		};
	},
	async reopen(engine) {
		const slot = slots.get(engine)!;
		await engine.close();
		slot.engine = createSqliteEngine(slot.path, slot.options);
		slots.set(slot.engine, slot);
		return slot.engine;
	},
});

test('sqlite: the data file and its missing parent directories are created', async () => {
	const path = join(dir, 'deep', 'er', 'natter.db');
	const engine = createSqliteEngine(path);
	try {
		await engine.publish({room: 'r', sender: 'ana', content: 'hi', timestamp: 1});
		assert.equal((await engine.room('r')).sequence, 1);
	} finally {
		await engine.close();
	}
});

test('sqlite: a path that cannot hold a database fails with one sentence naming it', () => {
	const folder = join(dir, 'a-folder');
	mkdirSync(folder);
	assert.throws(() => createSqliteEngine(folder), /^Error: cannot open the data file .*a-folder: it cannot be opened or created/);
	const text = join(dir, 'notes.txt');
	writeFileSync(text, 'these are not the rows you are looking for\n'.repeat(200));
	assert.throws(() => createSqliteEngine(text), /cannot open the data file .*notes\.txt: it is not an SQLite database/);
	const blocker = join(dir, 'blocker');
	writeFileSync(blocker, '');
	assert.throws(() => createSqliteEngine(join(blocker, 'natter.db')), /cannot open the data file .*: a part of its directory path is a file/);
});

test('sqlite: operations after close are refused, not silently dropped', async () => {
	const engine = createSqliteEngine(join(dir, `closed-${++files}.db`));
	await engine.close();
	await engine.close();
	await assert.rejects(engine.publish({room: 'r', sender: 'ana', content: 'late', timestamp: 1}), /closed/);
	assert.equal(await engine.ready(), false);
});

test('sqlite: reopened with a smaller history size, history shows only the newest messages at once', async () => {
	const path = join(dir, `shrink-${++files}.db`);
	const big = createSqliteEngine(path, {historySize: 10});
	for (let i = 1; i <= 8; i++) await big.publish({room: 'r', sender: 'ana', content: `m${i}`, timestamp: i});
	await big.close();
	const small = createSqliteEngine(path, {historySize: 3});
	try {
		const page = await small.history('r', {});
		assert.deepEqual(page.messages.map(m => m.sequence), [6, 7, 8]);
		assert.deepEqual({sequence: page.sequence, first: page.first}, {sequence: 8, first: 6});
		assert.deepEqual((await small.history('r', {since: 1, limit: 2})).messages.map(m => m.sequence), [6, 7]);
	} finally {
		await small.close();
	}
});

test('sqlite: a second engine cannot open a file that a live engine holds', async () => {
	const path = join(dir, `locked-${++files}.db`);
	const first = createSqliteEngine(path);
	try {
		// The lock is what keeps two brokers from each announcing only their own half of a room.
		assert.throws(() => createSqliteEngine(path), /another process is using it/);
	} finally {
		await first.close();
	}
	const again = createSqliteEngine(path);
	await again.close();
});

test('sqlite: the file is opened for durability: WAL, synchronous FULL, locked to one process', () => {
	const db = openSqliteFile(join(dir, `pragmas-${++files}.db`));
	try {
		assert.equal(db.pragma('journal_mode', {simple: true}), 'wal');
		assert.equal(db.pragma('synchronous', {simple: true}), 2, 'FULL: a commit is on disk before it returns');
		assert.equal(db.pragma('locking_mode', {simple: true}), 'exclusive');
	} finally {
		db.close();
	}
});

test('sqlite: a publish that fails inside a shared commit takes no sequence and spoils none of the others', async () => {
	const engine = createSqliteEngine(join(dir, `savepoint-${++files}.db`));
	try {
		// BigInt does not serialise: the write throws half-way, after the room row was advanced.
		const unstorable = {data: {size: BigInt(1)} as unknown as Record<string, unknown>};
		const outcomes = await Promise.allSettled([
			engine.publish({room: 'r', sender: 'ana', content: 'one', timestamp: 1}),
			engine.publish({room: 'r', sender: 'ana', content: 'bad', timestamp: 2, ...unstorable}),
			engine.publish({room: 'r', sender: 'ana', content: 'two', timestamp: 3}),
		]);
		assert.deepEqual(outcomes.map(o => o.status), ['fulfilled', 'rejected', 'fulfilled']);
		const page = await engine.history('r', {});
		assert.deepEqual(page.messages.map(m => [m.sequence, m.content]), [[1, 'one'], [2, 'two']]);
		assert.equal(page.sequence, 2);
	} finally {
		await engine.close();
	}
});
