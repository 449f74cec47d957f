/**
 * The load generator: many seed-protocol WebSocket clients in this one process, the frames
 * they receive counted and checked as they arrive. Publishing strategies (closed loop,
 * fixed rate) live in traffic.ts; this file owns sockets, rooms and accounting.
 */
import type {Socket} from 'node:net';
import WebSocket from 'ws';
import {emptyChecks, SequenceTracker, type CheckTotals} from './checks.js';
import {frameKind, nowUs, publishFrame, readSequence, readStamp, stampContent, subscribeFrame, type Stamp} from './frames.js';
import {LoadThreads, type WorkerCounts, type WorkerState} from './load-worker-pool.js';
import {LatencyRecorder, type LatencySummary} from './stats.js';

/**
 * How long a WebSocket handshake may take. Long: a server busy announcing joins to a big room
 * (the seed at 5,000 members, where every join is one send per member) answers new handshakes
 * only after minutes; slowness is measured as setup time, not failed as an error.
 */
const HANDSHAKE_TIMEOUT_MS = 300_000;

/** One connection of the generator. */
export class BenchClient {
	/** Sequence checks; undefined for a client whose deliveries are not checked (a paused one). */
	tracker: SequenceTracker | undefined = new SequenceTracker();
	publisher: Publisher | undefined;
	room: BenchRoom | undefined;
	/** Close code, once the server closed the connection. */
	closeCode: number | undefined;
	private subscribedResolve: (() => void) | undefined;
	/** Settles when `subscribed` arrived for this client's room. */
	subscribed: Promise<void> | undefined;

	constructor(
		readonly ws: WebSocket,
		readonly userId: string,
	) {}

	/** Send the seed's subscribe; `subscribed` settles on the answer. */
	subscribe(room: BenchRoom): Promise<void> {
		this.room = room;
		room.members.push(this);
		this.subscribed = new Promise(resolve => {
			this.subscribedResolve = resolve;
		});
		this.ws.send(subscribeFrame(room.name, this.userId));
		return this.subscribed;
	}

	/** Stop reading from the socket, as a hung or overwhelmed client would. */
	pause(): void {
		socketOf(this.ws).pause();
	}

	resume(): void {
		socketOf(this.ws).resume();
	}

	/** @internal the answer to subscribe arrived. */
	onSubscribed(sequence: number): void {
		this.tracker?.start(sequence);
		this.subscribedResolve?.();
		this.subscribedResolve = undefined;
	}
}

/**
 * A room as the generator sees it: who is in it and how much was published to it. `remote`
 * counts its members held by worker threads (plain, checked subscribers; see load-worker-pool.ts).
 */
export type BenchRoom = {name: string; members: BenchClient[]; published: number; remote: number};

/** A client that publishes stamped messages into its room. */
export class Publisher {
	sent = 0;
	taken = 0;
	/** Sent but not yet echoed back to this publisher. */
	inFlight = 0;
	/** Called when one of this publisher's messages comes back to it. */
	onEcho: (() => void) | undefined;
	private readonly prefix: string;

	constructor(
		readonly client: BenchClient,
		readonly index: number,
		readonly room: BenchRoom,
		readonly bytes: number,
	) {
		client.publisher = this;
		this.prefix = publishFrame(room.name, client.userId, '');
	}

	/** Publish one message stamped with `sentUs` (default now). */
	publish(sentUs = nowUs()): void {
		this.sent++;
		this.inFlight++;
		this.room.published++;
		const content = stampContent(this.index, this.sent, sentUs, this.bytes);
		// The frame is the prebuilt `..."content":""}` with the content spliced in before the closing quote.
		this.client.ws.send(`${this.prefix.slice(0, -2)}${content}"}`);
	}

	/** @internal own message came back. */
	echoed(): void {
		this.inFlight--;
		this.taken++;
		this.onEcho?.();
	}
}

/** Options for opening connections. */
export type ConnectOptions = {
	/** userId prefix; the client's index is appended. */
	prefix: string;
	/** The client's userId, instead of prefix + index. */
	userId?: (index: number) => string;
	/** The URL client `index` connects to, instead of the next of the Load's URLs. */
	urlOf?: (index: number) => string;
	/** Handshakes in flight at once (a burst larger than the listen backlog only adds SYN retries). */
	concurrency?: number;
	/** Subscribe each client as soon as it is open, to the room this picks. */
	subscribeTo?: (index: number) => BenchRoom;
};

/** Options for opening plain subscribers, which may live in worker threads. */
export type SubscriberOptions = {
	/** userId prefix; the client's index is appended. */
	prefix: string;
	/** The room subscriber `index` joins. */
	subscribeTo: (index: number) => BenchRoom;
	/** Handshakes in flight at once, over all threads. */
	concurrency?: number;
	/** Worker threads to spread them over (created on first use); 0 keeps them in this thread. */
	threads: number;
};

/**
 * The generator: opens clients, keeps rooms, and counts every frame that comes back.
 * One instance per run.
 */
export class Load {
	readonly clients: BenchClient[] = [];
	readonly rooms = new Map<string, BenchRoom>();
	readonly latency = new LatencyRecorder();
	/** Record latency only during a measured phase. */
	recording = false;
	/** Message frames received by checked clients. */
	delivered = 0;
	/** performance.now() of the latest checked delivery. */
	lastDeliveryMs = 0;
	presenceFrames = 0;
	/** performance.now() of the latest presence frame. */
	lastPresenceMs = 0;
	readonly errors: string[] = [];
	private target = Number.POSITIVE_INFINITY;
	private reached: (() => void) | undefined;
	private readonly stamp: Stamp = {publisher: 0, counter: 0, sentUs: 0};
	/** Worker threads holding plain subscribers, once any were opened there. */
	private threads: LoadThreads | undefined;
	/** The workers' checks, errors and latency as of the last sync(). */
	private remote: WorkerState[] = [];
	/** Counters moved in a worker since the last sync(): its checks are out of date. */
	private remoteStale = false;
	/** Called when a worker reports more deliveries (the closed loop's flow control listens). */
	onRemoteDeliveries: (() => void) | undefined;

	/** Every server URL; the i-th client opened connects to urls[i % urls.length] (several for a cluster's nodes). */
	readonly urls: string[];
	/** The first (usually the only) URL. */
	readonly url: string;
	private opened = 0;

	constructor(url: string | string[]) {
		this.urls = typeof url === 'string' ? [url] : url;
		this.url = this.urls[0]!;
	}

	/** The room named `name`, created on first use. */
	room(name: string): BenchRoom {
		let room = this.rooms.get(name);
		if (!room) {
			room = {name, members: [], published: 0, remote: 0};
			this.rooms.set(name, room);
		}
		return room;
	}

	/** Open `count` clients (with bounded concurrency); resolves when all are open (and subscribed, with `subscribeTo`). */
	async connect(count: number, options: ConnectOptions): Promise<BenchClient[]> {
		const opened: BenchClient[] = new Array(count);
		const waits: Promise<void>[] = [];
		let next = 0;
		const worker = async (): Promise<void> => {
			while (next < count) {
				const index = next++;
				const client = await this.open(options.userId ? options.userId(index) : `${options.prefix}${index}`, options.urlOf?.(index));
				opened[index] = client;
				this.clients.push(client);
				if (options.subscribeTo) waits.push(client.subscribe(options.subscribeTo(index)));
			}
		};
		await Promise.all(Array.from({length: Math.min(count, options.concurrency ?? 200)}, worker));
		// Generous (subscribing 1,000 to one room takes the seed ~10 s here), but a server that never answers must not hang the bench.
		const limitMs = 60_000 + count * 50;
		let timer: NodeJS.Timeout | undefined;
		const timeout = new Promise<never>((_, reject) => {
			timer = setTimeout(() => {
				const missing = opened.filter(c => c.tracker !== undefined && c.tracker.base < 0).length;
				reject(new Error(`${missing} of ${count} clients got no \`subscribed\` within ${limitMs / 1000} s`));
			}, limitMs);
		});
		try {
			await Promise.race([Promise.all(waits), timeout]);
		} finally {
			clearTimeout(timer);
		}
		return opened;
	}

	/**
	 * Open `count` plain subscribers (checked, never publishing, never paused) and subscribe
	 * them; with `threads` > 0 they live in worker threads, so their frames are read on other
	 * cores. Resolves when all are subscribed. No handles come back: use connect() for clients
	 * this thread must drive.
	 */
	async connectSubscribers(count: number, options: SubscriberOptions): Promise<void> {
		if (options.threads <= 0) {
			await this.connect(count, {prefix: options.prefix, subscribeTo: options.subscribeTo, ...(options.concurrency === undefined ? {} : {concurrency: options.concurrency})});
			return;
		}
		await this.startThreads(options.threads);
		const threads = this.threads!;
		const userIds: string[] = [];
		const rooms: string[] = [];
		const urls: string[] = [];
		for (let i = 0; i < count; i++) {
			const room = options.subscribeTo(i);
			room.remote++;
			userIds.push(`${options.prefix}${i}`);
			rooms.push(room.name);
			urls.push(this.urls[this.opened++ % this.urls.length]!);
		}
		// Their checks are not here until the next sync().
		this.remoteStale = true;
		await threads.connect(userIds, rooms, urls, options.concurrency ?? 200);
	}

	/**
	 * Start `count` worker threads for subscribers, unless some are running; resolves when they
	 * are ready. connectSubscribers() calls it: call it first where their start-up must not be timed.
	 */
	async startThreads(count: number): Promise<void> {
		if (count <= 0) return;
		this.threads ??= new LoadThreads(count, this.urls, (before, after) => this.onRemoteCounts(before, after));
		await this.threads.ready();
	}

	/** Start a phase: forget latency samples, and record new ones (in the workers too) if `on`. */
	record(on: boolean): void {
		this.latency.reset();
		this.recording = on;
		for (const state of this.remote) state.latency = {samples: new Float64Array(0), seen: 0, stride: 1, max: 0};
		this.threads?.record(on);
	}

	/** Stop recording latency; fetch the workers' samples and checks. */
	async stopRecording(): Promise<void> {
		this.recording = false;
		this.threads?.record(false);
		await this.sync();
	}

	/** Latency over this thread's samples and the workers' (as of the last sync). */
	latencySummary(): LatencySummary {
		if (this.remote.length === 0) return this.latency.summary();
		return this.latency.mergedWith(this.remote.map(state => state.latency)).summary();
	}

	/** Fetch every worker's checks, errors, latency samples and counters (a no-op without workers). */
	async sync(): Promise<void> {
		if (!this.threads) return;
		const published: Record<string, number> = {};
		for (const room of this.rooms.values()) published[room.name] = room.published;
		this.remote = await this.threads.collect(published);
		this.remoteStale = false;
	}

	/** Resolve once checked clients have received `total` messages in all, or `stallMs` passed without one. */
	async waitForDeliveries(total: number, stallMs: number): Promise<{stalled: boolean}> {
		if (this.delivered >= total) return {stalled: false};
		this.target = total;
		const reached = new Promise<void>(resolve => {
			this.reached = resolve;
		});
		let lastCount = this.delivered;
		let lastChange = performance.now();
		let timer: NodeJS.Timeout | undefined;
		const stalled = new Promise<boolean>(resolve => {
			timer = setInterval(() => {
				if (this.delivered !== lastCount) {
					lastCount = this.delivered;
					lastChange = performance.now();
				} else if (performance.now() - lastChange > stallMs) resolve(true);
			}, 100);
		});
		const result = await Promise.race([reached.then(() => false), stalled]);
		clearInterval(timer);
		this.target = Number.POSITIVE_INFINITY;
		this.reached = undefined;
		await this.sync();
		return {stalled: result};
	}

	/** Resolve once `total` presence frames arrived in all, or none came for `stallMs`. */
	async waitForPresence(total: number, stallMs: number): Promise<void> {
		let last = this.presenceFrames;
		let since = performance.now();
		while (this.presenceFrames < total && performance.now() - since < stallMs) {
			await new Promise(resolve => setTimeout(resolve, 20));
			if (this.presenceFrames !== last) {
				last = this.presenceFrames;
				since = performance.now();
			}
		}
		await this.sync();
	}

	/** Checked members of `room`: those in this thread and in the workers. */
	checkedMembers(room: BenchRoom): number {
		let checked = room.remote;
		for (const member of room.members) if (member.tracker) checked++;
		return checked;
	}

	/** Deliveries the checked members of every room should have had so far. */
	expectedDeliveries(): number {
		let total = 0;
		for (const room of this.rooms.values()) total += this.checkedMembers(room) * room.published;
		return total;
	}

	/** Sum up losses, duplicates and reordering over every checked client, the workers' included (as of the last sync). */
	checks(): CheckTotals {
		// A worker's checks are only as fresh as the last sync(): refuse to report older ones.
		if (this.remoteStale) throw new Error('generator workers received frames since their checks were collected: await load.sync() before load.checks()');
		const totals = emptyChecks();
		for (const room of this.rooms.values()) {
			for (const member of room.members) {
				const tracker = member.tracker;
				if (!tracker) continue;
				totals.subscribers++;
				totals.expected += room.published;
				totals.losses += tracker.losses(room.published);
				totals.duplicates += tracker.duplicates;
				totals.orderViolations += tracker.orderViolations;
			}
		}
		totals.errors = this.errors.length;
		for (const state of this.remote) {
			totals.subscribers += state.checks.subscribers;
			totals.expected += state.checks.expected;
			totals.losses += state.checks.losses;
			totals.duplicates += state.checks.duplicates;
			totals.orderViolations += state.checks.orderViolations;
			totals.errors += state.checks.errors;
		}
		return totals;
	}

	/** Error frames from every client, the workers' included (as of the last sync). */
	allErrors(): string[] {
		return [...this.errors, ...this.remote.flatMap(state => state.errors)];
	}

	/** Drop every connection at once (the server is stopped after each run anyway). */
	closeAll(): void {
		for (const client of this.clients) client.ws.terminate();
		this.clients.length = 0;
		this.threads?.terminate();
		this.threads = undefined;
	}

	/** A worker's counters moved: add the difference to this thread's, as if its clients were here. */
	private onRemoteCounts(before: WorkerCounts, after: WorkerCounts): void {
		const origin = performance.timeOrigin;
		if (after.presence !== before.presence) {
			this.presenceFrames += after.presence - before.presence;
			this.lastPresenceMs = Math.max(this.lastPresenceMs, after.lastPresenceAt - origin);
		}
		if (after.errors !== before.errors) this.remoteStale = true;
		if (after.delivered !== before.delivered) {
			this.remoteStale = true;
			this.delivered += after.delivered - before.delivered;
			this.lastDeliveryMs = Math.max(this.lastDeliveryMs, after.lastDeliveryAt - origin);
			if (this.delivered >= this.target) this.reached?.();
			this.onRemoteDeliveries?.();
		}
	}

	private open(userId: string, urlOverride?: string): Promise<BenchClient> {
		return new Promise((resolve, reject) => {
			const url = urlOverride ?? this.urls[this.opened++ % this.urls.length]!;
			const ws = new WebSocket(url, {perMessageDeflate: false, skipUTF8Validation: true, maxPayload: 64 * 1024 * 1024, handshakeTimeout: HANDSHAKE_TIMEOUT_MS});
			const client = new BenchClient(ws, userId);
			ws.on('message', (data: Buffer) => this.onFrame(client, data));
			ws.once('open', () => resolve(client));
			// Before 'open' an error fails the connect; after it, 'close' follows and records the code.
			ws.on('error', error => reject(new Error(`${userId} could not connect to ${url}: ${error.message}`)));
			ws.once('close', (code: number) => {
				client.closeCode = code;
			});
		});
	}

	private onFrame(client: BenchClient, data: Buffer): void {
		switch (frameKind(data)) {
			case 'message':
				this.onMessage(client, data);
				return;
			case 'presence':
				this.presenceFrames++;
				this.lastPresenceMs = performance.now();
				return;
			case 'subscribed':
				client.onSubscribed(readSequence(data));
				return;
			case 'other':
				this.onOther(client, data);
				return;
		}
	}

	private onMessage(client: BenchClient, data: Buffer): void {
		const tracker = client.tracker;
		const publisher = client.publisher;
		if (tracker) tracker.see(readSequence(data));
		if ((this.recording && tracker) || publisher) {
			if (readStamp(data, this.stamp)) {
				if (this.recording && tracker) this.latency.add((nowUs() - this.stamp.sentUs) / 1000);
				if (publisher && this.stamp.publisher === publisher.index) publisher.echoed();
			}
		}
		if (!tracker) return;
		this.lastDeliveryMs = performance.now();
		if (++this.delivered >= this.target) this.reached?.();
	}

	private onOther(client: BenchClient, data: Buffer): void {
		let frame: {type?: unknown; error?: unknown; code?: unknown};
		try {
			frame = JSON.parse(data.toString('utf8')) as typeof frame;
		} catch {
			this.errors.push(`${client.userId}: unparseable frame ${data.subarray(0, 80).toString('utf8')}`);
			return;
		}
		if (frame.type === 'error' || typeof frame.error === 'string') {
			this.errors.push(`${client.userId}: ${String(frame.code ?? '')} ${String(frame.error)}`);
		}
		// Anything else (welcome, members, …) is an extension a seed client ignores.
	}
}

function socketOf(ws: WebSocket): Socket {
	return (ws as unknown as {_socket: Socket})._socket;
}
