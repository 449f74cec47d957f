import type {CompiledFilter} from './compile-filter.js';
import type {FilterInput} from './filter-input.js';

/** How long one slice of stored-message filtering may run before the event loop gets a turn (ms). */
export const FILTER_SLICE_MS = 5;
/** Filter time over stored messages one connection earns per second (ms). */
export const FILTER_TIME_RATE_MS = 100;
/** Most filter time over stored messages a connection may have in hand at once (ms): one worst-case page of 100. */
export const FILTER_TIME_BURST_MS = 1000;

/** What a FilterScheduler is held to (ms); `now` is for tests. */
export type FilterSchedulerOptions = {sliceMs: number; rateMs: number; burstMs: number; now?: () => number};

type Job = {
	filter: CompiledFilter;
	messages: readonly FilterInput[];
	verdicts: boolean[];
	abandoned: () => boolean;
	owner: object;
	done: (verdicts: boolean[] | undefined) => void;
};

type Allowance = {tokens: number; at: number};

/**
 * Runs filters over stored messages (a filtered `get_history` page, a filtered replay) for the
 * whole node. Live fan-out runs a filter once per published message; a page runs it once per
 * stored message, up to --history-size of them, about 10 ms each at worst: run in one go, one
 * request froze the event loop for a second. So jobs run here in slices of about `sliceMs`, one
 * at a time for the whole node, in turn, each followed by a rest as long as itself (so many
 * connections asking at once still cost a turn of the event loop one slice, not one each, and the
 * node at most half its time); and each owner (a connection) spends from an
 * allowance of `rateMs` a second, at most `burstMs` in hand: one that has spent past it is told
 * to wait (`wait`) before it may start another job, so a connection that keeps asking gets at most
 * `rateMs` of filter time a second on average.
 */
export class FilterScheduler {
	private readonly queue: Job[] = [];
	private running = false;
	private readonly allowances = new WeakMap<object, Allowance>();
	private readonly now: () => number;

	constructor(private readonly options: FilterSchedulerOptions) {
		this.now = options.now ?? (() => performance.now());
	}

	/** How long `owner` must wait before it may start a job (ms); 0 when it may now. */
	wait(owner: object): number {
		const tokens = this.allowance(owner).tokens;
		return tokens > 0 ? 0 : Math.ceil((-tokens * 1000) / this.options.rateMs) || 1;
	}

	/**
	 * Judge each message by `filter` (verdicts in the messages' order), charging `owner` the time.
	 * Resolves with undefined when `abandoned()` says, between slices, that nobody wants the answer.
	 */
	judge(owner: object, filter: CompiledFilter, messages: readonly FilterInput[], abandoned: () => boolean): Promise<boolean[] | undefined> {
		if (messages.length === 0) return Promise.resolve([]);
		return new Promise(done => {
			this.queue.push({filter, messages, verdicts: [], abandoned, owner, done});
			if (!this.running) {
				this.running = true;
				setImmediate(() => this.slice());
			}
		});
	}

	/** One slice of the job at the head of the queue; an unfinished job goes to the back. */
	private slice(): void {
		const job = this.queue.shift();
		if (!job) {
			this.running = false;
			return;
		}
		let elapsed = 0;
		if (job.abandoned()) {
			job.done(undefined);
		} else {
			const started = this.now();
			const {filter, messages, verdicts} = job;
			// Checked after each message: one message is the smallest unit (about 10 ms at worst).
			while (verdicts.length < messages.length && elapsed < this.options.sliceMs) {
				verdicts.push(filter.matches(messages[verdicts.length]!));
				elapsed = this.now() - started;
			}
			this.charge(job.owner, elapsed);
			if (verdicts.length < messages.length) this.queue.push(job);
			else job.done(verdicts);
		}
		if (this.queue.length === 0) {
			this.running = false;
			return;
		}
		// Rest as long as the slice worked: all of this work together takes at most half the
		// node's time, and the process sleeps between slices, so the OS runs it promptly when
		// a frame arrives even on a busy machine.
		if (elapsed >= 1) setTimeout(() => this.slice(), elapsed);
		else setImmediate(() => this.slice());
	}

	private charge(owner: object, ms: number): void {
		this.allowance(owner).tokens -= ms;
	}

	/** The owner's allowance, refilled for the time since it was last looked at. */
	private allowance(owner: object): Allowance {
		const now = this.now();
		let allowance = this.allowances.get(owner);
		if (!allowance) {
			allowance = {tokens: this.options.burstMs, at: now};
			this.allowances.set(owner, allowance);
			return allowance;
		}
		allowance.tokens = Math.min(this.options.burstMs, allowance.tokens + ((now - allowance.at) * this.options.rateMs) / 1000);
		allowance.at = now;
		return allowance;
	}
}
