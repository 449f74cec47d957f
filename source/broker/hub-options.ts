import type {FrameLimits} from '../protocol/parse-client-frame.js';
import type {Engine} from './engines/engine.js';
import type {NameKeepOptions} from './name-keys.js';
import type {SocketWriter} from './socket-writer.js';

/** What the hub needs from the broker that owns it. */
export type HubOptions = {
	nodeId: string;
	engine: Engine;
	frameLimits: FrameLimits;
	/** How long a dropped connection's presence and name linger, waiting for it to resume (ms). */
	graceMs: number;
	/** Unsent bytes a connection may pile up before it is cut off as a slow consumer. */
	maxBufferedBytes: number;
	/** Broker's ping interval, told to clients in `welcome`. */
	heartbeatMs: number;
	/** Whoever presents this key in `hello` is an admin (the hosting TUI of `--serve`). */
	adminKey?: string;
	serverName: string;
	log: (line: string) => void;
	/** The broker's cork scheduler: when frames written to its connections' sockets leave. */
	writer: SocketWriter;
	/** The largest frame the socket accepts (bytes; larger closes 1009): told to clients in `welcome.limits`. */
	maxPayload?: number;
	/** Per-connection rate limit and how long a connection may stay unnamed. */
	limits?: {rate: number; burst: number; floodGraceMs: number; identifyTimeoutMs: number};
	/** Authenticated mode: publish, history and who need membership of the room (admins excepted). */
	requireMembership?: boolean;
	/** Open mode keeps each name for its first user with a per-name key (see NameKeys); absent: names are not kept. */
	keepNames?: NameKeepOptions;
	/** Counter hooks for /metrics (see metrics.ts); optional so embedders and tests need none. */
	counters?: {published(): void; delivered(): void; slowConsumer(): void};
};

/** An identity proven at the handshake (a verified JWT); frames cannot change it. */
export type TrustedIdentity = {userId: string; admin: boolean};
