import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import type {AddressInfo, Socket} from 'node:net';
import type {Duplex} from 'node:stream';
import {WebSocketServer, type WebSocket} from 'ws';
import {DEFAULT_FRAME_LIMITS, type FrameLimits} from '../protocol/parse-client-frame.js';
import {BROKER_DEFAULTS} from './broker-defaults.js';
import {trustedProxies} from './client-address.js';
import {DEFAULT_ENGINE_OPTIONS, type Engine} from './engines/engine.js';
import {HandshakeGate, refuseUpgrade} from './handshake-gate.js';
import {Hub} from './hub.js';
import {newEpoch, newToken} from './ids.js';
import {createMemoryEngine} from './engines/memory/memory-engine.js';
import {answerHttp, loadMetrics, NO_COUNTERS} from './broker-http.js';
import {VERSION} from '../version.js';
import {SocketWriter} from './socket-writer.js';
import {wsUrl} from './ws-url.js';
import {defined} from '../defined.js';

/** Everything a broker can be told; every field has a default. */
export type BrokerOptions = {
	/** Port to listen on (0 picks a free one). Ignored with `server`. Default 8080. */
	port?: number;
	/** Interface to listen on. Default: all interfaces, as the seed does. */
	host?: string;
	/** Attach to an existing HTTP server instead of listening. */
	server?: Server;
	/**
	 * Where state lives; default a fresh memory engine built from `historySize`, `historyTtl` and
	 * `maxHistoryBytes`. An engine brings its own limits: passing it with any of those throws a
	 * TypeError rather than ignoring them.
	 */
	engine?: Engine;
	/** Memory engine's history size per room (seed exercise 1). Default DEFAULT_ENGINE_OPTIONS (100). Not with `engine`. */
	historySize?: number;
	/** Memory engine's history TTL in seconds; 0 = no TTL. Not with `engine`. */
	historyTtl?: number;
	/** Largest accepted frame in bytes; larger ones close the connection with 1009. Default 64 KiB. */
	maxPayload?: number;
	/** Ping interval in ms; a connection that misses a pong is terminated. Default 15000. */
	heartbeatMs?: number;
	/** How long an abnormally dropped connection's presence lingers for a resume, in ms. Default 5000. */
	graceMs?: number;
	/**
	 * Open mode: a name stays its first user's (who presents the key `welcome` issued) until it
	 * has gone unused this many days; 0 keeps no names. Ignored with `secret`. Default 30.
	 */
	keepNamesDays?: number;
	/** Open mode: names kept at most; past it new names are used unkept. Default 100,000. */
	maxKeptNames?: number;
	/** Unsent bytes per connection before it is cut off as a slow consumer (close 4009). Default 4 MiB. */
	maxBufferedBytes?: number;
	/** Memory engine's bound on all the history it keeps, in bytes. Default 256 MiB. Not with `engine`. */
	maxHistoryBytes?: number;
	/** Key that makes a `hello` an admin; default a random one (see `Broker.adminKey`). */
	adminKey?: string;
	/** HS256 secret: every connection must present `Authorization: Bearer <jwt>` (see SECURITY.md). */
	secret?: string;
	/** Frames per second per connection (default 20) and the burst it may save up (default 50). */
	rate?: number;
	burst?: number;
	/** How long a connection may keep exceeding the rate before it is closed with 4008, in ms. Default 5000. */
	floodGraceMs?: number;
	/** A connection that has not named itself after this long is closed with 4000 (ms; 0 = never). Default 30000. */
	identifyTimeoutMs?: number;
	/**
	 * Connections per client address, counted from TCP accept to close (on a shared `server`, from
	 * the upgrade); more are refused with HTTP 429. Default 256.
	 */
	maxConnectionsPerIp?: number;
	/**
	 * Sockets per address still short of a WebSocket (slow or unfinished requests); more are
	 * dropped at accept. Default a quarter of `maxConnectionsPerIp`, at least 64: an address
	 * allowed many connections (a NAT, a load test) also opens them in bursts.
	 */
	maxHalfOpenPerIp?: number;
	/** Time for a request's headers to arrive (HTTP 408 after), in ms. Own server only. Default 5000. */
	headersTimeoutMs?: number;
	/** A socket that has not become a WebSocket this long after accept is closed, in ms. Own server only. Default 10000. */
	upgradeTimeoutMs?: number;
	/**
	 * Proxies whose `X-Forwarded-For` names the client for the per-address limits: addresses,
	 * CIDR ranges, or `loopback` / `linklocal` / `uniquelocal`. Default none (the socket's address counts).
	 */
	trustProxy?: string[];
	/** Browser origins allowed to connect ('*' = any); requests without Origin always pass. Default none. */
	allowOrigins?: string[];
	/** Enable permessage-deflate (maxPayload bounds the inflated size). Default off. */
	compress?: boolean;
	frameLimits?: Partial<FrameLimits>;
	log?: (line: string) => void;
};

/** A running broker. */
export type Broker = {
	/** A URL a local client can connect to (wildcard hosts become 127.0.0.1). */
	readonly url: string;
	readonly port: number;
	readonly host: string;
	/** Present in `hello.adminKey` to act as admin (the hosting TUI does). */
	readonly adminKey: string;
	readonly engine: Engine;
	/** Live numbers: connections and rooms on this node. */
	stats(): {connections: number; rooms: number};
	/** Close every connection (1001), stop listening, close the engine. */
	close(): Promise<void>;
};

/** Errors a caller can tell apart (`code`), with a message fit for a person. */
export class BrokerStartError extends Error {
	constructor(
		message: string,
		readonly code: 'port_in_use' | 'permission_denied' | 'bad_host' | 'listen_failed',
	) {
		super(message);
		this.name = 'BrokerStartError';
	}
}

/** The options that build the memory engine, so they make no sense next to an `engine`. */
const MEMORY_ENGINE_OPTIONS = ['historySize', 'historyTtl', 'maxHistoryBytes'] as const;

/**
 * Start a broker: `createBroker({port, host})` listens on its own HTTP server, `createBroker({server})`
 * shares one. Resolves once it accepts connections. Throws a TypeError, before anything starts,
 * when `engine` comes with options that only build the memory engine (they would be ignored).
 */
export async function createBroker(options: BrokerOptions = {}): Promise<Broker> {
	const log = options.log ?? (() => {});
	// Checked first, so a conflict throws before anything is built or listens.
	const memory = memoryEngineOptions(options);
	const engine = options.engine ?? createMemoryEngine(memory);
	const heartbeatMs = options.heartbeatMs ?? BROKER_DEFAULTS.heartbeatMs;
	const maxPayload = options.maxPayload ?? BROKER_DEFAULTS.maxPayload;
	const adminKey = options.adminKey ?? newToken();
	// The gauges read the hub when scraped, by then long constructed.
	const metrics = await loadMetrics(() => hub.stats(), log);
	const hub = new Hub({
		nodeId: newEpoch(),
		engine,
		frameLimits: {...DEFAULT_FRAME_LIMITS, ...options.frameLimits},
		graceMs: options.graceMs ?? BROKER_DEFAULTS.graceMs,
		maxBufferedBytes: options.maxBufferedBytes ?? BROKER_DEFAULTS.maxBufferedBytes,
		heartbeatMs,
		adminKey,
		serverName: `natter/${VERSION}`,
		log,
		// This broker's own cork scheduler: brokers sharing a process share no write state.
		writer: new SocketWriter(),
		counters: metrics ?? NO_COUNTERS,
		maxPayload,
		limits: {
			rate: options.rate ?? BROKER_DEFAULTS.rate,
			burst: options.burst ?? BROKER_DEFAULTS.burst,
			floodGraceMs: options.floodGraceMs ?? BROKER_DEFAULTS.floodGraceMs,
			identifyTimeoutMs: options.identifyTimeoutMs ?? BROKER_DEFAULTS.identifyTimeoutMs,
		},
		requireMembership: options.secret !== undefined,
		// A token proves every name under --secret; open mode proves a name with its key.
		...(options.secret === undefined && (options.keepNamesDays ?? BROKER_DEFAULTS.keepNamesDays) > 0
			? {
					keepNames: {
						keepMs: (options.keepNamesDays ?? BROKER_DEFAULTS.keepNamesDays) * 24 * 3600 * 1000,
						maxKept: options.maxKeptNames ?? BROKER_DEFAULTS.maxKeptNames,
					},
				}
			: {}),
	});
	const maxConnectionsPerIp = options.maxConnectionsPerIp ?? BROKER_DEFAULTS.maxConnectionsPerIp;
	const gate = new HandshakeGate({
		...defined({secret: options.secret}),
		allowOrigins: options.allowOrigins ?? [],
		maxConnectionsPerIp,
		maxHalfOpenPerIp: options.maxHalfOpenPerIp ?? Math.max(64, Math.ceil(maxConnectionsPerIp / 4)),
		upgradeTimeoutMs: options.upgradeTimeoutMs ?? 10_000,
		proxies: trustedProxies(options.trustProxy ?? []),
	});
	// After the hub's listener, so it times the whole local fan-out.
	metrics?.observe(engine);

	const ownServer = options.server === undefined;
	const headersTimeout = options.headersTimeoutMs ?? 5000;
	// Short timeouts against slowloris; the check interval must be short too, or Node enforces
	// them only every 30 s. A shared server keeps its owner's settings.
	const server =
		options.server ??
		createServer({headersTimeout, requestTimeout: 2 * headersTimeout, connectionsCheckingInterval: Math.min(1000, headersTimeout)});
	const onRequest = (request: IncomingMessage, response: ServerResponse): void => {
		void answerHttp(request, response, engine, metrics);
	};
	// Counted from accept, so a socket that never finishes its request holds a slot too.
	const onConnection = (socket: Socket): void => gate.accept(socket);
	if (ownServer) {
		server.on('request', onRequest);
		server.on('connection', onConnection);
	}

	const wss = new WebSocketServer({
		noServer: true,
		maxPayload,
		// Compression stays off unless asked for: it costs CPU per frame and invites decompression
		// bombs; when on, ws applies maxPayload to the inflated message.
		perMessageDeflate: options.compress ? {threshold: 1024, concurrencyLimit: 4} : false,
		// The hub tracks its connections (and closes them on close()); ws's own tracking would keep
		// a second set of every socket and a 'close' listener per socket (issue 21: memory per idle connection).
		clientTracking: false,
	});
	// Every upgrade passes the gate (origin, per-address limit, token) before a WebSocket exists.
	// The gate's slot belongs to the socket, not to the WebSocket: it is given back when the
	// socket closes, also when ws refuses the request (no Sec-WebSocket-Key, Upgrade: h2c).
	const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
		socket.on('error', destroySocket);
		gate.admit(request).then(
			verdict => {
				// The client may have left while its token was checked; its slot went with the socket.
				if (socket.destroyed) return;
				if (!verdict.ok) {
					refuseUpgrade(socket, verdict.status, verdict.reason);
					return;
				}
				const {ip, identity} = verdict;
				wss.handleUpgrade(request, socket, head, (ws: WebSocket) => {
					gate.upgraded(socket);
					// The request's socket is the one ws frames on (ws keeps its own reference private).
					hub.attach(ws, request.socket, ip, identity);
				});
			},
			() => socket.destroy(),
		);
	};
	server.on('upgrade', onUpgrade);

	if (ownServer) await listen(server, options.port ?? BROKER_DEFAULTS.port, options.host);
	const address = server.address() as AddressInfo;
	const host = address.address;

	const heartbeat = setInterval(() => hub.heartbeat.tick(), hub.heartbeat.tickMs);
	heartbeat.unref();

	let closed: Promise<void> | undefined;
	return {
		url: wsUrl(host, address.port, '127.0.0.1'),
		port: address.port,
		host,
		adminKey,
		engine,
		stats: () => hub.stats(),
		close() {
			closed ??= (async () => {
				clearInterval(heartbeat);
				hub.close();
				server.off('upgrade', onUpgrade);
				await new Promise<void>(resolve => wss.close(() => resolve()));
				if (ownServer) {
					server.off('request', onRequest);
					server.off('connection', onConnection);
					server.closeAllConnections?.();
					await new Promise<void>(resolve => server.close(() => resolve()));
				}
				await engine.close();
			})();
			return closed;
		},
	};
}

/**
 * The memory engine's options from a broker's, or a TypeError when an engine was passed too: its
 * limits are its own, and silently dropping `historySize` would keep 100 messages where the caller
 * asked for 10 000 (ws refuses conflicting options the same way).
 */
function memoryEngineOptions(options: BrokerOptions): {historySize: number; historyTtl: number; maxHistoryBytes: number} {
	if (options.engine !== undefined) {
		const given = MEMORY_ENGINE_OPTIONS.filter(name => options[name] !== undefined);
		if (given.length > 0) {
			throw new TypeError(
				`createBroker takes an engine or the options to build one, not both: ${given.join(', ')} would be ignored; give them to the engine instead`,
			);
		}
	}
	return {
		historySize: options.historySize ?? DEFAULT_ENGINE_OPTIONS.historySize,
		historyTtl: options.historyTtl ?? DEFAULT_ENGINE_OPTIONS.historyTtl,
		maxHistoryBytes: options.maxHistoryBytes ?? DEFAULT_ENGINE_OPTIONS.maxHistoryBytes,
	};
}

function listen(server: Server, port: number, host: string | undefined): Promise<void> {
	return new Promise((resolve, reject) => {
		const onError = (error: NodeJS.ErrnoException): void => {
			server.off('listening', onListening);
			const where = `${host ?? '*'}:${port}`;
			if (error.code === 'EADDRINUSE') reject(new BrokerStartError(`port ${port} is already in use (${where}); pick another with --port`, 'port_in_use'));
			else if (error.code === 'EACCES') reject(new BrokerStartError(`no permission to listen on ${where}; ports below 1024 need privileges`, 'permission_denied'));
			else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') reject(new BrokerStartError(`cannot listen on host ${host}: no such local address`, 'bad_host'));
			else reject(new BrokerStartError(`cannot listen on ${where}: ${error.message}`, 'listen_failed'));
		};
		const onListening = (): void => {
			server.off('error', onError);
			resolve();
		};
		server.once('error', onError);
		server.once('listening', onListening);
		server.listen(port, host);
	});
}

// The listeners a connection keeps for its lifetime are made outside onUpgrade: a closure made
// inside it would keep the upgrade's whole scope alive with it (V8 shares one context between a
// scope's closures), and with it the HTTP request, its headers and the head buffer, for as long
// as the connection lasts (bench: capacity).
function destroySocket(this: Duplex): void {
	this.destroy();
}

