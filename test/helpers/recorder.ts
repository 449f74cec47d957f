/**
 * Items as they arrive (frames, client events, output lines), and promises for the first one
 * that matches: the one waiting mechanism the test helpers share.
 */
export class Recorder<T> {
	readonly items: T[] = [];
	private waiters: Array<{match: (item: T) => boolean; resolve: (item: T) => void}> = [];

	/** `context` says what arrived lately, for timeout messages. */
	constructor(private readonly context: () => string) {}

	/** Record an item and settle every waiter it matches. */
	add(item: T): void {
		this.items.push(item);
		this.waiters = this.waiters.filter(waiter => {
			if (!waiter.match(item)) return true;
			waiter.resolve(item);
			return false;
		});
	}

	/** The first already-recorded or future item that matches, or a rejection after `ms`. */
	waitFor(match: (item: T) => boolean, ms: number, what: string): Promise<T> {
		const seen = this.items.find(match);
		if (seen !== undefined) return Promise.resolve(seen);
		return this.next(match, ms, what);
	}

	/** The next future item that matches (ignores what is already recorded). */
	next(match: (item: T) => boolean, ms: number, what: string): Promise<T> {
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => {
				this.waiters = this.waiters.filter(waiter => waiter.resolve !== done);
				reject(new Error(`timed out after ${ms} ms waiting for ${what}; ${this.context()}`));
			}, ms);
			const done = (item: T): void => {
				clearTimeout(timer);
				resolve(item);
			};
			this.waiters.push({match, resolve: done});
		});
	}
}
