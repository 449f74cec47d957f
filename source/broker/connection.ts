import type {WebSocket} from 'ws';
import type {ChatMessage, ErrorCode, PresenceStatus, ServerFrame} from '../protocol/messages.js';
import {CloseCode} from '../protocol/messages.js';
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

let nextConnectionId = 0;

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
	/** Named subscriptions: engine key -> name -> subscription (several filtered views of a room, no presence). */
	readonly named = new Map<string, Map<string, Subscription>>();
	/** Answered the last ping. */
	alive = true;
	/** Said goodbye (`bye` or a 1000/1001 close): leave without a grace period. */
	clean = false;
	closed = false;

	constructor(
		readonly ws: WebSocket,
		readonly ip: string,
		nodeId: string,
		private readonly maxBuffered: number,
		private readonly onSlow: (connection: Connection) => void,
	) {
		this.holder = `${nodeId}/${this.id}`;
	}

	/** Send a frame; a client that lets too much pile up unread is cut off instead of growing memory. */
	send(frame: ServerFrame): void {
		this.sendRaw(JSON.stringify(frame));
	}

	/** Send already-serialised bytes (fan-out serialises once for every subscriber). */
	sendRaw(data: string | Buffer): void {
		if (this.closed) return;
		if (this.ws.bufferedAmount > this.maxBuffered) {
			this.onSlow(this);
			return;
		}
		this.ws.send(data);
	}

	/** Answer a bad request; the connection stays open. */
	error(code: ErrorCode, error: string, extra: {room?: string; clientId?: string; position?: number} = {}): void {
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

	/** A goodbye the client asked for (bye) or a normal close code. */
	static isCleanClose(code: number): boolean {
		return code === CloseCode.normal || code === CloseCode.goingAway;
	}
}
