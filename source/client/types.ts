import type {ChatMessage, ErrorCode, Member, MessageData, PresenceAction, PresenceStatus} from '../protocol/messages.js';
import type {BrokerFlavour, Dialect} from './dialect.js';

export type {BrokerFlavour, Dialect} from './dialect.js';
import type {NameKeyring} from './name-key-holder.js';

/** Where the connection stands; the UI shows exactly this. */
export type ConnectionStatus =
	| {state: 'connecting'; url: string; attempt: number}
	| {state: 'online'; url: string; rtt: number | undefined}
	| {state: 'reconnecting'; url: string; attempt: number; retryInMs: number; retryAt: number; reason: string}
	| {state: 'offline'; reason: string}
	| {state: 'auth_failed'; url: string; reason: string};

/**
 * What a page of history was asked for (scrollback, printing the last N, or the recent
 * conversation shown above a room just joined); it comes back with the page.
 */
export type HistoryPurpose = 'scrollback' | 'print' | 'recent';

/** A history request as the caller made it; the client core matches its answer to it. */
export type HistoryQuery = {id: string; room: string; before: number; limit: number; purpose: HistoryPurpose};

/** An outgoing message that the broker has not yet acknowledged. */
export type PendingMessage = {room: string; clientId: string; content: string; data?: MessageData; queuedAt: number};

/**
 * Everything the client core tells its UI (TUI or --json), already ordered: room messages come
 * out of the per-room reorder buffer, so `message` events of a room are in sequence order, each
 * exactly once, with `gap` events where history no longer holds what was missed.
 */
export type ClientEvent =
	| {type: 'status'; status: ConnectionStatus}
	/** The broker said who we are and what it supports (`flavour` names it; read `dialect`'s capabilities). */
	| {type: 'welcome'; userId: string; admin: boolean; flavour: BrokerFlavour; dialect: Dialect}
	/** `since`: replayed messages follow with sequences after it (the room's `sequence` when only live ones follow). */
	| {type: 'joined'; room: string; epoch: string | undefined; sequence: number; since?: number; members: Member[]; resumed: boolean; filter?: string; topic?: string}
	/**
	 * The room's topic as the client now knows it (undefined: none), whenever that changes: from
	 * `subscribed.topic`, or from a topic-change message, right after that message's own event.
	 */
	| {type: 'topic'; room: string; topic: string | undefined}
	| {type: 'left'; room: string}
	| {type: 'message'; room: string; message: ChatMessage; replayed: boolean}
	| {type: 'gap'; room: string; from: number; to: number; count: number}
	| {type: 'presence'; room: string; userId: string; action: PresenceAction; status: PresenceStatus; reason?: string; timestamp: number}
	| {type: 'members'; room: string; members: Member[]}
	| {type: 'pending'; message: PendingMessage}
	/** `recipient`: a direct message's recipient has no connection (see PublishedFrame.recipient). */
	| {type: 'sent'; room: string; clientId: string; sequence: number; duplicate: boolean; recipient?: 'offline' | 'unknown'}
	/**
	 * A message left the outbox unsent, for good: the broker refused it (`code`: the broker's
	 * error code, or `too_large` for a frame beyond its size limit) and `message` says why. What
	 * was queued after it goes on.
	 */
	| {type: 'failed'; room: string; clientId: string; content: string; code: string; message: string}
	/** The answer to fetchHistory: a page of the room's history, oldest first; not part of the live order. */
	| {type: 'history'; room: string; messages: ChatMessage[]; first: number | undefined; query: HistoryQuery}
	/** `by`: who cleared the history; absent when the room started over because the broker's storage lost it. */
	| {type: 'cleared'; room: string; epoch: string; by?: string}
	| {type: 'rtt'; ms: number}
	/** `query`: the history request this refuses (it will get no `history`). */
	| {type: 'error'; code: ErrorCode | 'client'; message: string; room?: string; query?: HistoryQuery};

export type ClientListener = (event: ClientEvent) => void;

/** How to reach the broker and who to be. */
export type ClientOptions = {
	/** Broker URLs; on failure the client moves to the next. */
	urls: string[];
	name: string;
	/** Rooms to join at start. */
	rooms?: string[];
	/** Admin key (the hosting TUI of --serve has the embedded broker's). */
	adminKey?: string;
	/** A bearer token for brokers that require authentication. */
	token?: string;
	/** Where to keep the keys open-mode brokers issue for names (see NameKeyHolder); default: for this client's life. */
	nameKeys?: NameKeyring;
	/** First reconnect delay (ms, default 250), doubling with jitter up to `maxBackoffMs` (default 30000). */
	minBackoffMs?: number;
	maxBackoffMs?: number;
	/** The longest reconnect wait while the user is active (ms, default 5000; see markActive). */
	activeBackoffMs?: number;
	/** Ping interval for round-trip time and dead-link detection (ms, default 5000). */
	pingMs?: number;
	/** How long a gap may persist before history is asked for it (ms, default 300). */
	gapTimeoutMs?: number;
	/** Messages held per room while out of order (default 1000). */
	reorderCapacity?: number;
};

/** The client core: one connection (with fallbacks), per-room ordering, an outbox, and events. */
export type NatterClient = {
	readonly name: string;
	readonly status: ConnectionStatus;
	/** Which broker this is; branch on `dialect`'s capabilities, not on this. */
	readonly flavour: BrokerFlavour;
	/** What the broker supports (see Dialect); every capability not known yet counts as absent or allowed as it documents. */
	readonly dialect: Dialect;
	/** Rooms joined (or being joined), in join order. */
	readonly rooms: readonly string[];
	/** Messages queued or in flight, oldest first. */
	readonly pending: readonly PendingMessage[];
	on(listener: ClientListener): () => void;
	/** Connect (and keep reconnecting until closed). */
	start(): void;
	join(room: string): void;
	leave(room: string): void;
	/**
	 * Queue a message; it is sent when online and exactly once in the room. Returns its clientId.
	 * One the broker cannot take (see refusal) is not sent: a `failed` event follows its `pending`.
	 */
	publish(room: string, content: string, data?: MessageData): string;
	/** Why the broker would not take this message (beyond the size limits it advertised), as a sentence; undefined when it fits. */
	refusal(room: string, content: string, data?: MessageData): string | undefined;
	/** Connect again now (cancelling the wait of a backoff); online, nothing happens. */
	reconnect(): void;
	/** The user is at the keyboard: while they were active in the last minute, reconnect waits stay short (about 5 s at most). */
	markActive(): void;
	/**
	 * Ask for `limit` messages of a room's history before `before`. The answer is a `history`
	 * event carrying this request (its id and `purpose`, default scrollback), or an `error` event
	 * carrying it when the broker refused; a dropped connection answers nothing (the `status`
	 * event says so). Returns the request's id, or undefined when there is no connection to ask on.
	 */
	fetchHistory(room: string, before: number, limit: number, purpose?: HistoryPurpose): string | undefined;
	setAway(reason?: string): void;
	setBack(): void;
	clearHistory(room: string): void;
	/**
	 * Receive only the messages of `room` that `filter` admits (content routing, see
	 * docs/filters.md); undefined removes the filter. An invalid filter is reported as an
	 * `error` event with code `invalid_filter` and changes nothing.
	 */
	setFilter(room: string, filter: string | undefined): void;
	/** The filter on a room, if any. */
	filterOf(room: string): string | undefined;
	who(room: string): void;
	/**
	 * Set the topic of a joined room ('' clears it). The broker announces the change in the room as
	 * a message (a `message` event, then a `topic` event); a refusal comes as an `error` event, and so
	 * does asking a broker without topics (the seed's) or asking while offline.
	 */
	setTopic(room: string, topic: string): void;
	/** The topic of a joined room, as last heard (undefined: none, or not known). */
	topicOf(room: string): string | undefined;
	/** Send what is pending (waiting up to `flushMs`), say goodbye, close. */
	close(flushMs?: number): Promise<void>;
};
