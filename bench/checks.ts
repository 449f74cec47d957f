/**
 * The correctness half of the bench: every subscriber must see its room's sequence go up by
 * exactly one, with nothing lost and nothing twice, at any load. Any nonzero count fails the run.
 */

/** Per-subscriber record of which sequences arrived, in what order. */
export class SequenceTracker {
	/** The room's sequence in `subscribed`: live messages start after it. -1 until subscribed. */
	base = -1;
	private last = -1;
	unique = 0;
	duplicates = 0;
	orderViolations = 0;
	private seen = new Uint8Array(256);

	/** The subscription is live from `sequence` on. */
	start(sequence: number): void {
		this.base = sequence;
		this.last = sequence;
	}

	/** A message with `sequence` arrived. */
	see(sequence: number): void {
		if (this.base < 0) {
			// A message before `subscribed`: the protocol promises `subscribed` first.
			this.orderViolations++;
			return;
		}
		const index = sequence - this.base - 1;
		if (index < 0) {
			this.duplicates++;
			return;
		}
		if (index >= this.seen.length) this.grow(index);
		if (this.seen[index] === 1) {
			this.duplicates++;
			return;
		}
		this.seen[index] = 1;
		this.unique++;
		if (sequence !== this.last + 1) this.orderViolations++;
		if (sequence > this.last) this.last = sequence;
	}

	/** Messages published to the room after subscribing that never arrived. */
	losses(published: number): number {
		return Math.max(0, published - this.unique);
	}

	private grow(index: number): void {
		let size = this.seen.length;
		while (size <= index) size *= 2;
		const next = new Uint8Array(size);
		next.set(this.seen);
		this.seen = next;
	}
}

/** Correctness over every checked subscriber of a run. */
export type CheckTotals = {
	/** Subscribers whose sequences were checked. */
	subscribers: number;
	/** Deliveries the checked subscribers should have had. */
	expected: number;
	losses: number;
	duplicates: number;
	orderViolations: number;
	/** Error frames the server sent. */
	errors: number;
};

export function emptyChecks(): CheckTotals {
	return {subscribers: 0, expected: 0, losses: 0, duplicates: 0, orderViolations: 0, errors: 0};
}

/** True when nothing was lost, doubled or reordered and no error came back. */
export function checksPass(checks: CheckTotals): boolean {
	return checks.losses === 0 && checks.duplicates === 0 && checks.orderViolations === 0 && checks.errors === 0;
}

/** `loss/dup/order/errors` as one short cell. */
export function formatChecks(checks: CheckTotals): string {
	return `${checks.losses}/${checks.duplicates}/${checks.orderViolations}/${checks.errors}`;
}
