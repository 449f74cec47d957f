import type {CompiledFilter} from '../filter/compile-filter.js';
import type {ChatMessage, MessageFrame} from '../protocol/messages.js';
import type {HistoryPage} from './engines/engine.js';

/**
 * What a Subscription needs of the connection that holds it (a Connection): whether it still
 * holds this subscription, and a way to write frames. Declared here so the two modules do not
 * import each other.
 */
export type SubscriptionHolder = {
	readonly closed: boolean;
	holds(sub: Subscription): boolean;
	sendRaw(data: string): void;
	sendFrame(frame: Buffer, lazy?: boolean): void;
};

/** What every subscription of one hub shares: where hole repair reads from, where failures go. */
export type DeliveryContext = {
	/** The room's history after `since` (hole repair). */
	history(key: string, since: number): Promise<HistoryPage>;
	log(line: string): void;
	/** Counts each message written to a subscriber (/metrics). */
	delivered?(): void;
};

/**
 * One room a connection listens to, and everything about what it has been sent: the only owner
 * of a subscription's delivery state. A connection's own subscription to a room carries its
 * presence; a named one (`subscribe.sub`) is another view of the room, its messages tagged `sub`.
 *
 * Guarantees:
 * - Messages go out in sequence order, each at most once per epoch: `last` (the last sequence
 *   handled, sent or filtered out) only moves forward, only in `send`, when a message is written
 *   or filtered out; only `startReplay` and `reset` (a new epoch) set it back.
 * - While replaying (`holdLive` until `goLive`) live messages wait in the queue, so nothing slips
 *   between history and live traffic; they then go out sorted, duplicates skipped.
 * - A live message past a hole (a lossy cross-node link) starts a repair: the hole is read from
 *   history and sent first; a failed read delivers what there is, and the client sees the hole.
 * - With a filter, only admitted messages go out, each naming the previous admitted one (`prev`),
 *   so a client can tell "filtered out" from "lost".
 * - After `reset` (history cleared) nothing of the old epoch goes out: its queue is dropped.
 */
export class Subscription {
	private epochValue = '';
	private lastValue = 0;
	/** The last sequence the filter admitted (sent as `prev` with the next admitted message). */
	private admitted = 0;
	/** While history is being replayed (or a hole repaired), live messages wait here. */
	private queue: ChatMessage[] | undefined;
	/** Content filter: only messages it admits are sent. Changed by a re-subscribe (setFilter). */
	private filterValue: CompiledFilter | undefined;

	/**
	 * @param key engine key (a DM's `#dm:a:b`)
	 * @param wire the room name as this client sees it (`@bob` for a DM)
	 * @param name a named view's name; undefined for the connection's own subscription
	 */
	constructor(
		readonly connection: SubscriptionHolder,
		readonly key: string,
		readonly wire: string,
		readonly name: string | undefined,
		private readonly context: DeliveryContext,
	) {}

	/** The epoch the subscription's sequences belong to ('' before its first replay). */
	get epoch(): string {
		return this.epochValue;
	}

	/** The last sequence handled for this client: live traffic at or below it is a duplicate. */
	get last(): number {
		return this.lastValue;
	}

	get filter(): CompiledFilter | undefined {
		return this.filterValue;
	}

	setFilter(filter: CompiledFilter | undefined): void {
		this.filterValue = filter;
	}

	/** Whether the subscription is still its connection's (not replaced, dropped, or closed). */
	get current(): boolean {
		return !this.connection.closed && this.connection.holds(this);
	}

	/** Queue live traffic from now on, until goLive: a replay is about to be read. */
	holdLive(): void {
		this.queue ??= [];
	}

	/**
	 * A replay of `epoch` starts after sequence `since`; `lost` of the sequences after it are no
	 * longer in history, so a filtered replay's first `prev` must not claim them as filtered out.
	 */
	startReplay(epoch: string, since: number, lost: number): void {
		this.epochValue = epoch;
		this.lastValue = since;
		this.admitted = since + lost;
	}

	/**
	 * Send one replayed message ahead of the live queue (live traffic keeps queueing until goLive).
	 * `verdict` is the filter's answer judged beforehand (in slices), when it is the current filter's.
	 */
	replay(message: ChatMessage, verdict?: boolean): void {
		this.send(message, undefined, undefined, verdict);
	}

	/** Send `replay`, then the live messages that queued meanwhile, each once and in order; then live. */
	goLive(replay: readonly ChatMessage[] = []): void {
		const queued = this.queue ?? [];
		this.queue = undefined;
		for (const message of replay) this.send(message);
		queued.sort((a, b) => a.sequence - b.sequence);
		for (const message of queued) this.send(message);
	}

	/**
	 * A live message. `data` is its frame as unfiltered room subscribers get it (shared by all of
	 * them); `pass` numbers this fan-out, so a filter shared by many subscriptions runs once.
	 */
	deliver(message: ChatMessage, data: Buffer, pass: number): void {
		if (this.queue) {
			this.queue.push(message);
			return;
		}
		if (message.sequence <= this.lastValue) return;
		if (message.sequence > this.lastValue + 1) {
			this.queue = [message];
			void this.repair();
			return;
		}
		this.send(message, data, pass);
	}

	/** History was cleared: a new epoch starts from nothing, and the old one's queued messages are dropped. */
	reset(epoch: string): void {
		this.epochValue = epoch;
		this.lastValue = 0;
		this.admitted = 0;
		// Queued messages carry no epoch, and all of them belong to the old one (a room's events
		// come in order): delivered now they would pass for the new epoch's sequences.
		if (this.queue) this.queue.length = 0;
	}

	/** Where an acknowledgement of `sequence` puts the user's cursor: never past what was handled. */
	cursorAt(sequence: number): {epoch: string; sequence: number} {
		return {epoch: this.epochValue, sequence: Math.min(sequence, this.lastValue)};
	}

	/**
	 * The one place a message goes out. `last` counts every sequence seen (admitted or filtered
	 * out), so holes are detected the same way with or without a filter.
	 */
	private send(message: ChatMessage, data?: Buffer, pass?: number, verdict?: boolean): void {
		if (message.sequence <= this.lastValue) return;
		this.lastValue = message.sequence;
		const {connection, filterValue: filter, name} = this;
		if (filter) {
			if (!(verdict ?? filter.matches(message, pass))) return;
			const prev = this.admitted;
			this.admitted = message.sequence;
			connection.sendRaw(serialiseMessage({...message, prev, ...(name === undefined ? {} : {sub: name})}, this.wire));
		} else if (name !== undefined) {
			connection.sendRaw(serialiseMessage({...message, sub: name}, this.wire));
		} else if (data) {
			connection.sendFrame(data);
		} else {
			connection.sendRaw(serialiseMessage(message, this.wire));
		}
		this.context.delivered?.();
	}

	/** A live message arrived past a hole: fetch the hole from history first. */
	private async repair(): Promise<void> {
		try {
			const page = await this.context.history(this.key, this.lastValue);
			if (!this.current) return;
			this.goLive(page.epoch === this.epochValue ? page.messages : []);
		} catch (error) {
			// Deliver what we have: the client sees the hole and asks history itself.
			this.context.log(`repair of ${this.key} failed: ${(error as Error).message}`);
			this.goLive();
		}
	}
}

/** The seed's `message` frame: type first, then the stored fields, with the room as this client names it. */
export function serialiseMessage(message: ChatMessage, wire: string): string {
	const frame: MessageFrame = {type: 'message', ...message, room: wire};
	return JSON.stringify(frame);
}
