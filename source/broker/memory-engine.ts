import type {ChatMessage} from '../protocol/messages.js';
import {
	DEFAULT_ENGINE_OPTIONS,
	type Cursor,
	type Engine,
	type EngineOptions,
	type HistoryPage,
	type HistoryQuery,
	type PublishInput,
	type PublishResult,
	type RoomState,
} from './engine.js';
import {newEpoch, newMessageIdFactory} from './ids.js';
import {singleNode} from './single-node.js';
import {memoryNameKeyStore} from './name-key-store.js';

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
	/** (sender \0 clientId) -> the message it produced, with when it may be forgotten. */
	dedupe: Map<string, {message: ChatMessage; expires: number}>;
};

/**
 * The default engine: everything in this process's memory. Fast and simple; a restart
 * starts every room in a new epoch. Use it for one node whose history may be lost.
 */
export function createMemoryEngine(options: Partial<EngineOptions> = {}): Engine {
	const settings: EngineOptions = {...DEFAULT_ENGINE_OPTIONS, ...options};
	const now = settings.now ?? Date.now;
	const rooms = new Map<string, RoomRecord>();
	const cursors = new Map<string, Cursor>();
	// Presence and events of one node: shared with the other single-node engine.
	const local = singleNode();
	const emit = local.emit;
	const nextId = newMessageIdFactory();


	function record(room: string): RoomRecord {
		let r = rooms.get(room);
		if (!r) {
			r = {epoch: newEpoch(), sequence: 0, messages: [], stored: [], dedupe: new Map()};
			rooms.set(room, r);
		}
		return r;
	}

	/** Drop what size and age push out; keeps the array from growing by splicing in batches. */
	function trim(r: RoomRecord): void {
		const excess = r.messages.length - settings.historySize;
		if (excess > 0) {
			r.messages.splice(0, excess);
			r.stored.splice(0, excess);
		}
		if (settings.historyTtl > 0) {
			const oldest = now() - settings.historyTtl * 1000;
			let drop = 0;
			while (drop < r.stored.length && r.stored[drop]! < oldest) drop++;
			if (drop > 0) {
				r.messages.splice(0, drop);
				r.stored.splice(0, drop);
			}
		}
	}

	function state(r: RoomRecord): RoomState {
		trim(r);
		return {sequence: r.sequence, epoch: r.epoch, first: r.messages[0]?.sequence ?? r.sequence + 1};
	}

	function pruneDedupe(r: RoomRecord, at: number): void {
		// Map iterates in insertion order, which is expiry order: stop at the first live entry.
		for (const [key, entry] of r.dedupe) {
			if (entry.expires > at) break;
			r.dedupe.delete(key);
		}
	}

	return {
		kind: 'memory',
		nameKeys: memoryNameKeyStore(),

		async publish(input: PublishInput): Promise<PublishResult> {
			const r = record(input.room);
			const at = now();
			pruneDedupe(r, at);
			const key = input.clientId === undefined ? undefined : `${input.sender}\u0000${input.clientId}`;
			if (key !== undefined) {
				const seen = r.dedupe.get(key);
				if (seen) return {message: seen.message, epoch: r.epoch, duplicate: true};
			}
			const message: ChatMessage = {
				id: nextId(),
				room: input.room,
				sender: input.sender,
				content: input.content,
				sequence: r.sequence + 1,
				timestamp: input.timestamp,
				...(input.data === undefined ? {} : {data: input.data}),
			};
			r.sequence = message.sequence;
			r.messages.push(message);
			r.stored.push(at);
			trim(r);
			if (key !== undefined) r.dedupe.set(key, {message, expires: at + settings.dedupeWindow});
			emit({type: 'message', room: input.room, epoch: r.epoch, message});
			return {message, epoch: r.epoch, duplicate: false};
		},

		async room(room: string): Promise<RoomState> {
			return state(record(room));
		},

		async history(room: string, query: HistoryQuery): Promise<HistoryPage> {
			const r = record(room);
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
			return {...s, messages: list === r.messages ? list.slice() : list};
		},

		async clearHistory(room: string, by: string): Promise<RoomState> {
			const r = record(room);
			r.epoch = newEpoch();
			r.sequence = 0;
			r.messages = [];
			r.stored = [];
			r.dedupe.clear();
			emit({type: 'cleared', room, epoch: r.epoch, by});
			return state(r);
		},

		async setCursor(userId: string, room: string, cursor: Cursor): Promise<void> {
			const key = `${userId}\u0000${room}`;
			const old = cursors.get(key);
			if (old && old.epoch === cursor.epoch && old.sequence >= cursor.sequence) return;
			cursors.set(key, cursor);
		},

		async getCursor(userId: string, room: string): Promise<Cursor | undefined> {
			return cursors.get(`${userId}\u0000${room}`);
		},

		...local.parts,


		async ready(): Promise<boolean> {
			return true;
		},

		async close(): Promise<void> {
			local.clearListeners();
		},
	};
}
