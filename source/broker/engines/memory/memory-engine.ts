import type {ChatMessage} from '../../../protocol/messages.js';
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
import {newEpoch, newMessageIdFactory} from '../../ids.js';
import {singleNode} from '../single-node/single-node.js';
import {memoryDirectRooms} from '../direct-rooms.js';
import {memoryNameKeyStore} from '../name-key-store.js';
import {defined} from '../../../defined.js';

/** A remembered clientId: what a retry's answer needs, and when it may be forgotten. */
type DedupeRecord = PublishedRef & {expires: number};

type RoomRecord = {
	epoch: string;
	sequence: number;
	/** Retained messages, oldest first; sequences are contiguous, so index = sequence - messages[0].sequence. */
	messages: ChatMessage[];
	/**
	 * When each retained message was stored, on the engine's clock (parallel to `messages`). The TTL
	 * is measured on this clock, not on `message.timestamp`, which the hub stamped with its own.
	 */
	stored: number[];
	/** Each retained message's estimated size in bytes (parallel to `messages`), and their sum. */
	sizes: number[];
	bytes: number;
	/** sender -> clientId -> record, each map in insertion (= expiry) order, at most `dedupeKeys` long. */
	dedupe: Map<string, Map<string, DedupeRecord>>;
	/** Cleared and not published to since: kept, so the epoch announced with the clear stays the room's. */
	cleared: boolean;
	/** The room's topic, if it has one; its estimated size counts in `totalBytes`. */
	topic: string | undefined;
};

/** About what a stored topic costs in memory (UTF-16) with its overhead. */
function topicBytes(topic: string | undefined): number {
	return topic === undefined ? 0 : 2 * topic.length + 50;
}

/** About what a stored message costs in memory: its strings (UTF-16) and an object's overhead. */
function messageBytes(message: ChatMessage): number {
	const strings = message.id.length + message.room.length + message.sender.length + message.content.length;
	return 2 * strings + (message.data === undefined ? 0 : 2 * JSON.stringify(message.data).length) + 200;
}

/**
 * The default engine: everything in this process's memory. Fast and simple; a restart
 * starts every room in a new epoch. Use it for one node whose history may be lost.
 *
 * Only rooms with something to keep have a record: messages, dedupe keys, a topic, or watchers
 * on this node. Reads of other rooms store nothing; a record that has nothing left to keep is dropped
 * (a room that comes back starts a new epoch, so no client mistakes its sequences for the old
 * ones). History is bounded per room (`historySize`, `historyTtl`) and in all (`maxHistoryBytes`),
 * the least recently used rooms losing their oldest messages first.
 */
export function createMemoryEngine(options: Partial<EngineOptions> = {}): Engine {
	const settings: EngineOptions = {...DEFAULT_ENGINE_OPTIONS, ...options};
	const now = settings.now ?? Date.now;
	/** Rooms in least-recently-used order (touch() moves a room to the end). */
	const rooms = new Map<string, RoomRecord>();
	const cursors = new Map<string, Cursor>();
	/** Rooms this node's hub watches (has members in): their records stay while watched. */
	const watched = new Set<string>();
	/** The epoch of every room without a record: stable while this process lives. */
	const unseenEpoch = newEpoch();
	let totalBytes = 0;
	// Presence and events of one node: shared with the other single-node engine.
	const local = singleNode();
	const emit = local.emit;
	const nextId = newMessageIdFactory();

	/** The room's record, made (in a new epoch) when missing; marked most recently used. */
	function record(room: string): RoomRecord {
		let r = rooms.get(room);
		if (r) rooms.delete(room);
		else r = {epoch: newEpoch(), sequence: 0, messages: [], stored: [], sizes: [], bytes: 0, dedupe: new Map(), cleared: false, topic: undefined};
		rooms.set(room, r);
		return r;
	}

	/** The record of a room being read: only a watched room gets one made. */
	function existing(room: string): RoomRecord | undefined {
		if (rooms.has(room) || watched.has(room)) return record(room);
		return undefined;
	}

	/** Drop the `count` oldest retained messages of `r`. */
	function dropOldest(r: RoomRecord, count: number): void {
		if (count <= 0) return;
		const gone = r.sizes.splice(0, count);
		r.messages.splice(0, count);
		r.stored.splice(0, count);
		let bytes = 0;
		for (const size of gone) bytes += size;
		r.bytes -= bytes;
		totalBytes -= bytes;
	}

	/** Drop the record of a room with nothing left to keep. */
	function forgetIfEmpty(room: string, r: RoomRecord): void {
		if (r.messages.length > 0 || r.dedupe.size > 0 || r.cleared || r.topic !== undefined || watched.has(room)) return;
		if (rooms.get(room) === r) rooms.delete(room);
	}

	/** Drop what size and age push out; keeps the array from growing by splicing in batches. */
	function trim(r: RoomRecord): void {
		dropOldest(r, r.messages.length - settings.historySize);
		if (settings.historyTtl > 0) {
			const oldest = now() - settings.historyTtl * 1000;
			let drop = 0;
			while (drop < r.stored.length && r.stored[drop]! < oldest) drop++;
			dropOldest(r, drop);
		}
	}

	/** Keep all history within maxHistoryBytes: the least recently used rooms lose their oldest messages first. */
	function evict(): void {
		if (totalBytes <= settings.maxHistoryBytes) return;
		for (const [room, r] of rooms) {
			let drop = 0;
			let freed = 0;
			while (drop < r.sizes.length && totalBytes - freed > settings.maxHistoryBytes) freed += r.sizes[drop++]!;
			dropOldest(r, drop);
			// A room that lost every message and has no member here loses its topic too, so topics
			// cannot hold memory past the bound; a watched room keeps it for its members.
			if (r.messages.length === 0 && !watched.has(room)) setTopic(r, undefined);
			forgetIfEmpty(room, r);
			if (totalBytes <= settings.maxHistoryBytes) return;
		}
	}

	function state(r: RoomRecord): RoomState {
		trim(r);
		return {sequence: r.sequence, epoch: r.epoch, first: r.messages[0]?.sequence ?? r.sequence + 1, ...defined({topic: r.topic})};
	}

	/** Replace a room's topic (undefined or '' removes it), keeping `totalBytes` true. */
	function setTopic(r: RoomRecord, topic: string | undefined): void {
		totalBytes -= topicBytes(r.topic);
		r.topic = topic === '' ? undefined : topic;
		totalBytes += topicBytes(r.topic);
	}

	const UNSEEN: RoomState = {sequence: 0, epoch: unseenEpoch, first: 1};

	/** Forget `sender`'s expired clientIds in `r` (a map iterates in insertion order, which is expiry order). */
	function pruneDedupe(r: RoomRecord, sender: string, at: number): Map<string, DedupeRecord> | undefined {
		const keys = r.dedupe.get(sender);
		if (!keys) return undefined;
		for (const [key, entry] of keys) {
			if (entry.expires > at) break;
			keys.delete(key);
		}
		if (keys.size > 0) return keys;
		r.dedupe.delete(sender);
		return undefined;
	}

	return {
		kind: 'memory',
		nameKeys: memoryNameKeyStore(),
		directRooms: memoryDirectRooms(),

		async publish(input: PublishInput): Promise<PublishResult> {
			const r = record(input.room);
			const at = now();
			let keys = pruneDedupe(r, input.sender, at);
			if (input.clientId !== undefined) {
				const seen = keys?.get(input.clientId);
				if (seen) return {message: {id: seen.id, sequence: seen.sequence, timestamp: seen.timestamp}, epoch: r.epoch, duplicate: true};
			}
			const message: ChatMessage = {
				id: nextId(),
				room: input.room,
				sender: input.sender,
				content: input.content,
				sequence: r.sequence + 1,
				timestamp: input.timestamp,
				...defined({data: input.data}),
			};
			r.sequence = message.sequence;
			r.cleared = false;
			if (input.topic !== undefined) setTopic(r, input.topic);
			const size = messageBytes(message);
			r.messages.push(message);
			r.stored.push(at);
			r.sizes.push(size);
			r.bytes += size;
			totalBytes += size;
			trim(r);
			if (input.clientId !== undefined) {
				if (!keys) {
					keys = new Map();
					r.dedupe.set(input.sender, keys);
				}
				if (keys.size >= settings.dedupeKeys) keys.delete(keys.keys().next().value!);
				keys.set(input.clientId, {id: message.id, sequence: message.sequence, timestamp: message.timestamp, expires: at + settings.dedupeWindow});
			}
			evict();
			emit({type: 'message', room: input.room, epoch: r.epoch, message});
			return {message, epoch: r.epoch, duplicate: false};
		},

		async room(room: string): Promise<RoomState> {
			const r = existing(room);
			return r ? state(r) : UNSEEN;
		},

		async history(room: string, query: HistoryQuery): Promise<HistoryPage> {
			const r = existing(room);
			if (!r) return {...UNSEEN, messages: []};
			const s = state(r);
			let list = r.messages;
			if (query.since !== undefined && list.length > 0) list = list.slice(Math.max(0, query.since + 1 - s.first));
			if (query.before !== undefined && list.length > 0) {
				const first = list[0]!.sequence;
				list = list.slice(0, Math.max(0, query.before - first));
			}
			if (query.limit !== undefined && list.length > query.limit) {
				list = query.before !== undefined && query.since === undefined ? list.slice(-query.limit) : list.slice(0, query.limit);
			}
			const page = {...s, messages: list === r.messages ? list.slice() : list};
			forgetIfEmpty(room, r);
			return page;
		},

		async clearHistory(room: string, by: string): Promise<RoomState> {
			const r = record(room);
			r.epoch = newEpoch();
			r.sequence = 0;
			dropOldest(r, r.messages.length);
			r.dedupe.clear();
			r.cleared = true;
			emit({type: 'cleared', room, epoch: r.epoch, by});
			return state(r);
		},

		async setCursor(userId: string, room: string, cursor: Cursor): Promise<void> {
			const key = `${userId}\u0000${room}`;
			const old = cursors.get(key);
			if (old && old.epoch === cursor.epoch && old.sequence >= cursor.sequence) return;
			// A cursor at 0 says no more than no cursor: storing it would let acks of empty rooms grow the map.
			if (cursor.sequence === 0) {
				cursors.delete(key);
				return;
			}
			cursors.set(key, cursor);
		},

		async getCursor(userId: string, room: string): Promise<Cursor | undefined> {
			return cursors.get(`${userId}\u0000${room}`);
		},

		...local.parts,

		async watch(room: string): Promise<void> {
			watched.add(room);
		},

		async unwatch(room: string): Promise<void> {
			watched.delete(room);
			const r = rooms.get(room);
			if (r) forgetIfEmpty(room, r);
		},

		async ready(): Promise<boolean> {
			return true;
		},

		async close(): Promise<void> {
			local.clearListeners();
		},
	};
}
