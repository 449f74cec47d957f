// A data file written by the natter before issue 16 (schema 1, whose dedupe rows held whole
// messages) opened by today's SQLite engine: its dedupe rows shrink to what a retry's answer needs,
// and everything it kept still works: rooms, history, cursors, and the retries of its clientIds.
import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import Database from 'better-sqlite3';
import {createSqliteEngine} from '../source/broker/engines/sqlite/sqlite-engine.js';

const dir = mkdtempSync(join(tmpdir(), 'natter-migration-'));
after(() => rmSync(dir, {recursive: true, force: true}));

/** Schema 1 as natter 26cbf47 created it (source/broker/sqlite-file.ts then), verbatim. */
const SCHEMA_1 = `
	CREATE TABLE rooms (
		room TEXT PRIMARY KEY,
		epoch TEXT NOT NULL,
		sequence INTEGER NOT NULL
	);
	CREATE TABLE messages (
		room TEXT NOT NULL,
		sequence INTEGER NOT NULL,
		id TEXT NOT NULL,
		sender TEXT NOT NULL,
		content TEXT NOT NULL,
		timestamp INTEGER NOT NULL,
		data TEXT,
		stored INTEGER NOT NULL,
		PRIMARY KEY (room, sequence)
	);
	CREATE TABLE cursors (
		user_id TEXT NOT NULL,
		room TEXT NOT NULL,
		epoch TEXT NOT NULL,
		sequence INTEGER NOT NULL,
		PRIMARY KEY (user_id, room)
	);
	CREATE TABLE dedupe (
		room TEXT NOT NULL,
		sender TEXT NOT NULL,
		client_id TEXT NOT NULL,
		message TEXT NOT NULL,
		expires INTEGER NOT NULL,
		PRIMARY KEY (room, sender, client_id)
	);
	CREATE INDEX dedupe_expires ON dedupe (expires);
`;

type OldMessage = {id: string; room: string; sender: string; content: string; sequence: number; timestamp: number; data?: Record<string, unknown>};

/** Write a schema-1 file holding `messages` in `lobby`, each published with a clientId as that natter stored it. */
function writeVersion1(path: string, messages: OldMessage[]): void {
	const db = new Database(path);
	try {
		db.exec(SCHEMA_1);
		db.pragma('user_version = 1');
		const now = Date.now();
		db.prepare('INSERT INTO rooms (room, epoch, sequence) VALUES (?, ?, ?)').run('lobby', 'old-epoch', messages.length);
		const insert = db.prepare('INSERT INTO messages (room, sequence, id, sender, content, timestamp, data, stored) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
		// Schema 1 kept the whole message, content and data, for the dedupe window.
		const remember = db.prepare('INSERT INTO dedupe (room, sender, client_id, message, expires) VALUES (?, ?, ?, ?, ?)');
		for (const message of messages) {
			insert.run('lobby', message.sequence, message.id, message.sender, message.content, message.timestamp, message.data ? JSON.stringify(message.data) : null, now);
			remember.run('lobby', message.sender, `c${message.sequence}`, JSON.stringify(message), now + 600_000);
		}
		db.prepare('INSERT INTO cursors (user_id, room, epoch, sequence) VALUES (?, ?, ?, ?)').run('bo', 'lobby', 'old-epoch', 2);
	} finally {
		db.close();
	}
}

test('a schema-1 data file is migrated: dedupe rows shrink to id, sequence and timestamp, and its retries, history and cursors still work', async () => {
	const path = join(dir, 'natter-v1.db');
	const messages: OldMessage[] = [1, 2, 3].map(sequence => ({
		id: `m${sequence}`,
		room: 'lobby',
		sender: 'ana',
		content: `${'long message '.repeat(1000)}${sequence}`,
		sequence,
		timestamp: 1_700_000_000_000 + sequence,
		...(sequence === 2 ? {data: {build: 142, tags: ['ci']}} : {}),
	}));
	writeVersion1(path, messages);

	const engine = createSqliteEngine(path);
	try {
		assert.deepEqual(await engine.room('lobby'), {sequence: 3, epoch: 'old-epoch', first: 1});
		assert.deepEqual((await engine.history('lobby', {})).messages, messages);
		assert.deepEqual(await engine.getCursor('bo', 'lobby'), {epoch: 'old-epoch', sequence: 2});
		// A retry of a clientId the old natter remembered answers with the original, stores nothing.
		const retry = await engine.publish({room: 'lobby', sender: 'ana', content: 'again', clientId: 'c2', timestamp: 5});
		assert.deepEqual(retry, {message: {id: 'm2', sequence: 2, timestamp: 1_700_000_000_002}, epoch: 'old-epoch', duplicate: true});
		// New publishes continue the sequence and dedupe as always.
		const fresh = await engine.publish({room: 'lobby', sender: 'ana', content: 'new', clientId: 'c4', timestamp: 6});
		assert.equal(fresh.duplicate, false);
		assert.equal(fresh.message.sequence, 4);
		const again = await engine.publish({room: 'lobby', sender: 'ana', content: 'new', clientId: 'c4', timestamp: 7});
		assert.deepEqual([again.duplicate, again.message.sequence], [true, 4]);
		assert.equal((await engine.room('lobby')).sequence, 4);
	} finally {
		await engine.close();
	}

	const db = new Database(path, {readonly: true});
	try {
		assert.equal(db.pragma('user_version', {simple: true}), 3, 'migrated through 2 to today\'s 3');
		const rows = db.prepare<unknown[], {client_id: string; message: string}>('SELECT client_id, message FROM dedupe ORDER BY client_id').all();
		assert.deepEqual(rows.map(row => row.client_id), ['c1', 'c2', 'c3', 'c4']);
		for (const row of rows) {
			assert.deepEqual(Object.keys(JSON.parse(row.message) as object).sort(), ['id', 'sequence', 'timestamp'], `${row.client_id}: ${row.message.slice(0, 80)}`);
			assert.ok(row.message.length < 100, `${row.client_id}'s dedupe row is ${row.message.length} characters`);
		}
		const index = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'dedupe_sender'").get();
		assert.ok(index, 'the per-sender index of schema 2 exists');
		const topics = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'topics'").get();
		assert.ok(topics, 'the topics table of schema 3 exists');
	} finally {
		db.close();
	}

	// Opened again, the file is at schema 3 already: nothing to migrate, the old keys still dedupe.
	const reopened = createSqliteEngine(path);
	try {
		const retry = await reopened.publish({room: 'lobby', sender: 'ana', content: 'again', clientId: 'c1', timestamp: 8});
		assert.deepEqual(retry, {message: {id: 'm1', sequence: 1, timestamp: 1_700_000_000_001}, epoch: 'old-epoch', duplicate: true});
		assert.equal((await reopened.room('lobby')).sequence, 4);
	} finally {
		await reopened.close();
	}
});

test('a schema-2 data file is migrated to 3: rooms keep everything and can have topics, which survive a reopen', async () => {
	const path = join(dir, 'natter-v2.db');
	const db = new Database(path);
	try {
		// Schema 2 is schema 1 plus the per-sender dedupe index (MIGRATE_1_TO_2).
		db.exec(SCHEMA_1);
		db.exec('CREATE INDEX dedupe_sender ON dedupe (room, sender, expires);');
		db.pragma('user_version = 2');
		db.prepare('INSERT INTO rooms (room, epoch, sequence) VALUES (?, ?, ?)').run('ops', 'e2', 1);
		db.prepare('INSERT INTO messages (room, sequence, id, sender, content, timestamp, data, stored) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run('ops', 1, 'm1', 'ana', 'hi', 1, null, Date.now());
	} finally {
		db.close();
	}
	const engine = createSqliteEngine(path);
	try {
		assert.deepEqual(await engine.room('ops'), {sequence: 1, epoch: 'e2', first: 1});
		await engine.publish({room: 'ops', sender: 'ana', content: 'ana set the topic: on call', data: {topic: 'on call'}, topic: 'on call', timestamp: 2});
		assert.deepEqual(await engine.room('ops'), {sequence: 2, epoch: 'e2', first: 1, topic: 'on call'});
	} finally {
		await engine.close();
	}
	const reopened = createSqliteEngine(path);
	try {
		assert.equal((await reopened.room('ops')).topic, 'on call');
		assert.deepEqual((await reopened.history('ops', {})).messages.map(m => m.content), ['hi', 'ana set the topic: on call']);
	} finally {
		await reopened.close();
	}
	const check = new Database(path, {readonly: true});
	try {
		assert.equal(check.pragma('user_version', {simple: true}), 3);
	} finally {
		check.close();
	}
});
