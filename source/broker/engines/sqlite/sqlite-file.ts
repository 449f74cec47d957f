import {mkdirSync} from 'node:fs';
import {dirname} from 'node:path';
import Database from 'better-sqlite3';

/** Bump when SCHEMA changes, and teach `migrate` the step. */
const SCHEMA_VERSION = 3;

const SCHEMA = `
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
	CREATE INDEX dedupe_sender ON dedupe (room, sender, expires);
	CREATE TABLE topics (
		room TEXT PRIMARY KEY,
		topic TEXT NOT NULL
	);
`;

/**
 * Version 1 -> 2: dedupe keeps only what a retry's answer needs (id, sequence, timestamp), not
 * the whole message, and is capped per (room, sender), which needs an index in expiry order.
 */
const MIGRATE_1_TO_2 = `
	UPDATE dedupe SET message = json_object('id', json_extract(message, '$.id'), 'sequence', json_extract(message, '$.sequence'), 'timestamp', json_extract(message, '$.timestamp'));
	CREATE INDEX dedupe_sender ON dedupe (room, sender, expires);
`;

/**
 * Version 2 -> 3: rooms have topics. A table of their own rather than a column of `rooms`: a
 * topic outlives clear_history (which rewrites the room's row) and most rooms have none.
 */
const MIGRATE_2_TO_3 = `
	CREATE TABLE topics (
		room TEXT PRIMARY KEY,
		topic TEXT NOT NULL
	);
`;

/** How long opening waits for another process to let go of the file before giving up. */
const BUSY_TIMEOUT_MS = 1000;

/**
 * Open the durable engine's SQLite file (creating it and its directories if needed), lock it for
 * this process, and bring its schema up to date; or throw one sentence that names the file and
 * says why not ("cannot open the data file PATH: it is not an SQLite database").
 */
export function openSqliteFile(path: string): Database.Database {
	try {
		mkdirSync(dirname(path), {recursive: true});
		const db = new Database(path, {timeout: BUSY_TIMEOUT_MS});
		try {
			// Exclusive: one broker per file (two would each announce only their own publishes);
			// in WAL mode it also spares the shared-memory file. Must precede the switch to WAL.
			db.pragma('locking_mode = EXCLUSIVE');
			const mode = db.pragma('journal_mode = WAL', {simple: true});
			if (mode !== 'wal') throw new Error(`the file system does not support write-ahead logging (journal mode ${String(mode)})`);
			// FULL: a commit is on disk before it returns, so an acknowledged publish survives power loss.
			db.pragma('synchronous = FULL');
			migrate(db);
			return db;
		} catch (error) {
			db.close();
			throw error;
		}
	} catch (error) {
		throw new Error(`cannot open the data file ${path}: ${explain(error)}`, {cause: error});
	}
}

/** Create the schema in a new file; refuse files of other programs and of newer natters. Takes the lock. */
function migrate(db: Database.Database): void {
	db.transaction(() => {
		const version = db.pragma('user_version', {simple: true}) as number;
		if (version > SCHEMA_VERSION) throw new Error(`it was written by a newer natter (data version ${version}, this natter reads ${SCHEMA_VERSION})`);
		if (version === SCHEMA_VERSION) return;
		if (version === 1 || version === 2) {
			// Step by step, so a file of any earlier version takes the same path as one of the last.
			if (version === 1) db.exec(MIGRATE_1_TO_2);
			db.exec(MIGRATE_2_TO_3);
			db.pragma(`user_version = ${SCHEMA_VERSION}`);
			return;
		}
		const tables = db.prepare<unknown[], {n: number}>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get()!.n;
		if (tables > 0) throw new Error('it is an SQLite database of another program');
		db.exec(SCHEMA);
		db.pragma(`user_version = ${SCHEMA_VERSION}`);
	}).immediate();
}

function explain(error: unknown): string {
	const {code, message} = error as {code?: string; message?: string};
	switch (code) {
		case 'SQLITE_BUSY':
			return 'another process is using it (is another natter broker running on it?)';
		case 'SQLITE_NOTADB':
			return 'it is not an SQLite database';
		case 'SQLITE_CANTOPEN':
			return 'it cannot be opened or created (is the path a directory, or the directory not writable?)';
		case 'SQLITE_READONLY':
		case 'SQLITE_PERM':
		case 'EACCES':
		case 'EPERM':
			return 'no permission to write it';
		case 'ENOTDIR':
		case 'EEXIST':
			return 'a part of its directory path is a file, not a directory';
		default:
			return message ?? String(error);
	}
}
