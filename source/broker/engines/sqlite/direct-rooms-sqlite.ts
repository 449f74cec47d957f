import type Database from 'better-sqlite3';
import {MAX_DIRECT_ROOMS, type DirectRoomIndex} from '../direct-rooms.js';
import type {GroupCommit} from './group-commit.js';

/**
 * The SQLite engine's index of direct conversations: a table of its own, created here if
 * missing (so a database from before it opens as it is), written through the group commit.
 */
export function sqliteDirectRooms(db: Database.Database, commits: GroupCommit): DirectRoomIndex {
	db.exec('CREATE TABLE IF NOT EXISTS direct_rooms (user_id TEXT NOT NULL, room TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (user_id, room))');
	const sql = {
		note: db.prepare('INSERT INTO direct_rooms (user_id, room, at) VALUES (?, ?, ?) ON CONFLICT (user_id, room) DO UPDATE SET at = max(at, excluded.at)'),
		cap: db.prepare('DELETE FROM direct_rooms WHERE user_id = ? AND room NOT IN (SELECT room FROM direct_rooms WHERE user_id = ? ORDER BY at DESC, room LIMIT ?)'),
		list: db.prepare<unknown[], {room: string}>('SELECT room FROM direct_rooms WHERE user_id = ? ORDER BY at DESC, room LIMIT ?'),
	};
	return {
		note(userId, key, at) {
			return commits.write(() => {
				sql.note.run(userId, key, at);
				sql.cap.run(userId, userId, MAX_DIRECT_ROOMS);
				return {value: undefined};
			});
		},
		async list(userId) {
			return sql.list.all(userId, MAX_DIRECT_ROOMS).map(row => row.room);
		},
	};
}
