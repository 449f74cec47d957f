import type {ChatMessage, MessageData} from '../../../protocol/messages.js';
import {
	DEFAULT_ENGINE_OPTIONS,
	type Cursor,
	type Engine,
	type EngineOptions,
	type HistoryPage,
	type HistoryQuery,
	type PublishInput,
	type PublishResult,
	type PublishedRef,
	type RoomState,
} from '../engine.js';
import {GroupCommit, type Committed} from './group-commit.js';
import {newEpoch, newMessageIdFactory} from '../../ids.js';
import {singleNode} from '../single-node/single-node.js';
import {openSqliteFile} from './sqlite-file.js';
import {sqliteDirectRooms} from './direct-rooms-sqlite.js';
import {sqliteNameKeyStore} from './name-key-store-sqlite.js';
import {defined} from '../../../defined.js';

type RoomRow = {epoch: string; sequence: number};
type MessageRow = {id: string; room: string; sender: string; content: string; sequence: number; timestamp: number; data: string | null};

/**
 * The durable single-node engine (`--data PATH`): rooms, sequences, epochs, topics, history, cursors,
 * dedupe ids and DM conversations live in one SQLite file and survive a restart, also `kill -9`
 * and power loss. Use it for one broker node whose rooms must outlive the process; for several
 * nodes use the Redis engine. The file is locked for its broker: a second process cannot open it.
 *
 * A publish is acknowledged only after its transaction committed with `synchronous = FULL`.
 * Writes that arrive together share one commit (see GroupCommit). Presence describes live
 * connections, so it stays in memory, like the memory engine's.
 */
export function createSqliteEngine(path: string, options: Partial<EngineOptions> = {}): Engine {
	const settings: EngineOptions = {...DEFAULT_ENGINE_OPTIONS, ...options};
	const now = settings.now ?? Date.now;
	const db = openSqliteFile(path);
	const commits = new GroupCommit(db);
	// Presence and events of one node: shared with the other single-node engine.
	const local = singleNode();
	const emit = local.emit;
	const nextId = newMessageIdFactory();
	/** The epoch of every room never written: stable while this process lives, and stored nowhere. */
	const unseenEpoch = newEpoch();

	const sql = {
		ping: db.prepare('SELECT 1'),
		room: db.prepare<unknown[], RoomRow>('SELECT epoch, sequence FROM rooms WHERE room = ?'),
		insertRoom: db.prepare('INSERT INTO rooms (room, epoch, sequence) VALUES (?, ?, ?)'),
		advanceRoom: db.prepare('UPDATE rooms SET sequence = ? WHERE room = ?'),
		resetRoom: db.prepare(
			'INSERT INTO rooms (room, epoch, sequence) VALUES (?, ?, 0) ON CONFLICT (room) DO UPDATE SET epoch = excluded.epoch, sequence = 0',
		),
		insertMessage: db.prepare(
			'INSERT INTO messages (room, sequence, id, sender, content, timestamp, data, stored) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
		),
		oldest: db.prepare<unknown[], {sequence: number}>('SELECT sequence FROM messages WHERE room = ? ORDER BY sequence LIMIT 1'),
		// Walks the room's index from the oldest and stops at the first live row: cost is the expired prefix only.
		oldestLive: db.prepare<unknown[], {sequence: number}>('SELECT sequence FROM messages WHERE room = ? AND stored >= ? ORDER BY sequence LIMIT 1'),
		trimBelow: db.prepare('DELETE FROM messages WHERE room = ? AND sequence < ?'),
		clearMessages: db.prepare('DELETE FROM messages WHERE room = ?'),
		range: db.prepare<unknown[], MessageRow>(
			'SELECT id, room, sender, content, sequence, timestamp, data FROM messages WHERE room = ? AND sequence >= ? AND sequence < ? ORDER BY sequence LIMIT ?',
		),
		rangeNewest: db.prepare<unknown[], MessageRow>(
			'SELECT id, room, sender, content, sequence, timestamp, data FROM messages WHERE room = ? AND sequence >= ? AND sequence < ? ORDER BY sequence DESC LIMIT ?',
		),
		seen: db.prepare<unknown[], {message: string}>('SELECT message FROM dedupe WHERE room = ? AND sender = ? AND client_id = ? AND expires > ?'),
		// Keeps a sender's newest dedupeKeys ids in a room (the index walks them in expiry order).
		capSender: db.prepare(
			'DELETE FROM dedupe WHERE rowid IN (SELECT rowid FROM dedupe WHERE room = ? AND sender = ? ORDER BY expires DESC LIMIT -1 OFFSET ?)',
		),
		remember: db.prepare('INSERT OR REPLACE INTO dedupe (room, sender, client_id, message, expires) VALUES (?, ?, ?, ?, ?)'),
		forgetExpired: db.prepare('DELETE FROM dedupe WHERE expires <= ?'),
		forgetRoom: db.prepare('DELETE FROM dedupe WHERE room = ?'),
		cursor: db.prepare<unknown[], Cursor>('SELECT epoch, sequence FROM cursors WHERE user_id = ? AND room = ?'),
		// One statement, so concurrent acks cannot move a cursor back: a new epoch replaces, the same epoch only advances.
		topic: db.prepare<unknown[], {topic: string}>('SELECT topic FROM topics WHERE room = ?'),
		setTopic: db.prepare('INSERT INTO topics (room, topic) VALUES (?, ?) ON CONFLICT (room) DO UPDATE SET topic = excluded.topic'),
		clearTopic: db.prepare('DELETE FROM topics WHERE room = ?'),
		advanceCursor: db.prepare(
			`INSERT INTO cursors (user_id, room, epoch, sequence) VALUES (?, ?, ?, ?)
			 ON CONFLICT (user_id, room) DO UPDATE SET epoch = excluded.epoch, sequence = excluded.sequence
			 WHERE cursors.epoch <> excluded.epoch OR cursors.sequence < excluded.sequence`,
		),
	};

	sql.forgetExpired.run(now());


	/** A room's stored row, or sequence 0 of the unseen epoch when nothing was ever written to it (reading stores nothing). */
	function roomRow(room: string): RoomRow {
		return sql.room.get(room) ?? {epoch: unseenEpoch, sequence: 0};
	}

	/** The room as the contract sees it: size and TTL limits apply on read even before a publish trims the rows. */
	function state(room: string): RoomState {
		const {epoch, sequence} = roomRow(room);
		const oldest = settings.historyTtl > 0 ? sql.oldestLive.get(room, now() - settings.historyTtl * 1000) : sql.oldest.get(room);
		const first = oldest === undefined ? sequence + 1 : Math.max(oldest.sequence, sequence - settings.historySize + 1);
		const topic = sql.topic.get(room)?.topic;
		return {sequence, epoch, first, ...defined({topic})};
	}

	/** One publish, inside the batch transaction: dedupe check, next sequence, insert, trim. */
	function publishNow(input: PublishInput): Committed<PublishResult> {
		const {room} = input;
		const at = now();
		const stored = sql.room.get(room);
		const epoch = stored?.epoch ?? roomRow(room).epoch;
		if (input.clientId !== undefined) {
			sql.forgetExpired.run(at);
			const seen = sql.seen.get(room, input.sender, input.clientId, at);
			if (seen) {
				const {id, sequence, timestamp} = JSON.parse(seen.message) as PublishedRef;
				return {value: {message: {id, sequence, timestamp}, epoch, duplicate: true}};
			}
		}
		const message: ChatMessage = {
			id: nextId(),
			room,
			sender: input.sender,
			content: input.content,
			sequence: (stored?.sequence ?? 0) + 1,
			timestamp: input.timestamp,
			...defined({data: input.data}),
		};
		if (stored) sql.advanceRoom.run(message.sequence, room);
		else sql.insertRoom.run(room, epoch, message.sequence);
		const data = input.data === undefined ? null : JSON.stringify(input.data);
		sql.insertMessage.run(room, message.sequence, message.id, message.sender, message.content, message.timestamp, data, at);
		// In the same transaction as the message: readers see both or neither.
		if (input.topic === '') sql.clearTopic.run(room);
		else if (input.topic !== undefined) sql.setTopic.run(room, input.topic);
		sql.trimBelow.run(room, message.sequence - settings.historySize + 1);
		if (settings.historyTtl > 0) {
			const live = sql.oldestLive.get(room, at - settings.historyTtl * 1000);
			sql.trimBelow.run(room, live?.sequence ?? message.sequence + 1);
		}
		if (input.clientId !== undefined) {
			const ref: PublishedRef = {id: message.id, sequence: message.sequence, timestamp: message.timestamp};
			sql.remember.run(room, input.sender, input.clientId, JSON.stringify(ref), at + settings.dedupeWindow);
			sql.capSender.run(room, input.sender, settings.dedupeKeys);
		}
		return {
			value: {message, epoch, duplicate: false},
			after() {
				emit({type: 'message', room, epoch, message});
			},
		};
	}

	return {
		kind: 'sqlite',
		nameKeys: sqliteNameKeyStore(db, commits),
		directRooms: sqliteDirectRooms(db, commits),

		publish(input: PublishInput): Promise<PublishResult> {
			return commits.write(() => publishNow(input));
		},

		async room(room: string): Promise<RoomState> {
			return state(room);
		},

		async history(room: string, query: HistoryQuery): Promise<HistoryPage> {
			const s = state(room);
			// The same ranges as the memory engine: `since` and `before` are exclusive bounds inside
			// what is retained; `limit` keeps the oldest, or the newest when only `before` is given.
			const lower = query.since === undefined ? s.first : Math.max(s.first, query.since + 1);
			const upper = query.before === undefined ? s.sequence + 1 : Math.min(query.before, s.sequence + 1);
			const newest = query.limit !== undefined && query.before !== undefined && query.since === undefined;
			let rows: MessageRow[] = [];
			if (lower < upper) {
				rows = newest ? sql.rangeNewest.all(room, lower, upper, query.limit).reverse() : sql.range.all(room, lower, upper, query.limit ?? -1);
			}
			return {...s, messages: rows.map(toMessage)};
		},

		clearHistory(room: string, by: string): Promise<RoomState> {
			return commits.write(() => {
				const epoch = newEpoch();
				sql.resetRoom.run(room, epoch);
				sql.clearMessages.run(room);
				// A duplicate answer would name a sequence of an epoch that no longer exists.
				sql.forgetRoom.run(room);
				// The topic stays: it is the room's, not its history's.
				const topic = sql.topic.get(room)?.topic;
				return {
					value: {sequence: 0, epoch, first: 1, ...defined({topic})},
					after() {
						emit({type: 'cleared', room, epoch, by});
					},
				};
			});
		},

		setCursor(userId: string, room: string, cursor: Cursor): Promise<void> {
			// A cursor at 0 says no more than no cursor: acks of empty rooms store nothing.
			if (cursor.sequence === 0) return Promise.resolve();
			return commits.write(() => {
				sql.advanceCursor.run(userId, room, cursor.epoch, cursor.sequence);
				return {value: undefined};
			});
		},

		async getCursor(userId: string, room: string): Promise<Cursor | undefined> {
			const row = sql.cursor.get(userId, room);
			return row && {epoch: row.epoch, sequence: row.sequence};
		},

		...local.parts,


		async ready(): Promise<boolean> {
			try {
				sql.ping.get();
				return true;
			} catch {
				return false;
			}
		},

		async close(): Promise<void> {
			if (!db.open) return;
			commits.close();
			db.close();
			local.clearListeners();
		},
	};
}

function toMessage(row: MessageRow): ChatMessage {
	return {
		id: row.id,
		room: row.room,
		sender: row.sender,
		content: row.content,
		sequence: row.sequence,
		timestamp: row.timestamp,
		...(row.data === null ? {} : {data: JSON.parse(row.data) as MessageData}),
	};
}
