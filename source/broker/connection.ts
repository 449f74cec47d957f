import type {Socket} from 'node:net';
import type {WebSocket} from 'ws';
import type {ChatMessage, ErrorCode, PresenceStatus, ServerFrame} from '../protocol/messages.js';
import {CloseCode} from '../protocol/messages.js';
import {directKey, isDirectRoom} from '../protocol/names.js';
import type {CompiledFilter} from '../filter/compile-filter.js';

/** One room a connection listens to. Keyed by engine key; `wire` is the name this client uses. */
export type Subscription = {
	/** Engine key (a DM's `#dm:a:b`). */
	key: string;
	/** The room name as this client sees it (`@bob` for a DM). */
	wire: string;
	epoch: string;
	/** The last sequence handled for this client (sent, or filtered out): live traffic at or below it is a duplicate. */
	last: number;
	/** Content filter: only messages it admits are sent. */
	filter: CompiledFilter | undefined;
	/** The last sequence the filter admitted (sent as `prev` with the next admitted message). */
	admitted: number;
	/** A named subscription (`subscribe.sub`): one of several views of a room on one connection; its messages carry `sub`. */
	name?: string;
	/** While history is being replayed, live messages wait here so nothing slips between the two. */
	queue: ChatMessage[] | undefined;
};

/**
 * A complete WebSocket text frame (server to client: FIN set, unmasked) around `payload`.
 * Fan-out frames a message once and writes the very same bytes to every subscriber's socket,
 * instead of ws encoding and framing it again for each one.
 */
export function textFrame(payload: string): Buffer {
	const length = Buffer.byteLength(payload);
	const head = length < 126 ? 2 : length < 65_536 ? 4 : 10;
	const frame = Buffer.allocUnsafe(head + length);
	frame[0] = 0x81;
	if (length < 126) frame[1] = length;
	else if (length < 65_536) {
		frame[1] = 126;
		frame.writeUInt16BE(length, 2);
	} else {
		frame[1] = 127;
		frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
		frame.writeUInt32BE(length >>> 0, 6);
	}
	frame.write(payload, head, 'utf8');
	return frame;
}

/** The payload of a frame made by textFrame. */
function framePayload(frame: Buffer): Buffer {
	return frame.subarray(frame[1]! < 126 ? 2 : frame[1] === 126 ? 4 : 10);
}

/**
 * Connections whose socket is corked in this event-loop turn. They are uncorked together once
 * the turn's I/O callbacks have run, so everything a turn sends to one socket (a burst of
 * publishes, a storm of joins) leaves in one write system call instead of one per frame.
 */
const corked: Connection[] = [];
let endScheduled = false;

/**
 * Whether a fan-out frame that is a socket's first in this turn is written at once. Corking pays
 * when a turn sends a socket several frames (a busy room: one write call for all of them); when
 * it sends one (a quiet room), holding it to the end of the turn only makes every member wait
 * for the whole room's frames to be queued (bench fixed-5k). So fan-out writes directly while
 * turns carry one frame per socket; once a socket gets a second frame in a turn, sockets cork
 * from their first frame on, until a turn's corked sockets average fewer than two frames.
 */
let direct = true;
/** In direct mode: some socket was sent a second fan-out frame in this turn. */
let secondFrame = false;
/** In corked mode: fan-out frames written to corked sockets in this turn. */
let heldFrames = 0;
/** Counts event-loop turns that wrote anything: tells a socket's first frame of a turn. */
let turn = 0;

function endOfTurn(): void {
	endScheduled = false;
	const sockets = corked.length;
	for (const connection of corked) connection.uncork('turn');
	corked.length = 0;
	direct = direct ? !secondFrame : heldFrames < 2 * sockets;
	secondFrame = false;
	heldFrames = 0;
	turn++;
}

function scheduleEndOfTurn(): void {
	if (endScheduled) return;
	endScheduled = true;
	setImmediate(endOfTurn);
}

/**
 * How long a socket that has only presence frames to send may stay corked. A burst of joins
 * to a big room is n announcements to n members: sent at once, that is one write system call
 * per member per join (n²); held this long, each member gets a few writes for the whole burst.
 * A chat frame sent meanwhile to the same socket ends the hold at the end of its turn, and all
 * frames leave in the order they were sent, so presence is never reordered against messages;
 * it is only late, by at most this much, when nothing else is going out.
 */
export const PRESENCE_HOLD_MS = 15;

const lazilyCorked: Connection[] = [];
let lazyTimer: NodeJS.Timeout | undefined;

function flushLazilyCorked(): void {
	lazyTimer = undefined;
	for (const connection of lazilyCorked) connection.uncork('lazy');
	lazilyCorked.length = 0;
}

let nextConnectionId = 0;

/** How long a connection owed a page may take none of its unsent bytes before it is cut off as stalled. */
export const STALL_MS = 5000;

/** How often a connection waiting for room (whenRoomFor) looks at its unsent bytes. */
const ROOM_POLL_MS = 10;

/**
 * The size of one page of a history reply, in bytes: small beside the bound, so pages
 * leave room for live traffic, and at most 256 KiB, so one reply never becomes one huge write.
 */
export function pageBytes(maxBuffered: number): number {
	return Math.min(256 * 1024, Math.floor(maxBuffered / 4));
}

const NO_VIEWS: ReadonlyMap<string, ReadonlyMap<string, Subscription>> = new Map();

/** A client socket and what the hub knows about it. Owns no room state beyond its own subscriptions. */
export class Connection {
	readonly id = ++nextConnectionId;
	/** The engine's presence-holder id for this connection. */
	readonly holder: string;
	userId: string | undefined;
	admin = false;
	/** Spoke natter (sent `hello`): gets natter-only frames such as `welcome`. */
	natter = false;
	status: PresenceStatus = 'online';
	reason: string | undefined;
	/** The room subscriptions (one per engine key); they carry presence. */
	readonly subs = new Map<string, Subscription>();
	/**
	 * Named subscriptions: engine key -> name -> subscription (several filtered views of a room, no
	 * presence). Read-only here: addView and removeView change it. Most connections never name one,
	 * so all of them share one empty map until they do.
	 */
	named: ReadonlyMap<string, ReadonlyMap<string, Subscription>> = NO_VIEWS;
	/** Answered the last ping. */
	alive = true;
	/** Closes a connection that has not named itself in time (requireNameWithin); gone once it has. */
	private identifyTimer: NodeJS.Timeout | undefined;
	/** Said goodbye (`bye` or a 1000/1001 close): leave without a grace period. */
	clean = false;
	closed = false;
	/**
	 * ws's socket, when ready-made frames may be written to it directly: without compression ws
	 * writes every frame at once and in order, never holding one back in a queue of its own.
	 */
	private readonly socket: Socket | undefined;
	/** Whether the socket is corked: until the end of this turn (endOfTurn), or for presence only (flushLazilyCorked). */
	private held: 'no' | 'turn' | 'lazy' = 'no';
	/** The turn in which a fan-out frame was last written to the socket directly (see `direct`). */
	private directTurn = -1;
	/** The size of one page of a history reply to this connection (pageBytes). */
	readonly page: number;

	constructor(
		readonly ws: WebSocket,
		readonly ip: string,
		nodeId: string,
		private readonly maxBuffered: number,
		private readonly onSlow: (connection: Connection) => void,
	) {
		this.holder = `${nodeId}/${this.id}`;
		this.page = pageBytes(maxBuffered);
		// ws keeps its socket in a private field (throughout ws 8); with permessage-deflate we go through ws.
		const socket = (ws as unknown as {_socket?: Socket | null})._socket ?? undefined;
		this.socket = ws.extensions === '' ? socket : undefined;
	}

	/** The engine key of a room as this connection names it: `@bob` from alice is their shared conversation. */
	engineKey(room: string): string {
		return isDirectRoom(room) ? directKey(this.userId!, room.slice(1)) : room;
	}

	/** Call `onTimeout` unless the connection has a name within `ms` (nameAs). */
	requireNameWithin(ms: number, onTimeout: () => void): void {
		this.identifyTimer = setTimeout(() => {
			this.identifyTimer = undefined;
			if (this.userId === undefined) onTimeout();
		}, ms);
		this.identifyTimer.unref();
	}

	/** The connection now goes by `name`: the identify deadline no longer applies (nor costs a timer). */
	nameAs(name: string): void {
		this.userId = name;
		this.stopIdentifyTimer();
	}

	/** Cancel the identify deadline (named, or closed). */
	stopIdentifyTimer(): void {
		if (this.identifyTimer) clearTimeout(this.identifyTimer);
		this.identifyTimer = undefined;
	}

	/**
	 * Send a frame. Every write counts against the bound: a connection whose unsent bytes would
	 * exceed `maxBuffered` is cut off (onSlow) instead of growing memory. One frame always fits an
	 * idle connection, so a frame larger than the bound is not undeliverable.
	 */
	send(frame: ServerFrame): void {
		this.sendRaw(JSON.stringify(frame));
	}

	/** Send an already-serialised frame as text. */
	sendRaw(data: string): void {
		if (this.closed) return;
		// A UTF-8 byte is at most three UTF-16 units' worth: count exactly only near the bound.
		const unsent = this.ws.bufferedAmount;
		if (unsent > 0 && unsent + data.length * 3 > this.maxBuffered && unsent + Buffer.byteLength(data) > this.maxBuffered) {
			this.onSlow(this);
			return;
		}
		this.hold();
		this.ws.send(data);
	}

	/** Send a text frame whose UTF-8 payload is ready (a history page): counted like any other write. */
	sendText(payload: Buffer): void {
		if (this.closed) return;
		const unsent = this.ws.bufferedAmount;
		if (unsent > 0 && unsent + payload.length > this.maxBuffered) {
			this.onSlow(this);
			return;
		}
		this.hold();
		this.ws.send(payload, {binary: false});
	}

	/**
	 * Whether a page of `bytes` may go out now without crowding out live traffic: the unsent bytes
	 * stay within half the bound (an idle connection always takes one page).
	 */
	hasRoomFor(bytes: number): boolean {
		const unsent = this.ws.bufferedAmount;
		return unsent === 0 || unsent + bytes <= this.maxBuffered / 2;
	}

	/**
	 * Resolve true once hasRoomFor(bytes); false when the connection closed meanwhile, or was cut off
	 * because its peer took none of its unsent bytes for STALL_MS. History replies wait
	 * here between pages, so what a connection is owed never piles up in the broker.
	 */
	async whenRoomFor(bytes: number): Promise<boolean> {
		let lastUnsent = this.ws.bufferedAmount;
		let lastProgress = Date.now();
		while (!this.closed) {
			if (this.hasRoomFor(bytes)) return true;
			await new Promise(resolve => setTimeout(resolve, ROOM_POLL_MS));
			const unsent = this.ws.bufferedAmount;
			if (unsent < lastUnsent) lastProgress = Date.now();
			else if (Date.now() - lastProgress > STALL_MS) {
				this.onSlow(this);
				return false;
			}
			lastUnsent = unsent;
		}
		return false;
	}

	/**
	 * Send a ready-made frame from textFrame: fan-out shares one for all of a room's subscribers.
	 * `lazy` (presence announcements) lets it wait up to PRESENCE_HOLD_MS for company.
	 */
	sendFrame(frame: Buffer, lazy = false): void {
		if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
		const unsent = this.ws.bufferedAmount;
		if (unsent > 0 && unsent + frame.length > this.maxBuffered) {
			this.onSlow(this);
			return;
		}
		if (!this.socket) {
			this.ws.send(framePayload(frame), {binary: false});
			return;
		}
		if (lazy) this.holdLazily();
		else if (direct && this.held === 'no' && this.directTurn !== turn) {
			// The socket's first frame in a quiet turn: it leaves now.
			this.directTurn = turn;
			scheduleEndOfTurn();
		} else {
			// A socket held only for presence counts as quiet: presence is corked whatever the mode.
			if (!direct) heldFrames++;
			else if (this.held !== 'lazy') secondFrame = true;
			this.hold();
		}
		this.socket.write(frame);
	}

	/** Answer a bad request; the connection stays open. */
	error(code: ErrorCode, error: string, extra: {room?: string; clientId?: string; id?: string; position?: number} = {}): void {
		this.send({type: 'error', code, error, ...extra});
	}

	/** Close with a natter close code, then make sure the socket goes even if the peer never answers. */
	close(code: number, reason: string): void {
		if (this.closed) return;
		this.closed = true;
		this.ws.close(code, reason);
		setTimeout(() => this.ws.terminate(), 1000).unref();
	}

	/** Whether `sub` is still this connection's current subscription (not replaced or dropped). */
	holds(sub: Subscription): boolean {
		return sub.name === undefined ? this.subs.get(sub.key) === sub : this.named.get(sub.key)?.get(sub.name) === sub;
	}

	/** Whether the connection listens to `key` in any way (a room subscription or a named one). */
	listens(key: string): boolean {
		return this.subs.has(key) || (this.named.get(key)?.size ?? 0) > 0;
	}

	/** Add (or replace) the named subscription `sub`, and return it. */
	addView(sub: Subscription & {name: string}): Subscription {
		if (this.named === NO_VIEWS) this.named = new Map();
		const named = this.named as Map<string, Map<string, Subscription>>;
		let views = named.get(sub.key);
		if (!views) {
			views = new Map();
			named.set(sub.key, views);
		}
		views.set(sub.name, sub);
		return sub;
	}

	/** Remove the named subscription `sub`; false when it is not (or no longer) this connection's. */
	removeView(sub: Subscription): boolean {
		const views = this.named.get(sub.key) as Map<string, Subscription> | undefined;
		if (sub.name === undefined || !views || views.get(sub.name) !== sub) return false;
		views.delete(sub.name);
		if (views.size === 0) (this.named as Map<string, unknown>).delete(sub.key);
		return true;
	}

	/** Forget every named subscription (the connection closed). */
	dropViews(): void {
		this.named = NO_VIEWS;
	}

	/** Cork the socket for the rest of this event-loop turn: the turn's frames leave in one write. */
	private hold(): void {
		if (this.held === 'turn' || !this.socket) return;
		// Already corked for presence: it stays corked (once), but now leaves at the end of this turn.
		if (this.held === 'no') this.socket.cork();
		this.held = 'turn';
		corked.push(this);
		scheduleEndOfTurn();
	}

	/** Cork the socket for presence: it leaves within PRESENCE_HOLD_MS, or with the next other frame. */
	private holdLazily(): void {
		if (this.held !== 'no' || !this.socket) return;
		this.held = 'lazy';
		this.socket.cork();
		lazilyCorked.push(this);
		lazyTimer ??= setTimeout(flushLazilyCorked, PRESENCE_HOLD_MS);
	}

	/** The hold of kind `kind` ended: let the socket write what was queued (a hold since changed to another kind is left to it). */
	uncork(kind: 'turn' | 'lazy'): void {
		if (this.held !== kind) return;
		this.held = 'no';
		this.socket?.uncork();
	}

	/** A goodbye the client asked for (bye) or a normal close code. */
	static isCleanClose(code: number): boolean {
		return code === CloseCode.normal || code === CloseCode.goingAway;
	}
}
