/** Which broker is on the other end: natter's own, the seed's reference server, or not known yet. */
export type BrokerFlavour = 'natter' | 'seed' | 'unknown';

/**
 * What the broker on the other end supports, as named capabilities: natter's own broker, or the
 * seed chapter's reference server (which knows only the seed's protocol). The client core and
 * the UIs read these instead of asking which broker it is, so each place says what it needs.
 * Until the broker has said which it is (`known` false), nothing is refused that it may support.
 */
export type Dialect = {
	/** Which broker: shown to people (the status bar), never branched on. */
	readonly name: BrokerFlavour;
	/** The broker has said which it is (a `welcome`, or the first `subscribed`). */
	readonly known: boolean;
	/** A publish is answered with `published`; without, the sender's own echo settles it. */
	readonly acks: boolean;
	/** Resume after a reconnect: `hello` tokens, replay from `since` within an epoch, `ack` positions. */
	readonly resume: boolean;
	/** Content filters on a subscription. */
	readonly filters: boolean;
	/** `clear_history` (for admins). */
	readonly clearHistory: boolean;
	/** `who` answers the room's member list. */
	readonly who: boolean;
	/** Room topics: `topic` frames, `subscribed.topic`, topic changes as messages with `data.topic`. */
	readonly topics: boolean;
	/** `get_history` honours `before` and `limit`; without, the client cuts the page itself. */
	readonly historyPaging: boolean;
	/** A `history` or `error` answering a `get_history` carries the request's `id` back (learnt from the first one that does). */
	readonly historyIds: boolean;
};

/** Before the broker has said which it is: no extension is used, none is refused. */
export const UNKNOWN_DIALECT: Dialect = {
	name: 'unknown',
	known: false,
	acks: false,
	resume: false,
	filters: true,
	clearHistory: true,
	who: true,
	topics: true,
	historyPaging: false,
	historyIds: false,
};

/** natter's broker. Whether it echoes history ids is learnt (a broker before that change does not). */
export const NATTER_DIALECT: Dialect = {
	name: 'natter',
	known: true,
	acks: true,
	resume: true,
	filters: true,
	clearHistory: true,
	who: true,
	topics: true,
	historyPaging: true,
	historyIds: false,
};

/** The seed chapter's reference server: subscribe, publish, presence and whole-room history only. */
export const SEED_DIALECT: Dialect = {
	name: 'seed',
	known: true,
	acks: false,
	resume: false,
	filters: false,
	clearHistory: false,
	who: false,
	topics: false,
	historyPaging: false,
	historyIds: false,
};
