import WebSocket from 'ws';
import {backoffDelay} from './backoff.js';
import {LinkProbe} from './link-probe.js';
import type {ConnectionStatus} from './types.js';

/** How long an online link must last before the backoff starts again from its minimum. */
const STABLE_MS = 10_000;
/** How long after the last key the user counts as active (short reconnect waits). */
const ACTIVE_MS = 60_000;

/** What a link is told to connect with. */
export type BrokerLinkOptions = {
	/** Brokers to try, in turn: a failure moves on to the next. */
	urls: string[];
	/** Sent as `Authorization: Bearer …` in the handshake. */
	token?: string;
	minBackoffMs: number;
	maxBackoffMs: number;
	/** The longest wait while the user is active (see markActive). */
	activeBackoffMs: number;
	/** The link probe's ping interval (see LinkProbe). */
	pingMs: number;
};

/** What a link reports to the client that owns it. */
export type BrokerLinkHandlers = {
	/** The link's own states: connecting, reconnecting (with why and when) and auth_failed. */
	status(next: Extract<ConnectionStatus, {state: 'connecting' | 'reconnecting' | 'auth_failed'}>): void;
	/** A socket opened: say hello and subscribe (the link probe has just started). */
	open(): void;
	/** A text frame arrived. */
	frame(text: string): void;
	/** The probe measured the round trip (ms). */
	rtt(ms: number): void;
	/** The socket is gone (with the close code); a reconnect follows unless the link was stopped or refused. */
	down(code: number): void;
};

/**
 * The client's socket to a broker, kept for as long as the client lives: it connects, moves
 * through the URLs on failure, reconnects with exponential backoff (reset once a link has stayed
 * online for STABLE_MS), turns every failure into a reason a person can act on (refused
 * credentials, a full broker, an HTTP server, a slow-reader cut-off), and stops for good only when
 * stopped or when the broker refuses the credentials. What travels over it is the client's affair.
 */
export class BrokerLink {
	/** No more reconnects: stopped by the client, or the broker refused the credentials. */
	stopped = false;
	/** The last round trip the probe measured (ms). */
	rtt: number | undefined;
	private ws: WebSocket | undefined;
	private urlIndex = 0;
	private attempt = 0;
	private onlineSince = 0;
	private retryTimer: NodeJS.Timeout | undefined;
	/** When the pending reconnect is due, and the status that announced it. */
	private retry: {at: number; url: string; reason: string} | undefined;
	/** When the user last touched a key (see markActive). */
	private activeAt = 0;
	private readonly probe: LinkProbe;

	constructor(
		private readonly options: BrokerLinkOptions,
		private readonly on: BrokerLinkHandlers,
	) {
		this.probe = new LinkProbe(options.pingMs);
	}

	/** The broker being tried, or in use. */
	get url(): string {
		return this.options.urls[this.urlIndex % this.options.urls.length]!;
	}

	/** A socket exists (open, or still opening or closing). */
	get connected(): boolean {
		return this.ws !== undefined;
	}

	/** Send a text frame; false when no socket is open. */
	send(text: string): boolean {
		if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
		this.ws.send(text);
		return true;
	}

	/** The client is online on this socket: from now on it counts towards resetting the backoff. */
	markOnline(): void {
		this.onlineSince = Date.now();
	}

	connect(): void {
		if (this.stopped) return;
		const url = this.url;
		this.attempt++;
		this.on.status({state: 'connecting', url, attempt: this.attempt});
		const headers: Record<string, string> = {};
		if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
		let socket: WebSocket;
		try {
			socket = new WebSocket(url, {headers, handshakeTimeout: 10_000, perMessageDeflate: false});
		} catch (error) {
			this.scheduleReconnect(url, `bad address: ${(error as Error).message}`);
			return;
		}
		this.ws = socket;
		let authFailed = false;
		let failure = 'connection closed';
		/** An HTTP answer explains the failure better than the socket error that follows it. */
		let explained = false;
		socket.on('open', () => {
			if (socket !== this.ws) return;
			// The probe first: its ping goes ahead of hello (harmless) rather than behind a flushed
			// outbox, and a throwing handler cannot leave the link unwatched.
			this.probe.start(socket);
			this.on.open();
		});
		socket.on('message', (data: Buffer) => this.on.frame(data.toString('utf8')));
		socket.on('pong', () => {
			if (socket !== this.ws) return;
			this.rtt = this.probe.pong();
			this.on.rtt(this.rtt);
		});
		socket.on('unexpected-response', (_request, response) => {
			if (response.statusCode === 401 || response.statusCode === 403) {
				authFailed = true;
				failure = `the broker refused the credentials (HTTP ${response.statusCode})`;
			} else if (response.statusCode === 429) {
				failure = 'the broker refused: too many connections from this address (HTTP 429)';
			} else {
				failure = `the server answered HTTP ${response.statusCode}, not a WebSocket`;
			}
			explained = true;
			socket.terminate();
		});
		socket.on('error', (error: NodeJS.ErrnoException) => {
			if (!explained) failure = describeSocketError(error);
		});
		socket.on('close', (code: number, reason: Buffer) => {
			if (socket !== this.ws) return;
			this.ws = undefined;
			this.probe.stop();
			this.on.down(code);
			if (this.stopped) return;
			if (authFailed) {
				this.on.status({state: 'auth_failed', url, reason: failure});
				this.stopped = true;
				return;
			}
			if (code === 4009) failure = 'the broker cut us off as a slow reader; resuming';
			else if (code === 1009) failure = 'the broker closed the connection: a message was too large (1009)';
			else if (code !== 1006 && reason.length > 0) failure = `closed by the broker (${code}): ${reason.toString()}`;
			else if (code !== 1006 && code !== 1005 && !explained && failure === 'connection closed') failure = `closed by the broker (${code})`;
			this.scheduleReconnect(url, failure);
		});
	}

	/** No more reconnects (a pending one is cancelled); the socket stays until close(). */
	stop(): void {
		this.stopped = true;
		if (this.retryTimer) clearTimeout(this.retryTimer);
		this.retryTimer = undefined;
		this.retry = undefined;
	}

	/** Connect now instead of waiting out the backoff (and start the backoff over); a live socket stays. */
	retryNow(): void {
		if (this.stopped || this.ws) return;
		if (this.retryTimer) clearTimeout(this.retryTimer);
		this.retryTimer = undefined;
		this.retry = undefined;
		this.attempt = 0;
		this.connect();
	}

	/**
	 * The user is active: for the next minute no reconnect waits longer than activeBackoffMs, and
	 * a wait already longer than that is cut short, so a broker that comes back is met within
	 * seconds by the people looking at the screen (idle clients keep the long backoff).
	 */
	markActive(): void {
		this.activeAt = Date.now();
		const retry = this.retry;
		if (!retry || this.stopped || retry.at - Date.now() <= this.options.activeBackoffMs) return;
		if (this.retryTimer) clearTimeout(this.retryTimer);
		this.arm(retry.url, retry.reason, this.options.activeBackoffMs);
	}

	/**
	 * Stop, and close the socket: on an open one send `farewell` first (if given), close with 1000
	 * and wait up to 1 s for the broker's close before cutting it; any other is cut at once.
	 */
	async close(farewell?: string): Promise<void> {
		this.stop();
		const socket = this.ws;
		if (socket && socket.readyState === WebSocket.OPEN) {
			if (farewell !== undefined) socket.send(farewell);
			await new Promise<void>(resolve => {
				const timer = setTimeout(() => {
					socket.terminate();
					resolve();
				}, 1000);
				socket.once('close', () => {
					clearTimeout(timer);
					resolve();
				});
				socket.close(1000, 'bye');
			});
		} else {
			socket?.terminate();
		}
		this.ws = undefined;
		this.probe.stop();
	}

	private scheduleReconnect(url: string, reason: string): void {
		if (this.stopped) return;
		if (this.onlineSince > 0 && Date.now() - this.onlineSince > STABLE_MS) this.attempt = 0;
		this.onlineSince = 0;
		// A failure moves on to the next broker; with one URL this retries the same.
		this.urlIndex++;
		const active = Date.now() - this.activeAt < ACTIVE_MS;
		const max = active ? Math.min(this.options.maxBackoffMs, this.options.activeBackoffMs) : this.options.maxBackoffMs;
		this.arm(url, reason, backoffDelay(Math.max(1, this.attempt), Math.min(this.options.minBackoffMs, max), max));
	}

	private arm(url: string, reason: string, delay: number): void {
		this.retry = {at: Date.now() + delay, url, reason};
		this.on.status({state: 'reconnecting', url, attempt: this.attempt, retryInMs: delay, retryAt: this.retry.at, reason});
		this.retryTimer = setTimeout(() => {
			this.retryTimer = undefined;
			this.retry = undefined;
			this.connect();
		}, delay);
	}
}

function describeSocketError(error: NodeJS.ErrnoException): string {
	switch (error.code) {
		case 'ECONNREFUSED':
			return 'connection refused: is the broker running on that host and port?';
		case 'ENOTFOUND':
		case 'EAI_AGAIN':
			return 'host not found: check the address';
		case 'ETIMEDOUT':
			return 'timed out';
		case 'ECONNRESET':
			return 'connection reset';
		case 'EPROTO':
			return describeTlsProtocolError(error.message);
		default:
			if (/^(CERT_|ERR_TLS|ERR_SSL|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED)/.test(error.code ?? '')) return `TLS failed: ${error.message}`;
			return error.message || 'connection failed';
	}
}

/**
 * OpenSSL's EPROTO message is a record dump (`write EPROTO 802C…:error:0A00010B:SSL
 * routines:ssl3_get_record:wrong version number:../deps/openssl/…`): keep only its reason. The
 * usual one, `wrong version number`, means the server answered in plain text: `wss://` to a
 * broker without TLS.
 */
function describeTlsProtocolError(message: string): string {
	const reason = /SSL routines:[^:]*:([^:]+)/.exec(message)?.[1];
	if (reason === 'wrong version number') return "TLS failed: the broker does not speak TLS on that port (a plain broker's address starts with ws://)";
	return `TLS failed: ${reason ?? 'protocol error'}`;
}
