/**
 * A token bucket: `rate` tokens a second, holding at most `burst`. Each frame takes one token;
 * a frame that finds the bucket empty is refused. Refill is computed on use, so an idle
 * connection costs no timer.
 */
export class TokenBucket {
	private tokens: number;
	private last: number;

	constructor(
		private readonly rate: number,
		private readonly burst: number,
		private readonly now: () => number = Date.now,
	) {
		this.tokens = burst;
		this.last = now();
	}

	/** Take one token; false when none is left. */
	take(): boolean {
		const at = this.now();
		this.tokens = Math.min(this.burst, this.tokens + ((at - this.last) / 1000) * this.rate);
		this.last = at;
		if (this.tokens < 1) return false;
		this.tokens -= 1;
		return true;
	}
}
