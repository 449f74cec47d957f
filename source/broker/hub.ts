import type {Socket} from 'node:net';
import type {WebSocket} from 'ws';
import {constantTimeEqual} from '../auth/constant-time-equal.js';
import {CloseCode, type ClientFrame} from '../protocol/messages.js';
import {parseClientFrame} from '../protocol/parse-client-frame.js';
import {isDirectRoom} from '../protocol/names.js';
import {Connection} from './connection.js';
import {Fanout} from './fanout.js';
import {Heartbeat} from './heartbeat.js';
import {pick, refusedRef} from './frame-refs.js';
import {answerHistory} from './history-replies.js';
import type {HubOptions, TrustedIdentity} from './hub-options.js';
import {Naming} from './naming.js';
import {RateGuard} from './rate-guard.js';
import {Subscriptions} from './subscriptions.js';
import {setTopic} from './set-topic.js';
import {publishedFrame} from './published-frame.js';
import {defined} from '../defined.js';

/**
 * The hub is the router of one node: it owns the set of connections and their heartbeat, reads
 * each connection's frames one at a time, in order, within its rate limit, and hands each to the
 * part that owns what it changes: names (Naming), rooms and their replays (Subscriptions, each
 * Subscription owning its delivery), history replies (answerHistory), the fan-out of engine
 * events (Fanout). All shared state lives in the engine, so several hubs (nodes) on one engine
 * behave as one broker.
 */
export class Hub {
	readonly connections = new Set<Connection>();
	private readonly naming: Naming;
	private readonly fanout: Fanout;
	private readonly subscriptions: Subscriptions;
	private readonly graceTimers = new Set<NodeJS.Timeout>();
	private closing = false;
	/** Pings the connections; create-broker calls its tick() every heartbeat.tickMs. */
	readonly heartbeat: Heartbeat;

	constructor(private readonly options: HubOptions) {
		this.naming = new Naming(options.engine, options.keepNames, (what, promise) => this.background(what, promise));
		this.fanout = new Fanout(options.engine, this.naming.identities, options.log, options.counters);
		this.heartbeat = new Heartbeat(options.heartbeatMs, options.log, () => this.closing);
		this.subscriptions = new Subscriptions(options.engine, this.fanout, {
			maxFilter: options.frameLimits.maxFilter,
			isClosing: () => this.closing,
			log: options.log,
		});
	}

	/** Take over a freshly accepted WebSocket; `socket` is its upgraded request's socket. */
	attach(ws: WebSocket, socket: Socket, ip: string, trusted?: TrustedIdentity): Connection {
		const connection = new Connection(ws, socket, ip, this.options.nodeId, this.options.maxBufferedBytes, this.options.writer, slow => {
			this.options.log(`slow consumer ${slow.userId ?? slow.id} cut off`);
			this.options.counters?.slowConsumer();
			slow.close(4009, 'slow consumer: resume from your last sequence');
		});
		this.connections.add(connection);
		this.heartbeat.add(connection);
		if (trusted) {
			this.naming.bindTrusted(connection, trusted.userId);
			if (trusted.admin) connection.grantAdmin();
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
		ws.on('pong', () => connection.pong());
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
				...defined({room, clientId, id}),
			});
		}
	}

	private async handleFrame(connection: Connection, frame: ClientFrame): Promise<void> {
		switch (frame.type) {
			case 'hello':
				return this.onHello(connection, frame.userId, frame.resume, frame.adminKey, frame.key);
			case 'subscribe':
				if (!(await this.naming.ensure(connection, frame.userId, frame.room))) return;
				if (frame.sub !== undefined) return this.subscriptions.subscribeNamed(connection, frame.room, frame.sub, frame.since, frame.epoch, frame.filter);
				return this.subscriptions.subscribe(connection, frame.room, frame.since, frame.epoch, frame.filter);
			case 'unsubscribe':
				if (frame.sub !== undefined) return this.subscriptions.unsubscribeNamed(connection, frame.room, frame.sub);
				return this.subscriptions.unsubscribe(connection, frame.room);
			case 'publish': {
				const sender = await this.naming.ensure(connection, frame.sender, frame.room, frame.clientId);
				if (sender === undefined || !this.mayUse(connection, frame.room, 'publish in', frame.clientId)) return;
				return this.onPublish(connection, sender, frame);
			}
			case 'get_history':
				if (!(await this.naming.ensure(connection, undefined, frame.room, undefined, frame.id))) return;
				if (!this.mayUse(connection, frame.room, 'read the history of', undefined, frame.id)) return;
				return answerHistory(connection, frame, this.options.engine, this.subscriptions.filters.filterWork);
			case 'ack':
				return this.onAck(connection, frame.room, frame.sequence);
			case 'status':
				connection.setStatus(frame.status, frame.reason);
				return this.subscriptions.announceStatus(connection);
			case 'clear_history':
				return this.onClearHistory(connection, frame.room);
			case 'who':
				if (!(await this.naming.ensure(connection, undefined, frame.room))) return;
				if (!this.mayUse(connection, frame.room, 'list the members of')) return;
				connection.send({type: 'members', room: frame.room, members: await this.options.engine.members(connection.engineKey(frame.room))});
				return;
			case 'topic':
				if (await setTopic(this.options.engine, connection, frame)) this.options.counters?.published();
				return;
			case 'bye':
				// Close from our side too: "leave at once" must not wait for a client that lingers
				// after saying goodbye. Clean: it stays clean if the socket then drops without a close frame.
				connection.close(CloseCode.normal, 'bye', true);
				return;
		}
	}

	private async onHello(connection: Connection, userId: string, resume: string | undefined, adminKey: string | undefined, key: string | undefined): Promise<void> {
		if (adminKey !== undefined && this.options.adminKey !== undefined && constantTimeEqual(adminKey, this.options.adminKey)) {
			connection.grantAdmin();
		}
		const bound = await this.naming.hello(connection, userId, resume, key);
		if (!bound.ok) {
			connection.error('name_taken', bound.error);
			return;
		}
		const name = connection.name();
		// A failed read costs the list, never the welcome: the user can still /join their conversations.
		const unread = await this.naming.unreadDirect(name).catch((error: unknown) => {
			this.failed(`listing ${name}'s unread direct conversations`, error);
			return [];
		});
		connection.send({
			type: 'welcome',
			userId: name,
			resume: this.naming.token(name)!,
			admin: connection.admin,
			heartbeat: this.options.heartbeatMs,
			server: this.options.serverName,
			...defined({key: bound.issued}),
			...(this.options.limits ? {limits: {rate: this.options.limits.rate, burst: this.options.limits.burst, ...defined({maxPayload: this.options.maxPayload}), maxContent: this.options.frameLimits.maxContent, ...this.subscriptions.filters.caps}} : {}),
			...(unread.length === 0 ? {} : {unread}),
		});
	}

	/**
	 * Authenticated mode's rule: only members (and admins) may publish in, read or list a room.
	 * A direct conversation is always the connection's own, so it needs no membership.
	 */
	private mayUse(connection: Connection, room: string, action: string, clientId?: string, id?: string): boolean {
		if (!this.options.requireMembership || connection.admin || isDirectRoom(room)) return true;
		if (connection.listens(connection.engineKey(room))) return true;
		connection.error('forbidden', `join ${room} before you ${action} it`, {room, ...defined({clientId, id})});
		return false;
	}

	private async onPublish(connection: Connection, sender: string, frame: Extract<ClientFrame, {type: 'publish'}>): Promise<void> {
		const result = await this.options.engine.publish({
			room: connection.engineKey(frame.room),
			sender,
			content: frame.content,
			...defined({data: frame.data, clientId: frame.clientId}),
			timestamp: Date.now(),
		});
		if (!result.duplicate) this.options.counters?.published();
		const recipient = isDirectRoom(frame.room) && !result.duplicate ? await this.directDelivered(sender, frame.room.slice(1), connection.engineKey(frame.room)) : undefined;
		if (frame.clientId !== undefined) {
			connection.send(publishedFrame(frame.room, frame.clientId, result, recipient));
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
		return this.naming.reach(recipient);
	}

	private async onAck(connection: Connection, room: string, sequence: number): Promise<void> {
		// An unnamed connection is in no room: refuse it like any other ack of a room it is not in.
		const sub = connection.userId === undefined ? undefined : connection.subs.get(connection.engineKey(room));
		if (!sub || connection.userId === undefined) {
			connection.error('not_subscribed', `cannot acknowledge in ${room}: not subscribed`, {room});
			return;
		}
		await this.options.engine.setCursor(connection.userId, sub.key, sub.cursorAt(sequence));
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
		connection.socketClosed();
		this.connections.delete(connection);
		this.heartbeat.delete(connection);
		const userId = connection.userId;
		if (userId === undefined) return;
		const said = connection.state;
		const ghost = !this.closing && !(said.kind === 'closed' && said.clean) && !Connection.isCleanClose(code);
		this.naming.release(connection, userId, ghost);
		const subs = this.subscriptions.detach(connection);
		const finish = async (): Promise<void> => {
			// Every room is tried: one that fails (its engine is unavailable) must not keep the user in the others.
			let failure: unknown;
			for (const sub of subs) await this.subscriptions.removePresence(sub.key, userId, connection.holder, sub.wire).catch((error: unknown) => (failure ??= error));
			if (this.naming.connections(userId).size === 0) await this.options.engine.unwatch(`@${userId}`);
			if (failure !== undefined) throw failure;
		};
		if (!ghost) {
			await finish();
			return;
		}
		// An abnormal drop: hold the presence for a grace period so a quick resume causes no leave/join pair.
		const timer = setTimeout(() => {
			this.graceTimers.delete(timer);
			this.naming.releaseGhost(userId, connection.ip);
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
