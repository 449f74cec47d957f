import {timingSafeEqual} from 'node:crypto';
import type {WebSocket} from 'ws';
import {CloseCode, type ChatMessage, type ClientFrame, type UnreadDirect} from '../protocol/messages.js';
import {parseClientFrame, type FrameLimits} from '../protocol/parse-client-frame.js';
import {directParties, isDirectRoom} from '../protocol/names.js';
import {Connection} from './connection.js';
import type {Engine} from './engines/engine.js';
import {Fanout} from './fanout.js';
import {RateGuard} from './rate-guard.js';
import {IdentityRegistry} from './identity-registry.js';
import {NameKeys, type NameClaim, type NameKeepOptions} from './name-keys.js';
import {filterTimeLeft, presenceEvent, Subscriptions} from './subscriptions.js';
import {historyFrames} from './history-frames.js';
import {setTopic} from './set-topic.js';

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

/**
 * How often the heartbeat pings a slice of the connections. Pinging every connection in one turn
 * is one write per socket, and as many pongs come back right after: beside 10,000 connections a
 * live room stalled for about a quarter of a second every interval (bench: capacity). So the
 * interval is cut into ticks of about this length, each pinging the connections whose id falls
 * in its slice; every connection is still pinged once per interval.
 */
export const HEARTBEAT_TICK_MS = 250;

/** An identity proven at the handshake (a verified JWT); frames cannot change it. */
export type TrustedIdentity = {userId: string; admin: boolean};

/**
 * The hub tracks this node's connections and which rooms they listen to, turns client frames
 * into engine calls, and fans engine events out to local sockets. All shared state lives in
 * the engine, so several hubs (nodes) on one engine behave as one broker.
 */
export class Hub {
	readonly connections = new Set<Connection>();
	private readonly identities = new IdentityRegistry();
	private readonly nameKeys: NameKeys | undefined;
	private readonly fanout: Fanout;
	private readonly subscriptions: Subscriptions;
	private readonly graceTimers = new Set<NodeJS.Timeout>();
	private closing = false;
	/** Heartbeat slices per interval (one per tick), and the tick that comes next. */
	private readonly slices: number;
	private tick = 0;
	/** How often to call heartbeat(): the interval over the number of slices. */
	readonly heartbeatTickMs: number;

	constructor(private readonly options: HubOptions) {
		this.nameKeys = options.keepNames && new NameKeys(options.engine.nameKeys, options.keepNames);
		this.fanout = new Fanout(options.engine, this.identities, options.log, options.counters);
		this.slices = Math.max(1, Math.round(options.heartbeatMs / HEARTBEAT_TICK_MS));
		this.heartbeatTickMs = options.heartbeatMs / this.slices;
		this.subscriptions = new Subscriptions(options.engine, this.fanout, {
			maxFilter: options.frameLimits.maxFilter,
			isClosing: () => this.closing,
			log: options.log,
		});
	}

	/** Take over a freshly accepted socket. */
	attach(ws: WebSocket, ip: string, trusted?: TrustedIdentity): Connection {
		const connection = new Connection(ws, ip, this.options.nodeId, this.options.maxBufferedBytes, slow => {
			this.options.log(`slow consumer ${slow.userId ?? slow.id} cut off`);
			this.options.counters?.slowConsumer();
			slow.close(4009, 'slow consumer: resume from your last sequence');
		});
		this.connections.add(connection);
		if (trusted) {
			this.identities.bind(connection, trusted.userId, undefined, true);
			connection.admin = trusted.admin;
			this.background(`watch @${trusted.userId}`, this.options.engine.watch(`@${trusted.userId}`));
		}
		const limits = this.options.limits;
		const guard = limits ? new RateGuard(limits.rate, limits.burst, limits.floodGraceMs) : undefined;
		if (limits && limits.identifyTimeoutMs > 0 && !trusted) {
			connection.requireNameWithin(limits.identifyTimeoutMs, () => connection.close(CloseCode.handshakeTimeout, `name yourself within ${limits.identifyTimeoutMs / 1000} s`));
		}
		// One frame at a time per connection, in arrival order, even when a handler awaits the engine.
		let chain: Promise<void> = Promise.resolve();
		ws.on('message', (data: Buffer, isBinary: boolean) => {
			// Judged on arrival, before queueing, so a flood cannot pile up work behind the chain.
			const verdict = guard?.check() ?? 'accept';
			if (verdict === 'disconnect') {
				this.options.log(`flooding: ${connection.userId ?? connection.id} disconnected`);
				connection.close(CloseCode.rateLimited, 'too many frames for too long');
				return;
			}
			if (verdict === 'refuse') {
				// Name the refused publish, so the sender's outbox knows what to send again.
				const ref = refusedRef(data, isBinary);
				connection.error('rate_limited', `rate limit: at most ${limits!.rate} frames a second (bursts of ${limits!.burst}); this one was dropped`, ref);
				return;
			}
			chain = chain.then(() => this.handleRaw(connection, data, isBinary)).catch(error => this.failed('a frame', error));
		});
		ws.on('pong', () => {
			connection.alive = true;
		});
		ws.on('close', (code: number) => {
			connection.stopIdentifyTimer();
			// A failed cleanup (the engine is down) is logged; a rejection left here would end the process.
			chain = chain.then(() => this.handleClose(connection, code)).catch(error => this.failed('a close', error));
		});
		ws.on('error', () => {
			// 'close' follows every socket error; the close handler cleans up.
		});
		return connection;
	}

	/**
	 * One heartbeat tick (call every heartbeatTickMs): ping this tick's slice of the connections,
	 * and terminate those of them that did not answer their previous ping, one interval ago.
	 */
	heartbeat(): void {
		const slice = this.tick++ % this.slices;
		for (const connection of this.connections) {
			if (connection.id % this.slices !== slice) continue;
			if (!connection.alive) {
				this.options.log(`heartbeat timeout: ${connection.userId ?? connection.id}`);
				connection.ws.terminate();
				continue;
			}
			connection.alive = false;
			connection.ws.ping();
		}
	}

	/** Numbers for /metrics and tests. */
	stats(): {connections: number; rooms: number} {
		return {connections: this.connections.size, rooms: this.fanout.rooms.size};
	}

	/** Stop: close every socket with 1001 and cancel grace timers. */
	close(): void {
		this.closing = true;
		for (const timer of this.graceTimers) clearTimeout(timer);
		this.graceTimers.clear();
		for (const connection of this.connections) connection.close(1001, 'broker shutting down');
	}

	// -------------------------------------------------------------------------
	// Frames
	// -------------------------------------------------------------------------

	private async handleRaw(connection: Connection, data: Buffer, isBinary: boolean): Promise<void> {
		if (connection.closed) return;
		if (isBinary) {
			connection.error('binary_frame', 'binary frames are not accepted: send JSON text frames');
			return;
		}
		const parsed = parseClientFrame(data.toString('utf8'), this.options.frameLimits);
		if (!parsed.ok) {
			connection.error(parsed.code, parsed.error, {...pick(parsed, 'room'), ...pick(parsed, 'clientId'), ...pick(parsed, 'id')});
			return;
		}
		try {
			await this.handleFrame(connection, parsed.frame);
		} catch (error) {
			this.options.log(`error handling ${parsed.frame.type}: ${(error as Error).stack ?? String(error)}`);
			const room = 'room' in parsed.frame ? parsed.frame.room : undefined;
			const clientId = parsed.frame.type === 'publish' || parsed.frame.type === 'topic' ? parsed.frame.clientId : undefined;
			const id = parsed.frame.type === 'get_history' ? parsed.frame.id : undefined;
			connection.error('unavailable', `the broker could not complete ${parsed.frame.type}: ${(error as Error).message}`, {
				...(room === undefined ? {} : {room}),
				...(clientId === undefined ? {} : {clientId}),
				...(id === undefined ? {} : {id}),
			});
		}
	}

	private async handleFrame(connection: Connection, frame: ClientFrame): Promise<void> {
		switch (frame.type) {
			case 'hello':
				return this.onHello(connection, frame.userId, frame.resume, frame.adminKey, frame.key);
			case 'subscribe':
				if (!(await this.ensureName(connection, frame.userId, frame.room))) return;
				if (frame.sub !== undefined) return this.subscriptions.subscribeNamed(connection, frame.room, frame.sub, frame.since, frame.epoch, frame.filter);
				return this.subscriptions.subscribe(connection, frame.room, frame.since, frame.epoch, frame.filter);
			case 'unsubscribe':
				if (frame.sub !== undefined) return this.subscriptions.unsubscribeNamed(connection, frame.room, frame.sub);
				return this.subscriptions.unsubscribe(connection, frame.room);
			case 'publish':
				if (!(await this.ensureName(connection, frame.sender, frame.room, frame.clientId))) return;
				if (!this.mayUse(connection, frame.room, 'publish in', frame.clientId)) return;
				return this.onPublish(connection, frame);
			case 'get_history':
				if (!(await this.ensureName(connection, undefined, frame.room, undefined, frame.id))) return;
				if (!this.mayUse(connection, frame.room, 'read the history of', undefined, frame.id)) return;
				return this.onHistory(connection, frame);
			case 'ack':
				return this.onAck(connection, frame.room, frame.sequence);
			case 'status':
				return this.onStatus(connection, frame.status, frame.reason);
			case 'clear_history':
				return this.onClearHistory(connection, frame.room);
			case 'who':
				if (!(await this.ensureName(connection, undefined, frame.room))) return;
				if (!this.mayUse(connection, frame.room, 'list the members of')) return;
				connection.send({type: 'members', room: frame.room, members: await this.options.engine.members(connection.engineKey(frame.room))});
				return;
			case 'topic':
				if (await setTopic(this.options.engine, connection, frame)) this.options.counters?.published();
				return;
			case 'bye':
				// Close from our side too: "leave at once" must not wait for a client that lingers
				// after saying goodbye. `clean` keeps it clean if the socket then drops without a close frame.
				connection.clean = true;
				connection.close(CloseCode.normal, 'bye');
				return;
		}
	}

	private async onHello(connection: Connection, userId: string, resume: string | undefined, adminKey: string | undefined, key: string | undefined): Promise<void> {
		connection.natter = true;
		if (adminKey !== undefined && this.options.adminKey !== undefined && safeEqual(adminKey, this.options.adminKey)) {
			connection.admin = true;
		}
		let issued: string | undefined;
		if (connection.userId === undefined) {
			const bound = await this.claimName(connection, userId, resume, key, true);
			if (!bound.ok) {
				connection.error('name_taken', bound.error);
				return;
			}
			issued = bound.issued;
			this.background(`watch @${userId}`, this.options.engine.watch(`@${userId}`));
		}
		// A failed read costs the list, never the welcome: the user can still /join their conversations.
		const unread = connection.userId === undefined ? [] : await this.unreadDirect(connection.userId).catch((error: unknown) => {
			this.failed(`listing ${connection.userId}'s unread direct conversations`, error);
			return [];
		});
		connection.send({
			type: 'welcome',
			userId: connection.userId!,
			resume: this.identities.token(connection.userId!)!,
			admin: connection.admin,
			heartbeat: this.options.heartbeatMs,
			server: this.options.serverName,
			...(issued === undefined ? {} : {key: issued}),
			...(this.options.limits ? {limits: {rate: this.options.limits.rate, burst: this.options.limits.burst, ...(this.options.maxPayload === undefined ? {} : {maxPayload: this.options.maxPayload}), maxContent: this.options.frameLimits.maxContent, ...this.subscriptions.caps}} : {}),
			...(unread.length === 0 ? {} : {unread}),
		});
	}

	/**
	 * The direct conversations `userId` received messages in that hold some after the user's
	 * acknowledged position (all of them without one, or in another epoch), named as the user
	 * sees them (`@cy`). Two engine reads per conversation, at most MAX_DIRECT_ROOMS of them.
	 */
	private async unreadDirect(userId: string): Promise<UnreadDirect[]> {
		const engine = this.options.engine;
		const unread: UnreadDirect[] = [];
		for (const key of await engine.directRooms.list(userId)) {
			const parties = directParties(key);
			if (!parties || !parties.includes(userId)) continue;
			const other = parties[0] === userId ? parties[1] : parties[0];
			const [state, cursor] = await Promise.all([engine.room(key), engine.getCursor(userId, key)]);
			const after = cursor !== undefined && cursor.epoch === state.epoch ? cursor.sequence : 0;
			if (state.sequence > after) unread.push({room: `@${other}`, sequence: state.sequence, after});
		}
		return unread;
	}

	/** Bind a name on first use (seed clients name themselves in subscribe or publish); false when it failed. */
	private async ensureName(connection: Connection, name: string | undefined, room: string, clientId?: string, id?: string): Promise<boolean> {
		if (connection.userId !== undefined) return true;
		const extra = {room, ...(clientId === undefined ? {} : {clientId}), ...(id === undefined ? {} : {id})};
		if (name === undefined) {
			connection.error('name_required', 'say who you are first: send hello, or subscribe with a userId', extra);
			return false;
		}
		const bound = await this.claimName(connection, name, undefined, undefined, false);
		if (!bound.ok) {
			connection.error('name_taken', bound.error, extra);
			return false;
		}
		this.background(`watch @${name}`, this.options.engine.watch(`@${name}`));
		return true;
	}

	/**
	 * Bind an untrusted connection to `name`: free on this node (or its resume token, or a seed
	 * client's reconnect), then, in open mode, not kept for someone else (NameKeys). `issue`: a
	 * `hello`, whose `welcome` can hand over a newly issued key.
	 */
	private async claimName(connection: Connection, name: string, resume: string | undefined, key: string | undefined, issue: boolean): Promise<NameClaim> {
		const refusal = this.identities.refusal(connection, name, resume);
		if (refusal !== undefined) return {ok: false, error: refusal};
		// A resume token is issued only to a connection that proved the name: it proves it again.
		const proven = !this.nameKeys || this.identities.resumes(name, resume);
		const claim: NameClaim = proven ? {ok: true} : await this.nameKeys.claim(name, key, issue);
		if (!claim.ok) return claim;
		// Another connection may have bound the name while the engine answered.
		const bound = this.identities.bind(connection, name, resume);
		if (!bound.ok) {
			if (claim.issued !== undefined) await this.nameKeys?.forget(name);
			return bound;
		}
		return claim;
	}

	/**
	 * Authenticated mode's rule: only members (and admins) may publish in, read or list a room.
	 * A direct conversation is always the connection's own, so it needs no membership.
	 */
	private mayUse(connection: Connection, room: string, action: string, clientId?: string, id?: string): boolean {
		if (!this.options.requireMembership || connection.admin || isDirectRoom(room)) return true;
		if (connection.listens(connection.engineKey(room))) return true;
		connection.error('forbidden', `join ${room} before you ${action} it`, {room, ...(clientId === undefined ? {} : {clientId}), ...(id === undefined ? {} : {id})});
		return false;
	}

	private async onPublish(connection: Connection, frame: Extract<ClientFrame, {type: 'publish'}>): Promise<void> {
		const result = await this.options.engine.publish({
			room: connection.engineKey(frame.room),
			sender: connection.userId!,
			content: frame.content,
			...(frame.data === undefined ? {} : {data: frame.data}),
			...(frame.clientId === undefined ? {} : {clientId: frame.clientId}),
			timestamp: Date.now(),
		});
		if (!result.duplicate) this.options.counters?.published();
		const recipient = isDirectRoom(frame.room) && !result.duplicate ? await this.directDelivered(connection.userId!, frame.room.slice(1), connection.engineKey(frame.room)) : undefined;
		if (frame.clientId !== undefined) {
			connection.send({
				type: 'published',
				room: frame.room,
				clientId: frame.clientId,
				id: result.message.id,
				sequence: result.message.sequence,
				timestamp: result.message.timestamp,
				duplicate: result.duplicate,
				...(recipient === undefined ? {} : {recipient}),
			});
		}
	}

	/**
	 * A direct message from `sender` to `recipient` was stored: index the conversation for the
	 * recipient (so their next `welcome.unread` names it) and say whether they can read it now:
	 * undefined when they have a connection on this node, else `offline` or, for a name nobody
	 * keeps (open mode), `unknown`.
	 */
	private async directDelivered(sender: string, recipient: string, key: string): Promise<'offline' | 'unknown' | undefined> {
		if (recipient !== sender) await this.options.engine.directRooms.note(recipient, key, Date.now());
		if (this.identities.connections(recipient).size > 0) return undefined;
		return this.nameKeys && !(await this.nameKeys.kept(recipient)) ? 'unknown' : 'offline';
	}

	private async onHistory(connection: Connection, frame: Extract<ClientFrame, {type: 'get_history'}>): Promise<void> {
		const key = connection.engineKey(frame.room);
		const filter = (frame.sub === undefined ? connection.subs.get(key) : connection.named.get(key)?.get(frame.sub))?.filter;
		if (filter && !filterTimeLeft(this.subscriptions.filterWork, connection, {room: frame.room, ...(frame.id === undefined ? {} : {id: frame.id})})) return;
		const query: {since?: number; before?: number; limit?: number} = {};
		if (frame.since !== undefined) query.since = frame.since;
		if (frame.before !== undefined) query.before = frame.before;
		if (frame.limit !== undefined) query.limit = frame.limit;
		let page = await this.options.engine.history(key, query);
		if (frame.epoch !== undefined && frame.epoch !== page.epoch && frame.since !== undefined) {
			page = await this.options.engine.history(key, {...query, since: 0});
		}
		const wire = frame.room;
		// Each side names a DM after the other party.
		const messages = key === wire ? page.messages : page.messages.map(m => ({...m, room: wire}));
		let reply: {messages: ChatMessage[]; through?: number | undefined} = {messages};
		if (filter) {
			// In slices, between other work (see FilterScheduler): a page can take a second of filtering.
			const verdicts = await this.subscriptions.filterWork.judge(connection, filter, messages, () => connection.closed);
			if (!verdicts) return;
			reply = filterPage(messages, verdicts, frame.since, page.first);
		}
		const fields = {
			epoch: page.epoch,
			sequence: page.sequence,
			first: page.first,
			...(frame.since === undefined ? {} : {since: frame.since}),
			...(reply.through === undefined ? {} : {through: reply.through}),
		};
		// Page by page, each only once the connection has room: a reply never piles up unsent.
		for (const payload of historyFrames(wire, frame.id, reply.messages, fields, connection.page)) {
			if (!connection.hasRoomFor(connection.page) && !(await connection.whenRoomFor(connection.page))) return;
			connection.sendText(payload);
		}
	}

	private async onAck(connection: Connection, room: string, sequence: number): Promise<void> {
		// An unnamed connection is in no room: refuse it like any other ack of a room it is not in.
		const sub = connection.userId === undefined ? undefined : connection.subs.get(connection.engineKey(room));
		if (!sub || connection.userId === undefined) {
			connection.error('not_subscribed', `cannot acknowledge in ${room}: not subscribed`, {room});
			return;
		}
		await this.options.engine.setCursor(connection.userId, sub.key, {epoch: sub.epoch, sequence: Math.min(sequence, sub.last)});
	}

	private async onStatus(connection: Connection, status: 'online' | 'away', reason: string | undefined): Promise<void> {
		connection.status = status;
		connection.reason = reason;
		if (connection.userId === undefined) return;
		for (const sub of this.subscriptions.held(connection)) {
			if (isDirectRoom(sub.wire)) continue;
			const change = await this.options.engine.presenceStatus(sub.key, connection.userId, connection.holder, status, reason);
			if (change && change.before.status !== change.after.status) {
				await this.options.engine.announce(presenceEvent(sub.key, connection.userId, status === 'away' ? 'away' : 'back', connection));
			}
		}
	}

	private async onClearHistory(connection: Connection, room: string): Promise<void> {
		if (!connection.admin) {
			connection.error('forbidden', 'only an admin may clear history', {room});
			return;
		}
		if (connection.userId === undefined) {
			connection.error('name_required', 'say who you are first: send hello', {room});
			return;
		}
		const key = connection.engineKey(room);
		const state = await this.options.engine.clearHistory(key, connection.userId);
		// Subscribers hear it through the engine event; an admin outside the room hears it here.
		if (!connection.listens(key)) connection.send({type: 'history_cleared', room, epoch: state.epoch, by: connection.userId});
	}

	private async handleClose(connection: Connection, code: number): Promise<void> {
		connection.closed = true;
		this.connections.delete(connection);
		const userId = connection.userId;
		if (userId === undefined) return;
		const ghost = !this.closing && !connection.clean && !Connection.isCleanClose(code);
		this.identities.release(connection, ghost);
		if (this.nameKeys) this.background(`recording a use of ${userId}`, this.nameKeys.used(userId));
		const subs = this.subscriptions.held(connection);
		const listened = new Set([...connection.subs.keys(), ...connection.named.keys()]);
		connection.subs.clear();
		connection.dropViews();
		for (const key of listened) this.fanout.leave(key, connection);
		const finish = async (): Promise<void> => {
			for (const sub of subs) await this.subscriptions.removePresence(sub.key, userId, connection.holder, sub.wire);
			if (this.identities.connections(userId).size === 0) await this.options.engine.unwatch(`@${userId}`);
		};
		if (!ghost) {
			await finish();
			return;
		}
		// An abnormal drop: hold the presence for a grace period so a quick resume causes no leave/join pair.
		const timer = setTimeout(() => {
			this.graceTimers.delete(timer);
			this.identities.releaseGhost(userId, connection.ip);
			finish().catch(error => this.options.log(`presence cleanup failed: ${(error as Error).message}`));
		}, this.options.graceMs);
		this.graceTimers.add(timer);
	}

	/** Run an engine call nobody awaits; a failure is logged instead of escaping as an unhandled rejection. */
	private background(what: string, promise: Promise<unknown>): void {
		promise.catch(error => this.failed(what, error));
	}

	private failed(what: string, error: unknown): void {
		this.options.log(`${what} failed: ${error instanceof Error ? error.message : String(error)}`);
	}
}

/**
 * A history page through a subscription's filter (its verdict on each message, in order): only admitted messages, each naming the
 * previous admitted one (`prev`), and `through`, the last sequence the page examined, so the
 * client knows nothing else up to there matched.
 */
function filterPage(messages: ChatMessage[], verdicts: readonly boolean[], since: number | undefined, first: number): {messages: ChatMessage[]; through?: number | undefined} {
	const admitted: ChatMessage[] = [];
	// What history no longer holds was lost, not filtered: the chain starts where history does.
	let prev = since === undefined ? undefined : Math.max(since, first - 1);
	for (const [n, message] of messages.entries()) {
		if (!verdicts[n]) continue;
		admitted.push(prev === undefined ? message : {...message, prev});
		prev = message.sequence;
	}
	const through = messages.at(-1)?.sequence;
	return {messages: admitted, ...(through === undefined ? {} : {through})};
}

/** The room and clientId of a frame refused unread (rate limit), when it is a readable publish. */
function refusedRef(data: Buffer, isBinary: boolean): {room?: string; clientId?: string} {
	if (isBinary) return {};
	try {
		const frame = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
		return {
			...(typeof frame.room === 'string' && frame.room.length <= 64 ? {room: frame.room} : {}),
			...(typeof frame.clientId === 'string' && frame.clientId.length <= 64 ? {clientId: frame.clientId} : {}),
		};
	} catch {
		return {};
	}
}

function safeEqual(a: string, b: string): boolean {
	const x = Buffer.from(a);
	const y = Buffer.from(b);
	return x.length === y.length && timingSafeEqual(x, y);
}

function pick<T extends object, K extends string>(value: T, key: K): {[P in K]?: string} {
	const v = (value as Record<string, unknown>)[key];
	return typeof v === 'string' ? ({[key]: v} as {[P in K]?: string}) : {};
}
