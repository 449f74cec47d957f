/**
 * The main thread's side of the generator's worker threads (load-worker.ts). Plain subscribers
 * (the bulk of the frames in a big room) live in N workers, so the generator reads frames on
 * several cores instead of one; publishers and the control logic stay in the main thread.
 *
 * Each worker counts, checks and times its own clients. While traffic flows it reports its
 * counters (deliveries, presence frames, errors) every few milliseconds, which is what
 * waitForDeliveries and the stall watches see; `collect` fetches its sequence checks and latency
 * samples, which the main thread adds to its own.
 */
import {Worker} from 'node:worker_threads';
import type {CheckTotals} from './checks.js';
import type {LatencySnapshot} from './stats.js';

/** Main thread → worker. */
export type ToWorker =
	| {type: 'connect'; id: number; userIds: string[]; rooms: string[]; urls: string[]; concurrency: number}
	| {type: 'record'; on: boolean}
	| {type: 'collect'; id: number; published: Record<string, number>};

/** A worker's running counts. Times are epoch ms (performance.timeOrigin + now), comparable across threads. */
export type WorkerCounts = {delivered: number; lastDeliveryAt: number; presence: number; lastPresenceAt: number; errors: number};

/** Everything a worker knows at the end of a phase. */
export type WorkerState = {counts: WorkerCounts; checks: CheckTotals; errors: string[]; latency: LatencySnapshot};

/** Worker → main thread. */
export type FromWorker =
	| {type: 'ready'}
	| {type: 'counts'; counts: WorkerCounts}
	| {type: 'connected'; id: number}
	| {type: 'state'; id: number; state: WorkerState}
	| {type: 'failed'; id: number; error: string};

/** How often a worker reports changed counters while frames arrive. */
export const REPORT_MS = 2;

/** Threads for the generator's plain subscribers: NATTER_BENCH_GEN_THREADS, default 2; 0 keeps them all in the main thread. */
export function generatorThreads(): number {
	const text = process.env.NATTER_BENCH_GEN_THREADS;
	if (text === undefined || text === '') return 2;
	const n = Number(text);
	if (!Number.isInteger(n) || n < 0) throw new TypeError(`NATTER_BENCH_GEN_THREADS wants a whole number >= 0, not ${JSON.stringify(text)}`);
	return n;
}

type Pending = {resolve: (value: FromWorker) => void; reject: (error: Error) => void};

class LoadThread {
	readonly worker: Worker;
	counts: WorkerCounts = {delivered: 0, lastDeliveryAt: 0, presence: 0, lastPresenceAt: 0, errors: 0};
	/** Clients this worker holds. */
	clients = 0;
	private readonly pending = new Map<number, Pending>();
	private nextId = 0;
	private failure: Error | undefined;
	/** Settles once the worker has loaded and listens. */
	readonly ready: Promise<void>;
	private onReady: (() => void) | undefined;
	private onFailure: ((error: Error) => void) | undefined;

	constructor(urls: string[], onCounts: (thread: LoadThread, counts: WorkerCounts) => void) {
		this.ready = new Promise((resolve, reject) => {
			this.onReady = resolve;
			this.onFailure = reject;
		});
		// Unhandled until awaited: the failure also rejects every request.
		this.ready.catch(() => {});
		// Node 20 ignores `--import tsx` in a worker's execArgv, so the worker registers tsx itself
		// before importing the TypeScript entry point.
		const tsx = import.meta.resolve('tsx/esm/api');
		const entry = new URL('load-worker.ts', import.meta.url).href;
		const code = `import(${JSON.stringify(tsx)}).then(api => { api.register(); return import(${JSON.stringify(entry)}); });`;
		this.worker = new Worker(code, {eval: true, workerData: {urls}});
		this.worker.on('message', (message: FromWorker) => {
			if (message.type === 'counts') {
				onCounts(this, message.counts);
				return;
			}
			if (message.type === 'ready') {
				this.onReady?.();
				return;
			}
			const waiting = this.pending.get(message.id);
			this.pending.delete(message.id);
			if (message.type === 'failed') waiting?.reject(new Error(message.error));
			else waiting?.resolve(message);
		});
		const fail = (error: Error): void => {
			this.failure ??= error;
			this.onFailure?.(error);
			for (const waiting of this.pending.values()) waiting.reject(error);
			this.pending.clear();
		};
		this.worker.on('error', fail);
		this.worker.on('exit', code => fail(new Error(`generator worker exited (code ${code})`)));
	}

	request(message: ToWorker & {id: number}): Promise<FromWorker> {
		if (this.failure) return Promise.reject(this.failure);
		return new Promise((resolve, reject) => {
			this.pending.set(message.id, {resolve, reject});
			this.worker.postMessage(message);
		});
	}

	id(): number {
		return this.nextId++;
	}
}

/** N worker threads holding subscribers. */
export class LoadThreads {
	private readonly threads: LoadThread[];
	/** Clients handed out so far, for round-robin placement across calls. */
	private placed = 0;

	constructor(
		count: number,
		urls: string[],
		private readonly onCounts: (before: WorkerCounts, after: WorkerCounts) => void,
	) {
		this.threads = Array.from({length: count}, () => new LoadThread(urls, (thread, counts) => this.update(thread, counts)));
	}

	get size(): number {
		return this.threads.length;
	}

	/** Settles when every worker has started (loading tsx and the generator takes a few hundred ms). */
	async ready(): Promise<void> {
		await Promise.all(this.threads.map(thread => thread.ready));
	}

	/** Open and subscribe clients (userIds[i] at urls[i] into rooms[i]), round robin over the workers; resolves when all are subscribed. */
	async connect(userIds: string[], rooms: string[], urls: string[], concurrency: number): Promise<void> {
		const parts = this.threads.map(() => ({userIds: [] as string[], rooms: [] as string[], urls: [] as string[]}));
		for (let i = 0; i < userIds.length; i++) {
			const part = parts[this.placed++ % parts.length]!;
			part.userIds.push(userIds[i]!);
			part.rooms.push(rooms[i]!);
			part.urls.push(urls[i]!);
		}
		const each = Math.max(1, Math.ceil(concurrency / this.threads.length));
		await Promise.all(
			this.threads.map(async (thread, t) => {
				const part = parts[t]!;
				if (part.userIds.length === 0) return;
				thread.clients += part.userIds.length;
				await thread.request({type: 'connect', id: thread.id(), userIds: part.userIds, rooms: part.rooms, urls: part.urls, concurrency: each});
			}),
		);
	}

	/** Start (with a fresh recorder) or stop recording latency in every worker. */
	record(on: boolean): void {
		for (const thread of this.threads) thread.worker.postMessage({type: 'record', on} satisfies ToWorker);
	}

	/** Every worker's checks (against `published` per room), errors, latency samples and final counters. */
	async collect(published: Record<string, number>): Promise<WorkerState[]> {
		return Promise.all(
			this.threads.map(async thread => {
				const answer = await thread.request({type: 'collect', id: thread.id(), published});
				if (answer.type !== 'state') throw new Error(`generator worker answered ${answer.type} to collect`);
				this.update(thread, answer.state.counts);
				return answer.state;
			}),
		);
	}

	terminate(): void {
		for (const thread of this.threads) void thread.worker.terminate();
	}

	private update(thread: LoadThread, counts: WorkerCounts): void {
		const before = thread.counts;
		thread.counts = counts;
		this.onCounts(before, counts);
	}
}
