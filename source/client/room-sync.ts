import type {ChatMessage, HistoryFrame, SubscribeFrame, SubscribedFrame} from '../protocol/messages.js';
import {ReorderBuffer, type ReorderOutput} from './reorder-buffer.js';

/** What a room's synchroniser needs from the client around it. */
export type RoomSyncHost = {
	/** Hand ordered output (messages and explicit gaps) to the listeners. */
	deliver(room: string, outputs: ReorderOutput<ChatMessage>[], replayed: boolean): void;
	/** Ask the broker for the messages after `since` (a gap fill). */
	requestFill(room: string, since: number, limit: number, epoch: string | undefined): void;
	/** Something new was delivered: acknowledge it soon. */
	delivered(room: string): void;
};

const FILL_LIMIT = 500;

/**
 * One room's ordering: a reorder buffer, the epoch it belongs to, and the gap repair loop
 * (a hole that lasts past `gapTimeoutMs` is fetched from history; what history no longer
 * holds becomes an explicit gap, so the room never stalls and never skips silently).
 */
export class RoomSync {
	epoch: string | undefined;
	/** The content filter on this room, sent with every subscribe. */
	filter: string | undefined;
	/** Got `subscribed` on this connection. */
	synced = false;
	/** Ever synced in this process: the next subscribe resumes from `buffer.delivered`. */
	private started = false;
	private buffer: ReorderBuffer<ChatMessage>;
	/** Messages that arrived before `subscribed` (a DM that opened this room). */
	private early: ChatMessage[] = [];
	private gapTimer: NodeJS.Timeout | undefined;
	private filling = false;
	/** The hole the last fill tried to repair: if a fill leaves it as it was, history has lost it. */
	private lastFillFrom = 0;

	constructor(
		readonly room: string,
		private readonly host: RoomSyncHost,
		private readonly capacity: number,
		private readonly gapTimeoutMs: number,
		/** An explicit starting point (a DM that arrived before we subscribed). */
		private startAfter?: number,
	) {
		this.buffer = new ReorderBuffer({capacity});
	}

	/** Last sequence delivered to listeners. */
	get delivered(): number {
		return this.buffer.delivered;
	}

	/** The subscribe frame for (re)joining: resume from what we delivered, in the epoch we know. */
	subscribeFrame(userId: string): SubscribeFrame {
		const frame: SubscribeFrame = {type: 'subscribe', room: this.room, userId};
		if (this.filter !== undefined) frame.filter = this.filter;
		if (this.started) {
			frame.since = this.buffer.delivered;
			if (this.epoch !== undefined) frame.epoch = this.epoch;
		} else if (this.startAfter !== undefined) {
			frame.since = this.startAfter;
		}
		return frame;
	}

	/** The broker confirmed the subscription; `natter` says whether it speaks the extensions. */
	onSubscribed(frame: SubscribedFrame, natter: boolean): void {
		const outputs: ReorderOutput<ChatMessage>[] = [];
		if (natter) {
			const newEpoch = frame.epoch !== this.epoch;
			// The room is behind what we delivered in the same epoch: its sequence went back without a
			// new epoch (see docs/protocol.md, Ordering). What follows `since` is new: keeping our
			// position would drop it as duplicates, silently.
			const behind = this.started && !newEpoch && frame.sequence < this.buffer.delivered;
			if (!this.started || newEpoch || behind) this.buffer.reset(frame.since + 1);
			this.epoch = frame.epoch;
			if (frame.lost > 0) outputs.push(...this.buffer.skipTo(frame.first));
		} else if (!this.started || frame.sequence < this.buffer.delivered) {
			// The seed server has no epochs: a sequence below ours means it restarted.
			this.buffer.reset(frame.sequence + 1);
		} else if (frame.sequence > this.buffer.delivered) {
			// The seed server cannot replay: fetch what we missed from its history.
			this.host.requestFill(this.room, this.buffer.delivered, FILL_LIMIT, undefined);
			this.filling = true;
		}
		this.started = true;
		this.synced = true;
		this.startAfter = undefined;
		const early = this.early;
		this.early = [];
		outputs.push(...this.offer(early));
		// Not replayed: the broker replays only after `subscribed`, so what came before it was live
		// (the first direct message of a conversation, which opens it, among them: it must ring).
		this.emit(outputs, false);
	}

	/** A live or replayed message of this room. */
	onMessage(message: ChatMessage): void {
		if (!this.synced) {
			if (this.early.length < this.capacity) this.early.push(message);
			return;
		}
		this.emit(this.offer([message]), false);
	}

	/**
	 * Hand messages to the buffer. A filtered subscription's messages name the previous one the
	 * filter admitted (`prev`): the sequences between are filtered out, not lost, so no gap.
	 */
	private offer(messages: Iterable<ChatMessage>): ReorderOutput<ChatMessage>[] {
		const outputs: ReorderOutput<ChatMessage>[] = [];
		for (const message of messages) {
			if (message.prev !== undefined && message.prev < message.sequence - 1) outputs.push(...this.buffer.markEmpty(message.prev + 1, message.sequence - 1));
			outputs.push(...this.buffer.push(message));
		}
		return outputs;
	}

	/** The answer to a fill request. */
	onFill(frame: HistoryFrame): void {
		this.filling = false;
		if (frame.epoch !== undefined && this.epoch !== undefined && frame.epoch !== this.epoch) {
			// A page of an epoch the room left meanwhile: no use, but a hole of the new one still needs its timer.
			this.watchGap();
			return;
		}
		const before = this.buffer.expected;
		const outputs = this.offer(frame.messages);
		// A filtered page vouches that nothing else up to `through` matched.
		// Without messages the page vouches from where history starts (what is before it was lost, not filtered).
		const start = frame.since === undefined ? undefined : Math.max(frame.since, (frame.first ?? 0) - 1);
		const last = frame.messages.at(-1)?.sequence ?? start;
		if (frame.through !== undefined && last !== undefined && frame.through > last) outputs.push(...this.buffer.markEmpty(last + 1, frame.through));
		// What history no longer holds is gone for good: say so, and move on.
		const first = frame.first ?? frame.messages[0]?.sequence;
		const missing = this.buffer.missing;
		if (missing && first !== undefined && first > this.buffer.expected) {
			outputs.push(...this.buffer.skipTo(Math.min(first, missing.to + 1)));
		} else if (missing && this.buffer.expected === before && missing.from === this.lastFillFrom) {
			// A second fill that changed nothing: history cannot help; never stall.
			outputs.push(...this.buffer.skipTo(missing.to + 1));
		}
		this.lastFillFrom = before;
		this.emit(outputs, true);
	}

	/** The broker refused a fill (e.g. its engine was unavailable): try again once the gap timer says so. */
	onFillFailed(): void {
		this.filling = false;
		this.watchGap();
	}

	/** An admin cleared history: a new epoch starts at sequence 1. */
	onCleared(epoch: string): void {
		this.epoch = epoch;
		this.buffer.reset(1);
		this.clearTimer();
		// A fill in flight was for the old epoch (its answer is dropped above): a hole of the new one must not wait for it.
		this.filling = false;
	}

	/** The connection dropped: stop repairing until we are subscribed again. */
	onDisconnect(): void {
		this.synced = false;
		this.filling = false;
		this.clearTimer();
	}

	dispose(): void {
		this.clearTimer();
	}

	private emit(outputs: ReorderOutput<ChatMessage>[], replayed: boolean): void {
		if (outputs.length > 0) {
			this.host.deliver(this.room, outputs, replayed);
			this.host.delivered(this.room);
		}
		this.watchGap();
	}

	/** Arm the gap timer while a hole exists; a hole that outlives it is fetched from history. */
	private watchGap(): void {
		if (!this.buffer.missing) {
			this.clearTimer();
			return;
		}
		if (this.gapTimer || this.filling) return;
		this.gapTimer = setTimeout(() => {
			this.gapTimer = undefined;
			const missing = this.buffer.missing;
			if (!missing || !this.synced) return;
			this.filling = true;
			this.host.requestFill(this.room, missing.from - 1, Math.min(FILL_LIMIT, missing.to - missing.from + 1), this.epoch);
		}, this.gapTimeoutMs);
		this.gapTimer.unref?.();
	}

	private clearTimer(): void {
		if (this.gapTimer) clearTimeout(this.gapTimer);
		this.gapTimer = undefined;
	}
}
