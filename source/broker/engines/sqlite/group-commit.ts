import type Database from 'better-sqlite3';

/** What one write did: the value its caller gets, and what to do once it is committed (announce it). */
export type Committed<T> = {value: T; after?: () => void};

type Write = {
	run: () => Committed<unknown>;
	resolve: (value: unknown) => void;
	reject: (error: unknown) => void;
};

type Outcome = {ok: true; committed: Committed<unknown>} | {ok: false; error: unknown};

/**
 * Group commit for a SQLite connection: the writes asked for in one turn of the event loop share
 * one transaction, so one fsync covers all of them (with `synchronous = FULL` an fsync per
 * publish would cap a room at a few hundred messages a second on a real disk). Each write still
 * runs alone inside its own savepoint, so one failing write undoes only itself. A write's
 * promise settles only after COMMIT returned, and its `after` runs only then, in request order.
 */
export class GroupCommit {
	private pending: Write[] = [];
	private scheduled = false;
	private closed = false;
	private readonly batch: (writes: Write[]) => Outcome[];

	constructor(db: Database.Database) {
		// Nested inside `batch`, better-sqlite3 runs this as a SAVEPOINT … RELEASE (ROLLBACK TO on throw).
		const step = db.transaction((run: () => Committed<unknown>) => run());
		const batch = db.transaction((writes: Write[]): Outcome[] =>
			writes.map((write): Outcome => {
				try {
					return {ok: true, committed: step(write.run)};
				} catch (error) {
					return {ok: false, error};
				}
			}),
		);
		// IMMEDIATE: take the write lock up front instead of failing half-way on a busy database.
		this.batch = writes => batch.immediate(writes);
	}

	/** Run `run` inside the next batch transaction; resolves with its value once the batch is committed. */
	write<T>(run: () => Committed<T>): Promise<T> {
		if (this.closed) return Promise.reject(new Error('the sqlite engine is closed'));
		return new Promise<T>((resolve, reject) => {
			this.pending.push({run, resolve: resolve as (value: unknown) => void, reject});
			if (!this.scheduled) {
				this.scheduled = true;
				// setImmediate, not a microtask: every frame that arrived in this poll phase joins the batch.
				setImmediate(() => this.flush());
			}
		});
	}

	/** Commit everything asked for so far, now. */
	flush(): void {
		this.scheduled = false;
		const writes = this.pending;
		if (writes.length === 0) return;
		this.pending = [];
		let outcomes: Outcome[];
		try {
			outcomes = this.batch(writes);
		} catch (error) {
			// COMMIT itself failed (disk full, I/O error): nothing of the batch is stored, nothing is acknowledged.
			for (const write of writes) write.reject(error);
			return;
		}
		writes.forEach((write, i) => settle(write, outcomes[i]!));
	}

	/** Commit what is pending, then refuse further writes. */
	close(): void {
		if (this.closed) return;
		this.flush();
		this.closed = true;
	}
}

function settle(write: Write, outcome: Outcome): void {
	if (!outcome.ok) {
		write.reject(outcome.error);
		return;
	}
	try {
		outcome.committed.after?.();
		write.resolve(outcome.committed.value);
	} catch (error) {
		// A listener threw while hearing of a committed write: that write's caller hears of it, the others are unaffected.
		write.reject(error);
	}
}
