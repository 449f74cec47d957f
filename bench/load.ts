/**
 * The load generator: many seed-protocol WebSocket clients in this one process, the frames
 * they receive counted and checked as they arrive. Publishing strategies (closed loop,
 * fixed rate) live in traffic.ts; this file owns sockets, rooms and accounting.
 */
import type {Socket} from 'node:net';
import WebSocket from 'ws';
import {emptyChecks, SequenceTracker, type CheckTotals} from './checks.js';
import {frameKind, nowUs, publishFrame, readSequence, readStamp, stampContent, subscribeFrame, type Stamp} from './frames.js';
import {LatencyRecorder} from './stats.js';

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

/** A room as the generator sees it: who is in it and how much was published to it. */
export type BenchRoom = {name: string; members: BenchClient[]; published: number};

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
	/** Handshakes in flight at once (a burst larger than the listen backlog only adds SYN retries). */
	concurrency?: number;
	/** Subscribe each client as soon as it is open, to the room this picks. */
	subscribeTo?: (index: number) => BenchRoom;
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

	constructor(readonly url: string) {}

	/** The room named `name`, created on first use. */
	room(name: string): BenchRoom {
		let room = this.rooms.get(name);
		if (!room) {
			room = {name, members: [], published: 0};
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
				const client = await this.open(`${options.prefix}${index}`);
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
	}

	/** Deliveries the checked members of every room should have had so far. */
	expectedDeliveries(): number {
		let total = 0;
		for (const room of this.rooms.values()) {
			let checked = 0;
			for (const member of room.members) if (member.tracker) checked++;
			total += checked * room.published;
		}
		return total;
	}

	/** Sum up losses, duplicates and reordering over every checked client. */
	checks(): CheckTotals {
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
		return totals;
	}

	/** Drop every connection at once (the server is stopped after each run anyway). */
	closeAll(): void {
		for (const client of this.clients) client.ws.terminate();
		this.clients.length = 0;
	}

	private open(userId: string): Promise<BenchClient> {
		return new Promise((resolve, reject) => {
			const ws = new WebSocket(this.url, {perMessageDeflate: false, skipUTF8Validation: true, maxPayload: 64 * 1024 * 1024, handshakeTimeout: 30_000});
			const client = new BenchClient(ws, userId);
			ws.on('message', (data: Buffer) => this.onFrame(client, data));
			ws.once('open', () => resolve(client));
			// Before 'open' an error fails the connect; after it, 'close' follows and records the code.
			ws.on('error', error => reject(new Error(`${userId} could not connect to ${this.url}: ${error.message}`)));
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
