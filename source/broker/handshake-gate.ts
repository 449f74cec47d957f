import type {IncomingMessage} from 'node:http';
import type {Duplex} from 'node:stream';
import {verifyToken} from '../auth/tokens.js';
import type {TrustedIdentity} from './hub.js';

/** Who may open a WebSocket at all, decided before the upgrade completes. */
export type GateOptions = {
	/** HS256 secret: when set, a valid `Authorization: Bearer <jwt>` is required. */
	secret?: string;
	/** Browser origins allowed ('*' = any). Requests without an Origin header (non-browser clients) always pass. */
	allowOrigins: readonly string[];
	maxConnectionsPerIp: number;
};

export type GateResult =
	| {ok: true; ip: string; identity?: TrustedIdentity}
	| {ok: false; status: 401 | 403 | 429; reason: string};

/**
 * The handshake checks, in order of cost: browser origin (cross-site WebSocket hijacking),
 * connections per address, then the token. A refusal is an HTTP status, so a refused client
 * never gets a WebSocket to probe.
 */
export class HandshakeGate {
	private readonly perIp = new Map<string, number>();

	constructor(private readonly options: GateOptions) {}

	/** Decide on an upgrade request; an admitted one counts against its address until `release`. */
	async admit(request: IncomingMessage): Promise<GateResult> {
		const origin = request.headers.origin;
		if (origin !== undefined && !this.options.allowOrigins.includes('*') && !this.options.allowOrigins.includes(origin)) {
			return {ok: false, status: 403, reason: `origin ${origin} is not allowed (see --allow-origin)`};
		}
		const ip = request.socket.remoteAddress ?? '';
		if ((this.perIp.get(ip) ?? 0) >= this.options.maxConnectionsPerIp) {
			return {ok: false, status: 429, reason: `too many connections from ${ip}`};
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
		// Counted only once admitted, and re-checked: the token check awaited, others may have come in.
		const count = this.perIp.get(ip) ?? 0;
		if (count >= this.options.maxConnectionsPerIp) return {ok: false, status: 429, reason: `too many connections from ${ip}`};
		this.perIp.set(ip, count + 1);
		return {ok: true, ip, ...(identity === undefined ? {} : {identity})};
	}

	/** An admitted connection from `ip` closed. */
	release(ip: string): void {
		const count = (this.perIp.get(ip) ?? 1) - 1;
		if (count <= 0) this.perIp.delete(ip);
		else this.perIp.set(ip, count);
	}
}

const STATUS_TEXT = {401: 'Unauthorized', 403: 'Forbidden', 429: 'Too Many Requests'} as const;

/** Answer a refused upgrade with a plain HTTP response and drop the socket. */
export function refuseUpgrade(socket: Duplex, status: 401 | 403 | 429, reason: string): void {
	const body = `${reason}\n`;
	socket.end(
		`HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
	);
	socket.once('finish', () => socket.destroy());
}
