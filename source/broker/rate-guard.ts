import {TokenBucket} from '../rate/token-bucket.js';

/** What a connection's next frame may do. */
export type RateVerdict = 'accept' | 'refuse' | 'disconnect';

/**
 * One connection's rate limit: a token bucket decides each frame, and a client that keeps
 * sending well past the limit — more refused frames than the allowed rate for longer than
 * `floodGraceMs` — is disconnected instead of being answered forever.
 */
export class RateGuard {
	private readonly bucket: TokenBucket;
	private episodeStart: number | undefined;
	private refused = 0;

	constructor(
		private readonly rate: number,
		burst: number,
		private readonly floodGraceMs: number,
		private readonly now: () => number = Date.now,
	) {
		this.bucket = new TokenBucket(rate, burst, now);
	}

	/** Judge one incoming frame. */
	check(): RateVerdict {
		if (this.bucket.take()) return 'accept';
		const at = this.now();
		// A fresh episode after a quiet spell: old refusals do not count against the client.
		if (this.episodeStart === undefined || at - this.episodeStart > 2 * this.floodGraceMs) {
			this.episodeStart = at;
			this.refused = 0;
		}
		this.refused++;
		const flooding = at - this.episodeStart >= this.floodGraceMs && this.refused > (this.rate * this.floodGraceMs) / 1000;
		return flooding ? 'disconnect' : 'refuse';
	}
}
