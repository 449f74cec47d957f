import type {AckFrame} from '../protocol/messages.js';

/** How long after a delivery the cumulative ack goes out: a burst of messages costs one ack. */
const ACK_DELAY_MS = 250;

/**
 * Cumulative acknowledgements of what the client delivered, per room: at most one `ack` per
 * room every ACK_DELAY_MS, never one that does not move forward. Only for brokers that keep
 * positions (Dialect.acks); the caller decides that.
 */
export class ReadAcks {
	private readonly timers = new Map<string, NodeJS.Timeout>();
	private readonly acked = new Map<string, number>();

	constructor(
		private readonly send: (frame: AckFrame) => boolean,
		/** The last sequence delivered in a room synced on this connection, or undefined. */
		private readonly delivered: (room: string) => number | undefined,
	) {}

	/** Something new was delivered in `room`: acknowledge it soon. */
	schedule(room: string): void {
		if (this.timers.has(room)) return;
		const timer = setTimeout(() => {
			this.timers.delete(room);
			this.flush(room);
		}, ACK_DELAY_MS);
		timer.unref?.();
		this.timers.set(room, timer);
	}

	/** Acknowledge what `room` delivered now (leaving, closing). */
	flush(room: string): void {
		const sequence = this.delivered(room);
		if (sequence === undefined || sequence <= (this.acked.get(room) ?? 0)) return;
		if (this.send({type: 'ack', room, sequence})) this.acked.set(room, sequence);
	}

	/** The room started a new epoch: positions start again from nothing. */
	reset(room: string): void {
		this.acked.delete(room);
	}

	/** The connection dropped: nothing acknowledged on it counts for the next one. */
	clear(): void {
		for (const timer of this.timers.values()) clearTimeout(timer);
		this.timers.clear();
		this.acked.clear();
	}
}
