import type {Socket} from 'node:net';
import type {WebSocket} from 'ws';
import type {ErrorCode, PresenceStatus, ServerFrame} from '../protocol/messages.js';
import {CloseCode} from '../protocol/messages.js';
import {directKey, isDirectRoom} from '../protocol/names.js';
import {framePayload} from './text-frame.js';
import type {Outlet, SocketWriter} from './socket-writer.js';
import type {Subscription} from './subscription.js';

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

/**
 * Where a connection is in its life. Unnamed: accepted, bound to no name yet (it may say hello,
 * or name itself in subscribe or publish). Named: bound to `userId` (the identity registry binds
 * it, through nameAs). Closed: closing or gone; `userId` is the name it had, if any, and `clean`
 * says it said goodbye (`bye`), so it leaves without a grace period. A connection never leaves
 * the closed state.
 */
export type ConnectionState =
	| {readonly kind: 'unnamed'}
	| {readonly kind: 'named'; readonly userId: string}
	| {readonly kind: 'closed'; readonly userId: string | undefined; readonly clean: boolean};

const UNNAMED: ConnectionState = {kind: 'unnamed'};

/**
 * A client socket and what the hub knows about it: its state (unnamed, named, closed), its
 * presence status, its subscriptions (which own their delivery), and the bounded writes to its
 * socket. Owns no room state beyond its own subscriptions.
 */
export class Connection {
	readonly id = ++nextConnectionId;
	/** The engine's presence-holder id for this connection. */
	readonly holder: string;
	private stateValue: ConnectionState = UNNAMED;
	/** May clear history and pass membership checks: proven by the admin key in `hello`, or a token. */
	private adminValue = false;
	/** The presence status it holds in its rooms (`status` frames change it). */
	private presenceValue: {readonly status: PresenceStatus; readonly reason: string | undefined} = {status: 'online', reason: undefined};
	/** The room subscriptions (one per engine key); they carry presence. */
	readonly subs = new Map<string, Subscription>();
	/**
	 * Named subscriptions: engine key -> name -> subscription (several filtered views of a room, no
	 * presence). Changed only by addView, removeView and dropViews. Most connections never name
	 * one, so all of them share one empty map until they do.
	 */
	private views: ReadonlyMap<string, ReadonlyMap<string, Subscription>> = NO_VIEWS;
	/** Answered the last ping. */
	private alive = true;
	/** Closes a connection that has not named itself in time (requireNameWithin); gone once it has. */
	private identifyTimer: NodeJS.Timeout | undefined;
	/**
	 * The socket as this broker's writer handles it, when ready-made frames may be written to it
	 * directly: without compression ws writes every frame at once and in order, never holding one
	 * back in a queue of its own. With permessage-deflate frames go through ws.
	 */
	private readonly outlet: Outlet | undefined;
	/** The size of one page of a history reply to this connection (pageBytes). */
	readonly page: number;

	/**
	 * `socket` is the upgraded request's socket (the one ws frames on), `writer` the broker's cork
	 * scheduler for all its connections.
	 */
	constructor(
		readonly ws: WebSocket,
		socket: Socket,
		readonly ip: string,
		nodeId: string,
		private readonly maxBuffered: number,
		private readonly writer: SocketWriter,
		private readonly onSlow: (connection: Connection) => void,
	) {
		this.holder = `${nodeId}/${this.id}`;
		this.page = pageBytes(maxBuffered);
		this.outlet = ws.extensions === '' ? writer.outlet(socket) : undefined;
	}

	get state(): ConnectionState {
		return this.stateValue;
	}

	/** The name the connection goes by (or went by, once closed); undefined while unnamed. */
	get userId(): string | undefined {
		return this.stateValue.kind === 'unnamed' ? undefined : this.stateValue.userId;
	}

	/** Closing or gone: nothing more is sent. */
	get closed(): boolean {
		return this.stateValue.kind === 'closed';
	}

	/**
	 * The connection's name, where the hub has made sure it has one (ensureName, or a frame an
	 * unnamed connection cannot reach): a connection without one here is a broker bug, and throws.
	 */
	name(): string {
		const userId = this.userId;
		if (userId === undefined) throw new Error(`connection ${this.id} has no name yet`);
		return userId;
	}

	get admin(): boolean {
		return this.adminValue;
	}

	/** The connection proved it is an admin (the admin key, or a token saying so); never taken back. */
	grantAdmin(): void {
		this.adminValue = true;
	}

	get presence(): {readonly status: PresenceStatus; readonly reason: string | undefined} {
		return this.presenceValue;
	}

	/** The user set a status (`status` frame): held in every room it is in. */
	setStatus(status: PresenceStatus, reason: string | undefined): void {
		this.presenceValue = {status, reason};
	}

	/**
	 * One heartbeat round: false, sending nothing, when the previous ping went unanswered (the
	 * caller terminates the connection); else a ping goes out, to be answered before the next round.
	 */
	ping(): boolean {
		if (!this.alive) return false;
		this.alive = false;
		this.ws.ping();
		return true;
	}

	/** The peer answered a ping. */
	pong(): void {
		this.alive = true;
	}

	/** The engine key of a room as this connection names it: `@bob` from alice is their shared conversation. */
	engineKey(room: string): string {
		return isDirectRoom(room) ? directKey(this.name(), room.slice(1)) : room;
	}

	/** Call `onTimeout` unless the connection has a name within `ms` (nameAs). */
	requireNameWithin(ms: number, onTimeout: () => void): void {
		this.identifyTimer = setTimeout(() => {
			this.identifyTimer = undefined;
			if (this.userId === undefined) onTimeout();
		}, ms);
		this.identifyTimer.unref();
	}

	/**
	 * The connection now goes by `name` (the identity registry bound it): the identify deadline no
	 * longer applies (nor costs a timer). A connection closed while its name was being checked keeps
	 * the name in its closed state, so closing it releases the name too.
	 */
	nameAs(name: string): void {
		const state = this.stateValue;
		this.stateValue = state.kind === 'closed' ? {...state, userId: name} : {kind: 'named', userId: name};
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
		if (this.outlet) this.writer.writeFrame(this.outlet, frame, lazy);
		else this.ws.send(framePayload(frame), {binary: false});
	}

	/** Answer a bad request; the connection stays open. */
	error(code: ErrorCode, error: string, extra: {room?: string; clientId?: string; id?: string; position?: number} = {}): void {
		this.send({type: 'error', code, error, ...extra});
	}

	/**
	 * Close with a natter close code, then make sure the socket goes even if the peer never answers.
	 * `clean`: the client said goodbye (`bye`), so it leaves at once even if the socket then drops
	 * without a close frame.
	 */
	close(code: number, reason: string, clean = false): void {
		if (this.closed) return;
		this.toClosed(clean);
		this.ws.close(code, reason);
		setTimeout(() => this.ws.terminate(), 1000).unref();
	}

	/** The socket closed (whichever side closed it). */
	socketClosed(): void {
		if (!this.closed) this.toClosed(false);
	}

	/** Drop the socket at once (no answer to the heartbeat). */
	terminate(): void {
		this.ws.terminate();
	}

	private toClosed(clean: boolean): void {
		this.stateValue = {kind: 'closed', userId: this.userId, clean};
		this.stopIdentifyTimer();
	}

	/** Whether `sub` is still this connection's current subscription (not replaced or dropped). */
	holds(sub: Subscription): boolean {
		return sub.name === undefined ? this.subs.get(sub.key) === sub : this.named.get(sub.key)?.get(sub.name) === sub;
	}

	/** Whether the connection listens to `key` in any way (a room subscription or a named one). */
	listens(key: string): boolean {
		return this.subs.has(key) || (this.named.get(key)?.size ?? 0) > 0;
	}

	/** The named subscriptions: engine key -> name -> subscription. */
	get named(): ReadonlyMap<string, ReadonlyMap<string, Subscription>> {
		return this.views;
	}

	/** Add (or replace) the named subscription `sub` (one with a name), and return it. */
	addView(sub: Subscription): Subscription {
		if (sub.name === undefined) throw new TypeError('addView takes a named subscription');
		if (this.views === NO_VIEWS) this.views = new Map();
		const named = this.views as Map<string, Map<string, Subscription>>;
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
		const views = this.views.get(sub.key) as Map<string, Subscription> | undefined;
		if (sub.name === undefined || !views || views.get(sub.name) !== sub) return false;
		views.delete(sub.name);
		if (views.size === 0) (this.views as Map<string, unknown>).delete(sub.key);
		return true;
	}

	/** Forget every named subscription (the connection closed). */
	dropViews(): void {
		this.views = NO_VIEWS;
	}

	/** Cork the socket for the rest of this event-loop turn: the turn's frames leave in one write. */
	private hold(): void {
		if (this.outlet) this.writer.hold(this.outlet);
	}

	/** A goodbye the client asked for (bye) or a normal close code. */
	static isCleanClose(code: number): boolean {
		return code === CloseCode.normal || code === CloseCode.goingAway;
	}
}
