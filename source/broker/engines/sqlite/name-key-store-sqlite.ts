import type Database from 'better-sqlite3';
import type {GroupCommit} from './group-commit.js';
import type {NameKey, NameKeyStore} from '../name-key-store.js';

/**
 * The SQLite engine's kept names: a table of their own, created here if missing (so a database
 * from before kept names opens as it is), written through the engine's group commit so a key
 * issued in `welcome` is on disk like an acknowledged publish.
 */
export function sqliteNameKeyStore(db: Database.Database, commits: GroupCommit): NameKeyStore {
	db.exec('CREATE TABLE IF NOT EXISTS name_keys (skeleton TEXT PRIMARY KEY, name TEXT NOT NULL, hash TEXT NOT NULL, last_used INTEGER NOT NULL)');
	const sql = {
		get: db.prepare<unknown[], {name: string; hash: string; last_used: number}>('SELECT name, hash, last_used FROM name_keys WHERE skeleton = ?'),
		add: db.prepare('INSERT OR IGNORE INTO name_keys (skeleton, name, hash, last_used) VALUES (?, ?, ?, ?)'),
		touch: db.prepare('UPDATE name_keys SET last_used = ? WHERE skeleton = ?'),
		remove: db.prepare('DELETE FROM name_keys WHERE skeleton = ?'),
		count: db.prepare<unknown[], {n: number}>('SELECT COUNT(*) AS n FROM name_keys'),
	};
	return {
		async get(skeleton): Promise<NameKey | undefined> {
			const row = sql.get.get(skeleton);
			return row && {name: row.name, hash: row.hash, lastUsed: row.last_used};
		},
		add(skeleton, record) {
			return commits.write(() => ({value: sql.add.run(skeleton, record.name, record.hash, record.lastUsed).changes === 1}));
		},
		touch(skeleton, lastUsed) {
			return commits.write(() => {
				sql.touch.run(lastUsed, skeleton);
				return {value: undefined};
			});
		},
		remove(skeleton) {
			return commits.write(() => {
				sql.remove.run(skeleton);
				return {value: undefined};
			});
		},
		async count() {
			return sql.count.get()!.n;
		},
	};
}
