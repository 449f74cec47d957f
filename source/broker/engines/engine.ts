import type {ChatMessage, Member, MessageData, PresenceAction, PresenceStatus} from '../../protocol/messages.js';
import type {DirectRoomIndex} from './direct-rooms.js';
import type {NameKeyStore} from './name-key-store.js';

/** Where a room stands: its current sequence, its epoch, and the oldest sequence history still holds. */
export type RoomState = {
	/** The last sequence assigned in this epoch (0 before the first message). */
	sequence: number;
	/** Changes whenever the room's sequence restarts (a new memory broker, history cleared). */
	epoch: string;
	/** The oldest sequence history holds; `sequence + 1` when history is empty. */
	first: number;
	/** The room's topic (see protocol/topic.ts); absent when it has none. */
	topic?: string;
};

/** What the hub hands the engine to publish. `room` is the engine key (a DM's key for `@name`). */
export type PublishInput = {
	room: string;
	sender: string;
	content: string;
	data?: MessageData;
	/** The publisher's message id; a second publish with the same (room, sender, clientId) is a duplicate. */
	clientId?: string;
	timestamp: number;
	/** A topic change: store this as the room's topic ('' clears it) in the same atomic step as the message. */
	topic?: string;
};

/**
 * What an engine remembers of a publish with a clientId, for the dedupe window: only what a
 * retry's `published` answer names, never the content (a key costs bytes, not a message).
 */
export type PublishedRef = {id: string; sequence: number; timestamp: number};

/** A new message as stored, or, for a retried clientId, the original's PublishedRef. */
export type PublishResult = {message: ChatMessage; epoch: string; duplicate: false} | {message: PublishedRef; epoch: string; duplicate: true};

/** A range of history: `since` (exclusive) from the oldest, or `before` (exclusive) from the newest. */
export type HistoryQuery = {since?: number; before?: number; limit?: number};

export type HistoryPage = RoomState & {messages: ChatMessage[]};

/** A user's acknowledged position in a room, with the epoch it belongs to. */
export type Cursor = {epoch: string; sequence: number};

/** A presence change the hub announces; the engine carries it to every node. */
export type PresenceEvent = {
	type: 'presence';
	room: string;
	userId: string;
	action: PresenceAction;
	status: PresenceStatus;
	reason?: string;
	timestamp: number;
};

/** Everything an engine tells the hubs on every node, for the rooms and users they watch. */
export type EngineEvent =
	| {type: 'message'; room: string; epoch: string; message: ChatMessage}
	/** `by`: who cleared it; absent when the room's sequence restarted without a known clear (its storage lost it). */
	| {type: 'cleared'; room: string; epoch: string; by?: string}
	| PresenceEvent;

export type EngineListener = (event: EngineEvent) => void;

/**
 * The message log: sequences, history, idempotency keys and acknowledged cursors of every room.
 *
 * Guarantees every implementation keeps (the contract suite in test/engine-contract.ts checks them):
 * - `publish` assigns the room's next sequence, stores the message and announces it (on the
 *   engine's EventBus) as ONE atomic step: no two messages share a sequence, no sequence lacks
 *   its message, sequences in an epoch are 1, 2, 3 … without holes.
 * - `publish` with a `clientId` already seen for (room, sender) within the dedupe window
 *   stores nothing and returns the original's id, sequence and timestamp with `duplicate: true`.
 *   A clientId costs a small fixed record (never the message), at most `dedupeKeys` per
 *   (room, sender): past that the oldest is forgotten (its retry would publish anew).
 * - The promise of `publish` resolves only once the message is as durable as the engine
 *   promises (memory: in this process; durable: on disk; Redis: in Redis).
 * - History keeps at most `historySize` messages per room, none stored longer than `historyTtl` ago,
 *   measured on the engine's own clock (`now`), not on the hub-stamped `message.timestamp`.
 * - `clearHistory` starts a new epoch whose sequence starts again at 1. It keeps the room's topic:
 *   a topic belongs to the room, not to its history.
 * - A publish with `topic` stores the topic (or, with '', removes it) and the message as ONE atomic
 *   step: whoever reads the room (`room`, `history`) sees the new topic exactly when the message
 *   is in the log, never one without the other; a duplicate (retried clientId) changes nothing.
 *   `RoomState.topic` is absent when the room has none. A topic is at most MAX_TOPIC_LENGTH
 *   characters (the hub checks); the memory engine counts it in `maxHistoryBytes` and forgets it
 *   with a room that has lost all its messages and is not watched.
 * - Cursors only move forward within an epoch.
 * - Reading a room nobody published to (`room`, `history`, `getCursor`) stores nothing: such a
 *   room reads as sequence 0 with a stable epoch, whatever is asked about it; a cursor at 0
 *   says nothing and is not stored. The memory engine also drops a room once it has no
 *   messages, no dedupe keys and is not watched (it comes back in a new epoch), and keeps at
 *   most `maxHistoryBytes` of history in all, evicting the oldest messages of the least recently
 *   used rooms first: clients see that as `first` moving up (a gap), as with `historySize`.
 */
export type MessageLog = {
	publish(input: PublishInput): Promise<PublishResult>;
	room(room: string): Promise<RoomState>;
	history(room: string, query: HistoryQuery): Promise<HistoryPage>;
	/** Forget a room's history and start a new epoch. */
	clearHistory(room: string, by: string): Promise<RoomState>;
	/** Move `userId`'s acknowledged position in `room` forward (never back within one epoch). */
	setCursor(userId: string, room: string, cursor: Cursor): Promise<void>;
	getCursor(userId: string, room: string): Promise<Cursor | undefined>;
};

/**
 * Who is in which room, over every node.
 *
 * Guarantee: presence counts holders (connections) per user: `presenceAdd` says whether the
 * user was absent before, `presenceRemove` whether the user is now gone, so join/leave fire
 * once per user however many connections (or nodes) hold them.
 */
export type PresenceStore = {
	/** Register one holder (a connection) of `userId` in `room`; true when the user was not present before. */
	presenceAdd(room: string, userId: string, holder: string, status: PresenceStatus, reason?: string): Promise<boolean>;
	/** Drop one holder; true when it was the user's last one in the room. */
	presenceRemove(room: string, userId: string, holder: string): Promise<boolean>;
	/** Change one holder's status; returns the user's combined status (online if any holder is) before and after, or undefined if the holder is unknown. */
	presenceStatus(room: string, userId: string, holder: string, status: PresenceStatus, reason?: string): Promise<{before: Member; after: Member} | undefined>;
	members(room: string): Promise<Member[]>;
};

/**
 * Carries events (published messages, cleared rooms, presence) to the hub of every node that
 * watches the room, this one included.
 *
 * Guarantee: events of one room reach each listener in sequence order on a best-effort basis
 * only; a hub must still detect holes by sequence and repair them from the MessageLog's
 * `history` (the Redis link is lossy).
 */
export type EventBus = {
	/** Carry a presence event to every node's hub (including this one). */
	announce(event: PresenceEvent): Promise<void>;
	/** Start receiving events of a room key (a node does this while it has members there). */
	watch(room: string): Promise<void>;
	unwatch(room: string): Promise<void>;
	on(listener: EngineListener): void;
};

/**
 * The engine owns all of a broker's shared state: the message log, presence, the event bus
 * between nodes, kept names and the index of direct conversations. The hub owns only the
 * sockets of its own node. Each part's guarantees are on its own type; test/engine-contract.ts
 * checks them against every implementation (memory, SQLite, Redis, Redis Cluster).
 */
export type Engine = MessageLog &
	PresenceStore &
	EventBus & {
		/** A short name for logs and metrics ("memory", "sqlite", "redis"). */
		readonly kind: string;
		/** Open mode's kept names and their keys (see NameKeys): memory for the process life, SQLite and Redis durable. */
		readonly nameKeys: NameKeyStore;
		/** Which direct conversations each user received messages in (see DirectRoomIndex): memory for the process life, SQLite and Redis durable. */
		readonly directRooms: DirectRoomIndex;
		/** Whether the engine answers right now (for /healthz). */
		ready(): Promise<boolean>;
		close(): Promise<void>;
	};

/** Settings every engine takes. */
export type EngineOptions = {
	/** Messages kept per room (seed exercise 1: default 100). */
	historySize: number;
	/** Seconds a message stays in history; 0 keeps it until pushed out by size. */
	historyTtl: number;
	/** How long a publish's clientId is remembered for deduplication, in ms. */
	dedupeWindow: number;
	/** The most clientIds remembered per (room, sender); the oldest is forgotten first. */
	dedupeKeys: number;
	/** Memory engine: the most bytes of history kept over all rooms (an estimate of their in-memory size). */
	maxHistoryBytes: number;
	/** A clock, so tests can age history without sleeping. */
	now?: () => number;
};

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = {
	historySize: 100,
	historyTtl: 0,
	dedupeWindow: 10 * 60 * 1000,
	dedupeKeys: 1000,
	maxHistoryBytes: 256 * 1024 * 1024,
};
