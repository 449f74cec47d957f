// Per-room reorder buffer: turns an out-of-order, duplicated, lossy stream into the room's total
// order, with explicit gaps for what history can no longer supply. Pure and synchronous.

/** Anything with a sequence number. */
export type Sequenced = {sequence: number};

/** What the buffer releases, in order: a message, or a run of sequences lost for good. */
export type ReorderOutput<M> =
	| {type: 'message'; message: M}
	| {type: 'gap'; from: number; to: number; count: number};

/** Where delivery starts and how many out-of-order messages may be held. */
export type ReorderBufferOptions = {
	/** The next sequence to deliver (default 1). */
	expected?: number;
	/** Width of the window expected..expected+capacity-1 that is held (default 1000); beyond it is dropped and counted. */
	capacity?: number;
};

// How far lowestHeld looks past expected before scanning all held keys instead.
const PROBE = 32;

/**
 * A run of sequences known to hold nothing for this reader (a filtered subscription's broker
 * said so with `prev`): reaching it skips to `last + 1` silently, since nothing was lost.
 */
type EmptyRun = {readonly emptyThrough: number};

function isEmptyRun(value: unknown): value is EmptyRun {
	return typeof value === 'object' && value !== null && 'emptyThrough' in value;
}

function gap<M>(from: number, to: number): ReorderOutput<M> {
	return {type: 'gap', from, to, count: to - from + 1};
}

function checkSequence(name: string, value: number): void {
	if (!Number.isSafeInteger(value)) throw new RangeError(`${name} must be a safe integer, got ${value}`);
}

/** Releases one room's messages in sequence order, holding early arrivals until their hole fills. */
export class ReorderBuffer<M extends Sequenced> {
	private next: number;
	private readonly capacity: number;
	// Created on the first out-of-order arrival so a room that never reorders never allocates one.
	private pending: Map<number, M | EmptyRun> | undefined;
	private top: number;
	private dropped = 0;
	// Lowest held sequence, kept exact on insert; only deliveries remove the minimum, and then it
	// is recomputed lazily (when `missing` asks) rather than on every push.
	private lowest = Infinity;
	private lowestStale = false;

	/** Starts empty, expecting `options.expected` (default 1). */
	constructor(options: ReorderBufferOptions = {}) {
		const {expected = 1, capacity = 1000} = options;
		checkSequence('expected', expected);
		if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
		this.next = expected;
		this.capacity = capacity;
		this.top = expected - 1;
	}

	/** Next sequence to deliver. */
	get expected(): number {
		return this.next;
	}

	/** Last delivered (or skipped) sequence: expected - 1. */
	get delivered(): number {
		return this.next - 1;
	}

	/** How many messages are held waiting for a hole to fill. */
	get held(): number {
		return this.pending?.size ?? 0;
	}

	/** Highest sequence seen so far (held, delivered or dropped by overflow), or delivered if none higher. */
	get highest(): number {
		// In-order delivery does not touch `top`, which keeps the hot path to one comparison.
		return Math.max(this.top, this.next - 1);
	}

	/** Count of messages not held because they were beyond the window since the last reset. */
	get overflowed(): number {
		return this.dropped;
	}

	/** The first hole (expected..to), when later sequences are known to exist; undefined when nothing is known missing. */
	get missing(): {from: number; to: number} | undefined {
		if (this.held > 0) return {from: this.next, to: this.lowestHeld() - 1};
		// Nothing held but something was seen beyond: it was dropped by overflow, so it is missing too.
		if (this.top >= this.next) return {from: this.next, to: this.top};
		return undefined;
	}

	/** Offers one message; returns what is now deliverable, in order. Duplicates and old messages return []. */
	push(message: M): ReorderOutput<M>[] {
		const out: ReorderOutput<M>[] = [];
		this.offer(message, out);
		return out;
	}

	/** Offers many (e.g. a history page) with push's semantics; outputs concatenated. */
	pushAll(messages: Iterable<M>): ReorderOutput<M>[] {
		const out: ReorderOutput<M>[] = [];
		for (const message of messages) this.offer(message, out);
		return out;
	}

	/** Declares everything below `sequence` unrecoverable: gaps for the not-held ones, held ones delivered between. */
	skipTo(sequence: number): ReorderOutput<M>[] {
		checkSequence('sequence', sequence);
		const out: ReorderOutput<M>[] = [];
		if (sequence <= this.next) return out;
		let from = this.next;
		const pending = this.pending;
		if (pending !== undefined && pending.size > 0 && this.lowestHeld() < sequence) {
			// Sort only the held keys, never walk the skipped range: it can be millions of sequences wide.
			const below: number[] = [];
			for (const key of pending.keys()) if (key < sequence) below.push(key);
			below.sort((a, b) => a - b);
			for (const key of below) {
				if (key < from) {
					pending.delete(key);
					continue;
				}
				if (key > from) out.push(gap(from, key - 1));
				const entry = pending.get(key) as M | EmptyRun;
				pending.delete(key);
				if (isEmptyRun(entry)) {
					from = entry.emptyThrough + 1;
				} else {
					out.push({type: 'message', message: entry});
					from = key + 1;
				}
			}
			this.afterRemoval(pending);
		}
		if (sequence > from) out.push(gap(from, sequence - 1));
		this.next = Math.max(sequence, from);
		this.drain(out);
		return out;
	}

	/**
	 * Declares sequences from..to empty for this reader (a filter admitted none of them): they are
	 * passed over without a gap once everything before them is delivered. Returns what that releases.
	 */
	markEmpty(from: number, to: number): ReorderOutput<M>[] {
		checkSequence('from', from);
		checkSequence('to', to);
		const out: ReorderOutput<M>[] = [];
		if (to < this.next || to < from) return out;
		if (from <= this.next) {
			this.next = to + 1;
			if (to > this.top) this.top = to;
			this.drain(out);
			return out;
		}
		if (to > this.top) this.top = to;
		if (from > this.next + this.capacity - 1) {
			this.dropped++;
			return out;
		}
		this.pending ??= new Map();
		if (!this.pending.has(from)) {
			this.pending.set(from, {emptyThrough: to});
			if (!this.lowestStale && from < this.lowest) this.lowest = from;
		}
		return out;
	}

	/** Starts over at `expected` (new epoch, or a resubscribe with a reset), dropping everything held. */
	reset(expected: number): void {
		checkSequence('expected', expected);
		this.pending?.clear();
		this.next = expected;
		this.top = expected - 1;
		this.dropped = 0;
		this.lowest = Infinity;
		this.lowestStale = false;
	}

	private offer(message: M, out: ReorderOutput<M>[]): void {
		const sequence = message.sequence;
		if (sequence === this.next) {
			this.next = sequence + 1;
			out.push({type: 'message', message});
			if (this.pending !== undefined && this.pending.size > 0) this.drain(out);
			return;
		}
		// Older than expected is a duplicate of something delivered or skipped; non-integers can never be delivered.
		if (sequence < this.next || !Number.isSafeInteger(sequence)) return;
		if (sequence > this.top) this.top = sequence;
		if (sequence > this.next + this.capacity - 1) {
			// History still has it; holding it would make memory unbounded under a long outage.
			this.dropped++;
			return;
		}
		this.pending ??= new Map();
		if (this.pending.has(sequence)) return;
		this.pending.set(sequence, message);
		if (!this.lowestStale && sequence < this.lowest) this.lowest = sequence;
	}

	private drain(out: ReorderOutput<M>[]): void {
		const pending = this.pending;
		if (pending === undefined || pending.size === 0) return;
		let entry = pending.get(this.next);
		if (entry === undefined) return;
		do {
			pending.delete(this.next);
			if (isEmptyRun(entry)) {
				this.next = entry.emptyThrough + 1;
			} else {
				out.push({type: 'message', message: entry});
				this.next++;
			}
			entry = pending.get(this.next);
		} while (entry !== undefined);
		this.afterRemoval(pending);
	}

	// Every removal path takes the lowest held message first, so the cached minimum is gone.
	private afterRemoval(pending: Map<number, M | EmptyRun>): void {
		this.lowest = Infinity;
		this.lowestStale = pending.size > 0;
	}

	private lowestHeld(): number {
		if (this.lowestStale) {
			const pending = this.pending as Map<number, M | EmptyRun>;
			let lowest = Infinity;
			// Holes are usually short, so probe just past expected before paying for a scan of every held key.
			const probeEnd = Math.min(this.top, this.next + PROBE);
			for (let sequence = this.next + 1; sequence <= probeEnd; sequence++) {
				if (pending.has(sequence)) {
					lowest = sequence;
					break;
				}
			}
			if (lowest === Infinity) for (const key of pending.keys()) if (key < lowest) lowest = key;
			this.lowest = lowest;
			this.lowestStale = false;
		}
		return this.lowest;
	}
}
