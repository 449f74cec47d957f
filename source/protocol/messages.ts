/**
 * natter's wire protocol: one JSON object per WebSocket text frame.
 *
 * A strict superset of the seed chapter's protocol: the seed's message types and field
 * names are kept exactly, and every extension is either an added optional field or a new
 * message type that the seed's clients ignore. docs/protocol.md is the prose of this file.
 */

/** A user's presence status inside a room. */
export type PresenceStatus = 'online' | 'away';

/** What a `presence` event says happened. The seed knows `join` and `leave`. */
export type PresenceAction = 'join' | 'leave' | 'away' | 'back';

/** Structured data a publish may carry beside its text (content routing). */
export type MessageData = Record<string, unknown>;

/** A message as stored in a room's history and delivered to subscribers (seed shape + extensions). */
export type ChatMessage = {
	id: string;
	room: string;
	sender: string;
	content: string;
	sequence: number;
	timestamp: number;
	/** Structured data, when the publisher sent any. */
	data?: MessageData;
	/** For a filtered subscription: the sequence of the previous message this subscription admitted (0 if none). */
	prev?: number;
	/** For a named subscription: its name. */
	sub?: string;
};

/** One member of a room as listed in `subscribed` and `members`. */
export type Member = {userId: string; status: PresenceStatus; reason?: string};

// ---------------------------------------------------------------------------
// Client -> broker
// ---------------------------------------------------------------------------

/** natter extension: say who you are before anything else, and reclaim a name after a drop. */
export type HelloFrame = {
	type: 'hello';
	userId: string;
	/** The resume token the broker issued to this name's session (reclaims the name). */
	resume?: string;
	/** Open mode: the name's key from an earlier `welcome.key`; without it a kept name is `name_taken`. */
	key?: string;
	/** In-process admin key (the hosting TUI of `--serve`). */
	adminKey?: string;
};

export type SubscribeFrame = {
	type: 'subscribe';
	room: string;
	/** Seed field: binds the connection's name if nothing bound it yet. */
	userId?: string;
	/** Replay every retained message after this sequence before going live. */
	since?: number;
	/** The room epoch `since` belongs to; a different epoch replays the new epoch from its start. */
	epoch?: string;
	/** A content filter (content-based routing). */
	filter?: string;
	/** Names an extra view of the room on this connection (several filtered views, like the seed's handlers). */
	sub?: string;
};

export type UnsubscribeFrame = {type: 'unsubscribe'; room: string; sub?: string};

export type PublishFrame = {
	type: 'publish';
	room: string;
	content: string;
	/** Seed field: binds the name of a connection that publishes before subscribing; otherwise ignored. */
	sender?: string;
	/** Client message id: the broker acknowledges with `published` and deduplicates retries. */
	clientId?: string;
	data?: MessageData;
};

export type GetHistoryFrame = {
	type: 'get_history';
	room: string;
	/** Only messages with a sequence above this. */
	since?: number;
	/** Only messages with a sequence below this (scrollback). */
	before?: number;
	/** At most this many (the newest ones with `before`, the oldest ones with `since`). */
	limit?: number;
	epoch?: string;
	/** Read through the filter of this named subscription. */
	sub?: string;
	/** natter extension: names the request (at most 64 characters); every frame answering it carries it back. */
	id?: string;
};

/** natter extension: cumulative acknowledgement of everything up to `sequence` in `room`. */
export type AckFrame = {type: 'ack'; room: string; sequence: number};

/** natter extension: report idle (away) or active (online). */
export type StatusFrame = {type: 'status'; status: PresenceStatus; reason?: string};

/** natter extension (admins): forget a room's history and start a new epoch. */
export type ClearHistoryFrame = {type: 'clear_history'; room: string};

/** natter extension: ask for a room's member list. */
export type WhoFrame = {type: 'who'; room: string};

/** natter extension: a clean goodbye; the broker announces `leave` at once (no grace period). */
export type ByeFrame = {type: 'bye'};

/**
 * natter extension: set the topic of a room the connection is subscribed to ('' clears it).
 * The broker stores it with the room and publishes the change as a message (see protocol/topic.ts).
 */
export type TopicFrame = {
	type: 'topic';
	room: string;
	topic: string;
	/** As in `publish`: the broker answers `published` and deduplicates retries. */
	clientId?: string;
};

export type ClientFrame =
	| HelloFrame
	| SubscribeFrame
	| UnsubscribeFrame
	| PublishFrame
	| GetHistoryFrame
	| AckFrame
	| StatusFrame
	| ClearHistoryFrame
	| WhoFrame
	| ByeFrame
	| TopicFrame;

export type ClientFrameType = ClientFrame['type'];

// ---------------------------------------------------------------------------
// Broker -> client
// ---------------------------------------------------------------------------

export type WelcomeFrame = {
	type: 'welcome';
	userId: string;
	/** Present this in `hello.resume` to take the name back after a drop. */
	resume: string;
	/** Open mode, first use of a name: its key. Keep it (per broker and name) and present it in every later `hello.key`. */
	key?: string;
	admin: boolean;
	/** Broker's ping interval in ms: a client that hears nothing for about twice this may presume the link dead. */
	heartbeat: number;
	server: string;
	/**
	 * The broker's limits: the per-connection rate limit (frames per second, and the burst; a
	 * client paces itself below it); `maxPayload`, the largest frame in bytes (larger closes the
	 * connection 1009); `maxContent`, the longest message content (characters); and the filter
	 * caps (docs/filters.md): longest filter, regular expressions per filter, RE2 instructions over
	 * all the connection's filters and over a room's distinct filters, characters a regular
	 * expression reads, named views.
	 */
	limits?: {rate: number; burst: number; maxPayload?: number; maxContent?: number; filterLength?: number; filterRegexes?: number; regexBudget?: number; roomRegexBudget?: number; regexText?: number; namedViews?: number};
	/**
	 * Direct conversations holding messages after this user's acknowledged position, most recent
	 * first (at most 100): `room` as this user names it (`@cy`), its latest `sequence`, and `after`,
	 * the position to subscribe `since` so the unread ones are replayed.
	 */
	unread?: UnreadDirect[];
};

/** One entry of `welcome.unread`. */
export type UnreadDirect = {room: string; sequence: number; after: number};

export type SubscribedFrame = {
	type: 'subscribed';
	room: string;
	/** Seed field: the room's current (last assigned) sequence. */
	sequence: number;
	epoch: string;
	/** Replayed messages follow this frame; they start after this sequence. */
	since: number;
	/** Oldest sequence history still holds (sequence + 1 when history is empty). */
	first: number;
	/** Messages between the requested `since` and `first` that history no longer holds. */
	lost: number;
	members: Member[];
	filter?: string;
	sub?: string;
	/** natter extension: the room's topic; absent when it has none. */
	topic?: string;
};

export type UnsubscribedFrame = {type: 'unsubscribed'; room: string; sub?: string};

export type MessageFrame = {type: 'message'} & ChatMessage;

export type PresenceFrame = {
	type: 'presence';
	/** natter extension: which room (the seed omits it). */
	room?: string;
	userId: string;
	action: PresenceAction;
	timestamp: number;
	status?: PresenceStatus;
	reason?: string;
};

export type HistoryFrame = {
	type: 'history';
	room: string;
	messages: ChatMessage[];
	epoch?: string;
	/** The room's current sequence. */
	sequence?: number;
	/** Oldest sequence history still holds. */
	first?: number;
	/** Echo of the request's `since`, when it had one. */
	since?: number;
	/** Every message up to this sequence that the request admits is in `messages` (filtered pages). */
	through?: number;
	/** The request's `id`, echoed on every page answering it. */
	id?: string;
	/** Present (true) on every page of a reply but its last: more `history` frames follow. */
	more?: true;
};

export type PublishedFrame = {
	type: 'published';
	room: string;
	clientId: string;
	id: string;
	sequence: number;
	timestamp: number;
	/** True when this clientId was already published: nothing new entered the room. */
	duplicate: boolean;
	/**
	 * A direct message whose recipient has no connection: `offline` (they get it when they
	 * connect), `unknown` (nobody has used that name here; whoever connects with it gets it).
	 */
	recipient?: 'offline' | 'unknown';
};

/** `by`: who cleared it; absent when the room started over because its storage lost it (see docs/protocol.md, Ordering). */
export type HistoryClearedFrame = {type: 'history_cleared'; room: string; epoch: string; by?: string};

export type MembersFrame = {type: 'members'; room: string; members: Member[]};

export type ErrorFrame = {
	type: 'error';
	code: ErrorCode;
	/** Seed field: human-readable text. */
	error: string;
	/** The room the failed request named, when it named one. */
	room?: string;
	/** The clientId of the failed publish, when it had one. */
	clientId?: string;
	/** The `id` of the failed `get_history`, when it had a valid one. */
	id?: string;
	/** Position in a filter expression that failed to parse. */
	position?: number;
};

export type ServerFrame =
	| WelcomeFrame
	| SubscribedFrame
	| UnsubscribedFrame
	| MessageFrame
	| PresenceFrame
	| HistoryFrame
	| PublishedFrame
	| HistoryClearedFrame
	| MembersFrame
	| ErrorFrame;

/** Stable error codes; the `error` string beside each is for people. */
export type ErrorCode =
	| 'invalid_json'
	| 'invalid_frame'
	| 'unknown_type'
	| 'invalid_field'
	| 'binary_frame'
	| 'name_taken'
	| 'name_required'
	| 'not_subscribed'
	| 'forbidden'
	| 'invalid_filter'
	| 'rate_limited'
	| 'limit_exceeded'
	| 'unavailable'
	| 'internal';

/** WebSocket close codes natter uses, beside the standard ones. */
export const CloseCode = {
	normal: 1000,
	goingAway: 1001,
	/** Standard: a frame larger than the broker's maximum payload. */
	tooLarge: 1009,
	/** Standard: the broker is restarting or overloaded; reconnect later. */
	tryAgainLater: 1013,
	/** The connection did not identify itself in time. */
	handshakeTimeout: 4000,
	/** The connection sent frames faster than allowed, for too long. */
	rateLimited: 4008,
	/** The connection did not read fast enough; resume from your last sequence. */
	slowConsumer: 4009,
	/** The pong for a ping did not arrive in time. */
	heartbeatTimeout: 4010,
} as const;
