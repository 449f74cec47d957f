import type {ChatMessage, ClientFrame, ErrorFrame, MessageData, PublishedFrame} from '../protocol/messages.js';
import {TokenBucket} from '../rate/token-bucket.js';
import type {Dialect} from './dialect.js';
import {Outbox} from './outbox.js';
import type {ClientEvent, PendingMessage} from './types.js';
import {defined} from '../defined.js';

/** Retry delay for a publish the broker refused as temporarily unavailable. */
const RETRY_MS = 1000;
/** Publishes sent but not yet acknowledged: a bound keeps a long outbox from bursting past the broker's rate limit. */
const WINDOW = 32;

/** What the publisher needs from the client core around it. */
export type PublisherHost = {
	readonly name: string;
	send(frame: ClientFrame): boolean;
	emit(event: ClientEvent): void;
	/** The connection is online (publishes may go out). */
	online(): boolean;
	dialect(): Dialect;
	/** Whether the client holds `room`, and whether that room is synced on this connection. */
	room(room: string): {synced: boolean} | undefined;
};

/**
 * Everything about the user's own messages: the outbox (each message enters its room exactly
 * once, in the order written), the window of publishes in flight, pacing below the broker's
 * advertised rate, retries of refused publishes, and their acknowledgements — `published`
 * frames, or with a broker without acks (see Dialect.acks) the sender's own echo.
 */
export class Publisher {
	private readonly outbox = new Outbox();
	/** clientIds sent on the current connection: each goes out once per connection, again only after a reconnect. */
	private readonly inFlight = new Set<string>();
	/** Paces publishes below the broker's advertised rate limit, so none is refused and order holds. */
	private pacer: {bucket: TokenBucket; intervalMs: number} | undefined;
	private paceTimer: NodeJS.Timeout | undefined;
	private retryTimer: NodeJS.Timeout | undefined;
	/** The broker's size limits (from `welcome.limits`); unknown (the seed's) until a 1009 close teaches us one. */
	private sizes: {maxPayload?: number; maxContent?: number} = {};

	constructor(private readonly host: PublisherHost) {}

	/** Messages queued or in flight, oldest first. */
	get pending(): readonly PendingMessage[] {
		return this.outbox.all;
	}

	get size(): number {
		return this.outbox.size;
	}

	/**
	 * Why the broker would not take this message (a sentence for the user), or undefined when it
	 * fits the limits it advertised. A message refused here is never sent: one oversized frame
	 * would cost the connection (close 1009) and, resent on every reconnect, jam it for good.
	 */
	refusal(room: string, content: string, data: MessageData | undefined): string | undefined {
		const {maxPayload, maxContent} = this.sizes;
		if (maxContent !== undefined && content.length > maxContent) {
			return `message is ${count(content.length)} characters; this broker takes at most ${count(maxContent)}`;
		}
		if (maxPayload === undefined) return undefined;
		const bytes = Buffer.byteLength(JSON.stringify(this.frame({room, content, data, clientId: 'x'.repeat(24)})));
		return bytes > maxPayload ? `message is ${count(bytes)} bytes; this broker takes at most ${count(maxPayload)}` : undefined;
	}

	/** Queue a message (announced as `pending`) and send what may go; one the broker cannot take fails at once (`failed`). */
	add(room: string, content: string, data: MessageData | undefined): PendingMessage {
		const entry = this.outbox.add(room, content, data, Date.now());
		this.host.emit({type: 'pending', message: entry});
		const refused = this.refusal(room, content, data);
		if (refused !== undefined) {
			this.fail(entry.clientId, 'too_large', refused);
			return entry;
		}
		// Through the outbox, in order: an older message still waiting must go first.
		this.flush();
		return entry;
	}

	/** The broker's advertised rate limit (from `welcome`): publishes take at most 80% of it. */
	limit(limits: {rate: number; burst: number; maxPayload?: number; maxContent?: number} | undefined): void {
		if (!limits) return;
		this.sizes = {
			...(positive(limits.maxPayload) ? {maxPayload: limits.maxPayload} : {}),
			...(positive(limits.maxContent) ? {maxContent: limits.maxContent} : {}),
		};
		// Messages written before the limits were known (while connecting) are judged now: sent,
		// one that does not fit would only cost this connection a 1009 close.
		const refusals = this.outbox.all.flatMap(entry => {
			const refused = this.refusal(entry.room, entry.content, entry.data);
			return refused === undefined ? [] : [{clientId: entry.clientId, refused}];
		});
		for (const {clientId, refused} of refusals) this.drop(clientId, 'too_large', refused);
		if (!(limits.rate > 0)) return;
		// Leave room for acks and other frames.
		const rate = limits.rate * 0.8;
		this.pacer = {bucket: new TokenBucket(rate, Math.max(1, Math.floor(limits.burst * 0.8))), intervalMs: Math.ceil(1000 / rate)};
	}

	/** Send every pending message whose room is ready, in the order the user wrote them. */
	flush(): void {
		if (!this.host.online()) return;
		for (const entry of [...this.outbox.all]) {
			if (this.inFlight.size >= WINDOW) break;
			const room = this.host.room(entry.room);
			if ((room && !room.synced) || this.inFlight.has(entry.clientId)) continue;
			if (this.pacer && !this.pacer.bucket.take()) {
				if (!this.paceTimer) {
					this.paceTimer = setTimeout(() => {
						this.paceTimer = undefined;
						this.flush();
					}, this.pacer.intervalMs);
					this.paceTimer.unref?.();
				}
				break;
			}
			this.sendPublish(entry);
		}
	}

	/** A `published` acknowledgement. */
	onPublished(frame: PublishedFrame): void {
		const settled = this.outbox.settle(frame.clientId);
		this.inFlight.delete(frame.clientId);
		const recipient = frame.recipient === 'offline' || frame.recipient === 'unknown' ? {recipient: frame.recipient} : {};
		if (settled) this.host.emit({type: 'sent', room: settled.room, clientId: frame.clientId, sequence: frame.sequence, duplicate: frame.duplicate === true, ...recipient});
		this.flush();
	}

	/** A message of `room` came through the ordered stream: with a broker without acks, our own echo is the acknowledgement. */
	onMessage(room: string, message: ChatMessage): void {
		if (this.host.dialect().acks || message.sender !== this.host.name) return;
		const settled = this.outbox.settleEcho(room, message.content);
		if (!settled) return;
		this.inFlight.delete(settled.clientId);
		this.host.emit({type: 'sent', room, clientId: settled.clientId, sequence: message.sequence, duplicate: false});
		this.flush();
	}

	/**
	 * An error naming one of our publishes: retry it later, or give it up if the broker will never
	 * take it. Returns true when it failed the message (the `failed` event says it all).
	 */
	onError(frame: ErrorFrame & {clientId: string}): boolean {
		if (frame.code === 'unavailable' || frame.code === 'rate_limited' || frame.code === 'internal') {
			this.scheduleRetry();
			return false;
		} else {
			// The broker will never take this one (too long, forbidden …): it fails, and what follows goes on.
			if (!this.outbox.all.some(entry => entry.clientId === frame.clientId)) return false;
			this.fail(frame.clientId, frame.code ?? 'invalid_field', frame.error);
			return true;
		}
	}

	/**
	 * The connection dropped (with its close `code`): everything unacknowledged goes out again on
	 * the next one — except, after a 1009 (a frame too large), the largest publish in flight,
	 * which would only close the next connection too: it fails instead.
	 */
	onDisconnect(code?: number): void {
		if (code === 1009) {
			let largest: {clientId: string; bytes: number} | undefined;
			for (const entry of this.outbox.all) {
				if (!this.inFlight.has(entry.clientId)) continue;
				const bytes = Buffer.byteLength(JSON.stringify(this.frame(entry)));
				if (!largest || bytes > largest.bytes) largest = {clientId: entry.clientId, bytes};
			}
			if (largest) {
				const limit = this.sizes.maxPayload === undefined ? '' : `; this broker takes at most ${count(this.sizes.maxPayload)}`;
				this.fail(largest.clientId, 'too_large', `the broker closed the connection on a message of ${count(largest.bytes)} bytes as too large${limit}`);
			}
		}
		this.inFlight.clear();
	}

	/** Give up a message the broker will never take: it leaves the outbox and is announced as `failed`. */
	private fail(clientId: string, code: string, reason: string): void {
		this.drop(clientId, code, reason);
		this.flush();
	}

	/** fail() without sending what follows (the caller sends once it has dropped them all). */
	private drop(clientId: string, code: string, reason: string): void {
		const entry = this.outbox.settle(clientId);
		this.inFlight.delete(clientId);
		if (entry) this.host.emit({type: 'failed', room: entry.room, clientId, content: entry.content, code, message: reason});
	}

	/** Stop retrying (closing). */
	stop(): void {
		if (this.retryTimer) clearTimeout(this.retryTimer);
	}

	private frame(entry: {room: string; content: string; clientId: string; data?: MessageData | undefined}): ClientFrame {
		return {
			type: 'publish',
			room: entry.room,
			content: entry.content,
			sender: this.host.name,
			clientId: entry.clientId,
			...defined({data: entry.data}),
		};
	}

	private sendPublish(entry: PendingMessage): void {
		const sent = this.host.send(this.frame(entry));
		if (sent) this.inFlight.add(entry.clientId);
		const dialect = this.host.dialect();
		if (sent && dialect.known && !dialect.acks && !this.host.room(entry.room)) {
			// No echo will come for a room we are not in, and such a broker gives no other acknowledgement.
			this.outbox.settle(entry.clientId);
			this.host.emit({type: 'sent', room: entry.room, clientId: entry.clientId, sequence: 0, duplicate: false});
		}
	}

	private scheduleRetry(): void {
		if (this.retryTimer) return;
		this.retryTimer = setTimeout(() => {
			this.retryTimer = undefined;
			this.inFlight.clear();
			this.flush();
		}, RETRY_MS);
		this.retryTimer.unref?.();
	}
}

/** 5012 → "5,012": sizes people read. */
function count(n: number): string {
	return n.toLocaleString('en-US');
}

function positive(n: unknown): n is number {
	return typeof n === 'number' && Number.isSafeInteger(n) && n > 0;
}
