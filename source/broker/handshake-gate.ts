import type {IncomingMessage} from 'node:http';
import type {Duplex} from 'node:stream';
import {verifyToken} from '../auth/tokens.js';
import type {TrustedProxies} from './client-address.js';
import {normalizeAddress} from './client-address.js';
import type {TrustedIdentity} from './hub-options.js';
import {defined} from '../defined.js';

/** Who may open a WebSocket at all, decided before the upgrade completes. */
export type GateOptions = {
	/** HS256 secret: when set, a valid `Authorization: Bearer <jwt>` is required. */
	secret?: string;
	/** Browser origins allowed ('*' = any). Requests without an Origin header (non-browser clients) always pass. */
	allowOrigins: readonly string[];
	/** Sockets per client address, from TCP accept (or the upgrade, on a shared server) to close. */
	maxConnectionsPerIp: number;
	/** Sockets per address that have not finished a WebSocket upgrade; more are dropped at accept. */
	maxHalfOpenPerIp: number;
	/** A socket that has not upgraded this long after accept is destroyed, in ms. */
	upgradeTimeoutMs: number;
	/** Proxies whose X-Forwarded-For names the client. */
	proxies: TrustedProxies;
};

export type GateResult =
	| {ok: true; ip: string; identity?: TrustedIdentity}
	| {ok: false; status: 401 | 403 | 429; reason: string};

/** What the gate knows of one socket, from accept (or its upgrade) until it closes. */
/**
 * Every field is always present (undefined when unset) and none is ever deleted: one shape for
 * every socket's record, and no record falls into V8's slower, larger dictionary mode (a
 * `delete` of any but the last-added property does that), which all open connections keep.
 */
type SocketState = {
	/** The client address whose slot this socket holds. */
	slot: string | undefined;
	/** The peer address it counts against as half-open, until it upgrades or closes. */
	halfOpen: string | undefined;
	/** Accepted over its address's limit: kept only to be answered 429 when its request arrives. */
	overLimit: boolean;
	timer: NodeJS.Timeout | undefined;
};

/**
 * The handshake checks and the per-address counts. A slot is taken when the TCP connection is
 * accepted (`accept`; on a shared HTTP server, at the upgrade) and given back when the socket
 * closes, whatever became of the upgrade: ws refusing it, the client leaving while its token
 * was checked, a refusal here. Until it upgrades a socket is half-open: those are capped per
 * address and destroyed after `upgradeTimeoutMs`, so slow or never-finished requests cannot
 * use up the process's file descriptors.
 *
 * Checks run in order of cost: browser origin (cross-site WebSocket hijacking), the per-address
 * limit, then the token. A refusal is an HTTP status, so a refused client never gets a
 * WebSocket to probe.
 */
export class HandshakeGate {
	private readonly slots = new Map<string, number>();
	private readonly halfOpen = new Map<string, number>();
	private readonly sockets = new WeakMap<Duplex, SocketState>();
	// One listener for every socket: a closure per socket would cost memory per connection.
	private readonly onClose: (this: Duplex) => void;
	private readonly onExpire: (socket: Duplex) => void;

	constructor(private readonly options: GateOptions) {
		// eslint-disable-next-line @typescript-eslint/no-this-alias
		const gate = this;
		this.onClose = function (this: Duplex) {
			gate.forget(this);
		};
		this.onExpire = socket => {
			if (this.sockets.get(socket)?.halfOpen !== undefined) socket.destroy();
		};
	}

	/**
	 * A TCP connection was accepted (the HTTP server's `connection` event). From a proxy that is
	 * not trusted, it takes its address's slot now; over the half-open cap it is destroyed at once.
	 */
	accept(socket: Duplex & {remoteAddress?: string | undefined}): void {
		const raw = socket.remoteAddress;
		if (raw === undefined) {
			socket.destroy();
			return;
		}
		const state: SocketState = {slot: undefined, halfOpen: undefined, overLimit: false, timer: undefined};
		// A trusted proxy carries many clients: they are counted at the upgrade, by X-Forwarded-For.
		if (!this.options.proxies.trusts(raw)) {
			const peer = normalizeAddress(raw);
			if ((this.halfOpen.get(peer) ?? 0) >= this.options.maxHalfOpenPerIp) {
				socket.destroy();
				return;
			}
			increment(this.halfOpen, peer);
			state.halfOpen = peer;
			if ((this.slots.get(peer) ?? 0) < this.options.maxConnectionsPerIp) {
				increment(this.slots, peer);
				state.slot = peer;
			} else {
				state.overLimit = true;
			}
		}
		state.timer = setTimeout(this.onExpire, this.options.upgradeTimeoutMs, socket);
		state.timer.unref();
		this.sockets.set(socket, state);
		socket.once('close', this.onClose);
	}

	/** Decide on an upgrade request. An admitted socket keeps its slot until it closes. */
	async admit(request: IncomingMessage): Promise<GateResult> {
		// Version 8 of the protocol (hybi-08) names the page's origin Sec-WebSocket-Origin; ws accepts it.
		for (const origin of [request.headers.origin, request.headers['sec-websocket-origin']]) {
			if (typeof origin === 'string' && !this.options.allowOrigins.includes('*') && !this.options.allowOrigins.includes(origin)) {
				return {ok: false, status: 403, reason: `origin ${origin} is not allowed (see --allow-origin)`};
			}
		}
		const socket = request.socket;
		let state = this.sockets.get(socket);
		if (state === undefined) {
			// A shared HTTP server: the broker never saw the accept, so the count starts here.
			if (socket.destroyed) return {ok: false, status: 429, reason: 'the connection closed during its handshake'};
			state = {slot: undefined, halfOpen: undefined, overLimit: false, timer: undefined};
			this.sockets.set(socket, state);
			socket.once('close', this.onClose);
		}
		const ip = this.options.proxies.clientOf(request);
		const tooMany = {ok: false, status: 429, reason: `too many connections from ${ip} (see --max-conns-per-ip)`} as const;
		if (state.overLimit) return tooMany;
		if (state.slot === undefined) {
			// Taken before the token is checked (which awaits), so concurrent handshakes cannot overshoot.
			if ((this.slots.get(ip) ?? 0) >= this.options.maxConnectionsPerIp) return tooMany;
			increment(this.slots, ip);
			state.slot = ip;
		}
		let identity: TrustedIdentity | undefined;
		if (this.options.secret !== undefined) {
			const header = request.headers.authorization ?? '';
			const match = /^Bearer\s+(\S+)$/i.exec(header);
			if (!match) return {ok: false, status: 401, reason: 'this broker requires a token: Authorization: Bearer <jwt> (natter --token)'};
			const verified = await verifyToken(this.options.secret, match[1]!);
			if (!verified.ok) return {ok: false, status: 401, reason: verified.reason};
			identity = verified.identity;
		}
		return {ok: true, ip, ...defined({identity})};
	}

	/** The socket became a WebSocket: it is no longer half-open (its slot stays until it closes). */
	upgraded(socket: Duplex): void {
		const state = this.sockets.get(socket);
		if (state === undefined) return;
		clearTimeout(state.timer);
		// What stays for the connection's lifetime is only its slot: no timer, no half-open mark.
		state.timer = undefined;
		if (state.halfOpen !== undefined) decrement(this.halfOpen, state.halfOpen);
		state.halfOpen = undefined;
	}

	private forget(socket: Duplex): void {
		const state = this.sockets.get(socket);
		if (state === undefined) return;
		this.sockets.delete(socket);
		clearTimeout(state.timer);
		if (state.halfOpen !== undefined) decrement(this.halfOpen, state.halfOpen);
		if (state.slot !== undefined) decrement(this.slots, state.slot);
	}
}

function increment(counts: Map<string, number>, key: string): void {
	counts.set(key, (counts.get(key) ?? 0) + 1);
}

function decrement(counts: Map<string, number>, key: string): void {
	const count = (counts.get(key) ?? 1) - 1;
	if (count <= 0) counts.delete(key);
	else counts.set(key, count);
}

const STATUS_TEXT = {401: 'Unauthorized', 403: 'Forbidden', 429: 'Too Many Requests'} as const;

/** Answer a refused upgrade with a plain HTTP response and drop the socket. */
export function refuseUpgrade(socket: Duplex, status: 401 | 403 | 429, reason: string): void {
	if (socket.destroyed) return;
	const body = `${reason}\n`;
	socket.end(
		`HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
	);
	socket.once('finish', () => socket.destroy());
}
