import {timingSafeEqual} from 'node:crypto';
import type {WebSocket} from 'ws';
import {CloseCode, type ChatMessage, type ClientFrame, type MessageFrame, type PresenceFrame} from '../protocol/messages.js';
import {parseClientFrame, type FrameLimits} from '../protocol/parse-client-frame.js';
import {directKey, directParties, isDirectRoom} from '../protocol/names.js';
import {Connection, type Subscription} from './connection.js';
import type {Engine, EngineEvent, PresenceEvent} from './engine.js';
import {IdentityRegistry} from './identity-registry.js';

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
	/** Counter hooks for /metrics (see metrics.ts); optional so embedders and tests need none. */
	counters?: {published(): void; delivered(): void; slowConsumer(): void};
};

/** An identity proven at the handshake (a verified JWT); frames cannot change it. */
export type TrustedIdentity = {userId: string; admin: boolean};

/**
 * The hub tracks this node's connections and which rooms they listen to, turns client frames
 * into engine calls, and fans engine events out to local sockets. All shared state lives in
 * the engine, so several hubs (nodes) on one engine behave as one broker.
 */
export class Hub {
	readonly connections = new Set<Connection>();
	/** Engine key -> local connections subscribed to it: fan-out touches only a room's members. */
	private readonly rooms = new Map<string, Set<Connection>>();
	private readonly identities = new IdentityRegistry();
	private readonly graceTimers = new Set<NodeJS.Timeout>();
	private closing = false;

	constructor(private readonly options: HubOptions) {
		options.engine.on(event => this.onEngineEvent(event));
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
		// One frame at a time per connection, in arrival order, even when a handler awaits the engine.
		let chain: Promise<void> = Promise.resolve();
		ws.on('message', (data: Buffer, isBinary: boolean) => {
			chain = chain.then(() => this.handleRaw(connection, data, isBinary)).catch(error => this.failed('a frame', error));
		});
		ws.on('pong', () => {
			connection.alive = true;
		});
		ws.on('close', (code: number) => {
			// A failed cleanup (the engine is down) is logged; a rejection left here would end the process.
			chain = chain.then(() => this.handleClose(connection, code)).catch(error => this.failed('a close', error));
		});
		ws.on('error', () => {
			// 'close' follows every socket error; the close handler cleans up.
		});
		return connection;
	}

	/** Ping every connection; terminate those that did not answer the previous ping. */
	heartbeat(): void {
		for (const connection of this.connections) {
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
		return {connections: this.connections.size, rooms: this.rooms.size};
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
			connection.error(parsed.code, parsed.error, {...pick(parsed, 'room'), ...pick(parsed, 'clientId')});
			return;
		}
		try {
			await this.handleFrame(connection, parsed.frame);
		} catch (error) {
			this.options.log(`error handling ${parsed.frame.type}: ${(error as Error).stack ?? String(error)}`);
			const room = 'room' in parsed.frame ? parsed.frame.room : undefined;
			const clientId = parsed.frame.type === 'publish' ? parsed.frame.clientId : undefined;
			connection.error('unavailable', `the broker could not complete ${parsed.frame.type}: ${(error as Error).message}`, {
				...(room === undefined ? {} : {room}),
				...(clientId === undefined ? {} : {clientId}),
			});
		}
	}

	private async handleFrame(connection: Connection, frame: ClientFrame): Promise<void> {
		switch (frame.type) {
			case 'hello':
				return this.onHello(connection, frame.userId, frame.resume, frame.adminKey);
			case 'subscribe':
				if (!this.ensureName(connection, frame.userId, frame.room)) return;
				return this.onSubscribe(connection, frame.room, frame.since, frame.epoch);
			case 'unsubscribe':
				return this.onUnsubscribe(connection, frame.room);
			case 'publish':
				if (!this.ensureName(connection, frame.sender, frame.room, frame.clientId)) return;
				return this.onPublish(connection, frame);
			case 'get_history':
				if (!this.ensureName(connection, undefined, frame.room)) return;
				return this.onHistory(connection, frame);
			case 'ack':
				return this.onAck(connection, frame.room, frame.sequence);
			case 'status':
				return this.onStatus(connection, frame.status, frame.reason);
			case 'clear_history':
				return this.onClearHistory(connection, frame.room);
			case 'who':
				if (!this.ensureName(connection, undefined, frame.room)) return;
				connection.send({type: 'members', room: frame.room, members: await this.options.engine.members(this.key(connection, frame.room))});
				return;
			case 'bye':
				// Close from our side too: "leave at once" must not wait for a client that lingers
				// after saying goodbye. `clean` keeps it clean if the socket then drops without a close frame.
				connection.clean = true;
				connection.close(CloseCode.normal, 'bye');
				return;
		}
	}

	private onHello(connection: Connection, userId: string, resume: string | undefined, adminKey: string | undefined): void {
		connection.natter = true;
		if (adminKey !== undefined && this.options.adminKey !== undefined && safeEqual(adminKey, this.options.adminKey)) {
			connection.admin = true;
		}
		if (connection.userId === undefined) {
			const bound = this.identities.bind(connection, userId, resume);
			if (!bound.ok) {
				connection.error('name_taken', bound.error);
				return;
			}
			this.background(`watch @${userId}`, this.options.engine.watch(`@${userId}`));
		}
		connection.send({
			type: 'welcome',
			userId: connection.userId!,
			resume: this.identities.token(connection.userId!)!,
			admin: connection.admin,
			heartbeat: this.options.heartbeatMs,
			server: this.options.serverName,
		});
	}

	/** Bind a name on first use (seed clients name themselves in subscribe or publish); false when it failed. */
	private ensureName(connection: Connection, name: string | undefined, room: string, clientId?: string): boolean {
		if (connection.userId !== undefined) return true;
		const extra = {room, ...(clientId === undefined ? {} : {clientId})};
		if (name === undefined) {
			connection.error('name_required', 'say who you are first: send hello, or subscribe with a userId', extra);
			return false;
		}
		const bound = this.identities.bind(connection, name, undefined);
		if (!bound.ok) {
			connection.error('name_taken', bound.error, extra);
			return false;
		}
		this.background(`watch @${name}`, this.options.engine.watch(`@${name}`));
		return true;
	}

	/** The engine key of a room as this connection names it: `@bob` from alice is their shared conversation. */
	private key(connection: Connection, room: string): string {
		return isDirectRoom(room) ? directKey(connection.userId!, room.slice(1)) : room;
	}

	private async onSubscribe(connection: Connection, room: string, since: number | undefined, epoch: string | undefined): Promise<void> {
		const {engine} = this.options;
		const userId = connection.userId!;
		const key = this.key(connection, room);
		const existing = connection.subs.get(key);
		const sub: Subscription = existing ?? {key, wire: room, epoch: '', last: 0, queue: undefined};
		// Queue live traffic from this moment, so nothing falls between the history read and going live.
		sub.queue ??= [];
		try {
			if (!existing) {
				connection.subs.set(key, sub);
				this.join(key, connection);
				if (await engine.presenceAdd(key, userId, connection.holder, connection.status, connection.reason)) {
					if (!isDirectRoom(room)) await engine.announce(this.presence(key, userId, 'join', connection));
				}
			}
			await this.replayThenLive(connection, sub, since, epoch);
		} catch (error) {
			await this.undoSubscribe(connection, sub, existing !== undefined);
			throw error;
		}
	}

	/**
	 * A subscribe failed half-way (the engine is down): withdraw a new subscription entirely, so it
	 * neither counts as present nor queues live traffic forever; put an existing one back to live.
	 */
	private async undoSubscribe(connection: Connection, sub: Subscription, existed: boolean): Promise<void> {
		if (connection.subs.get(sub.key) !== sub) return;
		if (existed) {
			this.drain(connection, sub, []);
			return;
		}
		connection.subs.delete(sub.key);
		this.leave(sub.key, connection);
		await this.removePresence(sub.key, connection.userId!, connection.holder, sub.wire).catch(error => this.failed(`presence cleanup of ${sub.key}`, error));
	}

	/** Answer `subscribed`, replay what follows `since`, then let the live messages queued meanwhile through. */
	private async replayThenLive(connection: Connection, sub: Subscription, since: number | undefined, epoch: string | undefined): Promise<void> {
		const {engine} = this.options;
		const {key, wire: room} = sub;
		const userId = connection.userId!;
		// fanCleared stamps the new epoch on this subscription if history is cleared while we read.
		const epochBefore = sub.epoch;
		const state = await engine.room(key);
		let start: number;
		if (since !== undefined && (epoch === undefined || epoch === state.epoch)) {
			start = Math.min(since, state.sequence);
		} else if (since !== undefined) {
			start = 0; // A new epoch: everything in it is new to this client.
		} else {
			const cursor = await engine.getCursor(userId, key);
			start = cursor && cursor.epoch === state.epoch ? Math.min(cursor.sequence, state.sequence) : state.sequence;
		}
		const members = await engine.members(key);
		let page = await engine.history(key, {since: start});
		const clearedMeanwhile = sub.epoch !== epochBefore && sub.epoch !== page.epoch;
		if (page.epoch !== state.epoch || clearedMeanwhile) {
			// History was cleared during the reads: `start` (or the whole page) belongs to the old epoch,
			// and keeping it would drop the new epoch's first messages as duplicates. All of it is news.
			start = 0;
			page = await engine.history(key, {since: 0});
		}
		if (connection.closed || connection.subs.get(key) !== sub) return;
		sub.epoch = page.epoch;
		sub.last = start;
		connection.send({
			type: 'subscribed',
			room,
			sequence: page.sequence,
			epoch: page.epoch,
			since: start,
			first: page.first,
			lost: Math.max(0, Math.min(page.first, page.sequence + 1) - start - 1),
			members,
		});
		this.drain(connection, sub, page.messages);
	}

	/** Send a replayed page, then the live messages that queued meanwhile, each once and in order. */
	private drain(connection: Connection, sub: Subscription, replay: ChatMessage[]): void {
		const queued = sub.queue ?? [];
		sub.queue = undefined;
		for (const message of replay) this.sendMessage(connection, sub, message);
		queued.sort((a, b) => a.sequence - b.sequence);
		for (const message of queued) this.sendMessage(connection, sub, message);
	}

	private sendMessage(connection: Connection, sub: Subscription, message: ChatMessage, data?: string): void {
		if (message.sequence <= sub.last) return;
		sub.last = message.sequence;
		connection.sendRaw(data ?? serialiseMessage(message, sub.wire));
		this.options.counters?.delivered();
	}

	/** A live message arrived past a hole (a lossy cross-node link): fetch the hole from history first. */
	private async repair(connection: Connection, sub: Subscription): Promise<void> {
		try {
			const page = await this.options.engine.history(sub.key, {since: sub.last});
			if (connection.closed || connection.subs.get(sub.key) !== sub) return;
			this.drain(connection, sub, page.epoch === sub.epoch ? page.messages : []);
		} catch (error) {
			// Deliver what we have: the client sees the hole and asks history itself.
			this.options.log(`repair of ${sub.key} failed: ${(error as Error).message}`);
			this.drain(connection, sub, []);
		}
	}

	private async onUnsubscribe(connection: Connection, room: string): Promise<void> {
		if (connection.userId === undefined) {
			connection.error('not_subscribed', `not subscribed to ${room}`, {room});
			return;
		}
		const key = this.key(connection, room);
		if (!connection.subs.delete(key)) {
			connection.error('not_subscribed', `not subscribed to ${room}`, {room});
			return;
		}
		this.leave(key, connection);
		await this.removePresence(key, connection.userId, connection.holder, room);
		connection.send({type: 'unsubscribed', room});
	}

	private async onPublish(connection: Connection, frame: Extract<ClientFrame, {type: 'publish'}>): Promise<void> {
		const result = await this.options.engine.publish({
			room: this.key(connection, frame.room),
			sender: connection.userId!,
			content: frame.content,
			...(frame.data === undefined ? {} : {data: frame.data}),
			...(frame.clientId === undefined ? {} : {clientId: frame.clientId}),
			timestamp: Date.now(),
		});
		if (!result.duplicate) this.options.counters?.published();
		if (frame.clientId !== undefined) {
			connection.send({
				type: 'published',
				room: frame.room,
				clientId: frame.clientId,
				id: result.message.id,
				sequence: result.message.sequence,
				timestamp: result.message.timestamp,
				duplicate: result.duplicate,
			});
		}
	}

	private async onHistory(connection: Connection, frame: Extract<ClientFrame, {type: 'get_history'}>): Promise<void> {
		const key = this.key(connection, frame.room);
		const query: {since?: number; before?: number; limit?: number} = {};
		if (frame.since !== undefined) query.since = frame.since;
		if (frame.before !== undefined) query.before = frame.before;
		if (frame.limit !== undefined) query.limit = frame.limit;
		let page = await this.options.engine.history(key, query);
		if (frame.epoch !== undefined && frame.epoch !== page.epoch && frame.since !== undefined) {
			page = await this.options.engine.history(key, {...query, since: 0});
		}
		const wire = frame.room;
		connection.send({
			type: 'history',
			room: wire,
			messages: key === wire ? page.messages : page.messages.map(m => ({...m, room: wire})),
			epoch: page.epoch,
			sequence: page.sequence,
			first: page.first,
		});
	}

	private async onAck(connection: Connection, room: string, sequence: number): Promise<void> {
		// An unnamed connection is in no room: refuse it like any other ack of a room it is not in.
		const sub = connection.userId === undefined ? undefined : connection.subs.get(this.key(connection, room));
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
		for (const sub of connection.subs.values()) {
			if (isDirectRoom(sub.wire)) continue;
			const change = await this.options.engine.presenceStatus(sub.key, connection.userId, connection.holder, status, reason);
			if (change && change.before.status !== change.after.status) {
				await this.options.engine.announce(this.presence(sub.key, connection.userId, status === 'away' ? 'away' : 'back', connection));
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
		const key = this.key(connection, room);
		const state = await this.options.engine.clearHistory(key, connection.userId);
		// Subscribers hear it through the engine event; an admin outside the room hears it here.
		if (!connection.subs.has(key)) connection.send({type: 'history_cleared', room, epoch: state.epoch, by: connection.userId});
	}

	private async handleClose(connection: Connection, code: number): Promise<void> {
		connection.closed = true;
		this.connections.delete(connection);
		const userId = connection.userId;
		if (userId === undefined) return;
		const ghost = !this.closing && !connection.clean && !Connection.isCleanClose(code);
		this.identities.release(connection, ghost);
		const subs = [...connection.subs.values()];
		connection.subs.clear();
		for (const sub of subs) this.leave(sub.key, connection);
		const finish = async (): Promise<void> => {
			for (const sub of subs) await this.removePresence(sub.key, userId, connection.holder, sub.wire);
			if (this.identities.connections(userId).size === 0) await this.options.engine.unwatch(`@${userId}`);
		};
		if (!ghost) {
			await finish();
			return;
		}
		// An abnormal drop: hold the presence for a grace period so a quick resume causes no leave/join pair.
		const timer = setTimeout(() => {
			this.graceTimers.delete(timer);
			this.identities.releaseGhost(userId);
			finish().catch(error => this.options.log(`presence cleanup failed: ${(error as Error).message}`));
		}, this.options.graceMs);
		this.graceTimers.add(timer);
	}

	private async removePresence(key: string, userId: string, holder: string, wire: string): Promise<void> {
		if (this.closing) return;
		if (await this.options.engine.presenceRemove(key, userId, holder)) {
			if (!isDirectRoom(wire)) {
				await this.options.engine.announce({type: 'presence', room: key, userId, action: 'leave', status: 'online', timestamp: Date.now()});
			}
		}
	}

	private presence(room: string, userId: string, action: PresenceEvent['action'], connection: Connection): PresenceEvent {
		return {
			type: 'presence',
			room,
			userId,
			action,
			status: connection.status,
			timestamp: Date.now(),
			...(connection.reason === undefined ? {} : {reason: connection.reason}),
		};
	}

	private join(key: string, connection: Connection): void {
		let members = this.rooms.get(key);
		if (!members) {
			members = new Set();
			this.rooms.set(key, members);
			this.background(`watch ${key}`, this.options.engine.watch(key));
		}
		members.add(connection);
	}

	private leave(key: string, connection: Connection): void {
		const members = this.rooms.get(key);
		if (!members) return;
		members.delete(connection);
		if (members.size === 0) {
			this.rooms.delete(key);
			this.background(`unwatch ${key}`, this.options.engine.unwatch(key));
		}
	}

	/** Run an engine call nobody awaits; a failure is logged instead of escaping as an unhandled rejection. */
	private background(what: string, promise: Promise<unknown>): void {
		promise.catch(error => this.failed(what, error));
	}

	private failed(what: string, error: unknown): void {
		this.options.log(`${what} failed: ${error instanceof Error ? error.message : String(error)}`);
	}

	// -------------------------------------------------------------------------
	// Fan-out
	// -------------------------------------------------------------------------

	private onEngineEvent(event: EngineEvent): void {
		switch (event.type) {
			case 'message':
				this.fanMessage(event.room, event.message);
				return;
			case 'presence':
				this.fanPresence(event);
				return;
			case 'cleared':
				this.fanCleared(event.room, event.epoch, event.by);
				return;
		}
	}

	private fanMessage(key: string, message: ChatMessage): void {
		const parties = directParties(key);
		if (parties) {
			const [a, b] = parties;
			this.deliverDirect(key, a, b, message);
			if (a !== b) this.deliverDirect(key, b, a, message);
			return;
		}
		const members = this.rooms.get(key);
		if (!members) return;
		// Serialise once for the whole room: the bytes are the same for every subscriber.
		const data = serialiseMessage(message, key);
		for (const connection of members) {
			const sub = connection.subs.get(key);
			if (sub) this.deliver(connection, sub, message, data);
		}
	}

	/** A DM reaches every connection of its recipient, subscribed to the conversation or not. */
	private deliverDirect(key: string, to: string, other: string, message: ChatMessage): void {
		const connections = this.identities.connections(to);
		if (connections.size === 0) return;
		const wire = `@${other}`;
		const data = serialiseMessage(message, wire);
		for (const connection of connections) {
			const sub = connection.subs.get(key);
			if (sub) this.deliver(connection, sub, message, data);
			else {
				connection.sendRaw(data);
				this.options.counters?.delivered();
			}
		}
	}

	private deliver(connection: Connection, sub: Subscription, message: ChatMessage, data: string): void {
		if (sub.queue) {
			sub.queue.push(message);
			return;
		}
		if (message.sequence <= sub.last) return;
		if (message.sequence > sub.last + 1) {
			sub.queue = [message];
			void this.repair(connection, sub);
			return;
		}
		this.sendMessage(connection, sub, message, data);
	}

	private fanPresence(event: PresenceEvent): void {
		const members = this.rooms.get(event.room);
		if (!members) return;
		const frame: PresenceFrame = {
			type: 'presence',
			room: event.room,
			userId: event.userId,
			action: event.action,
			timestamp: event.timestamp,
			status: event.status,
			...(event.reason === undefined ? {} : {reason: event.reason}),
		};
		const data = JSON.stringify(frame);
		for (const connection of members) connection.sendRaw(data);
	}

	private fanCleared(key: string, epoch: string, by: string): void {
		const members = this.rooms.get(key);
		if (!members) return;
		for (const connection of members) {
			const sub = connection.subs.get(key);
			if (!sub) continue;
			sub.epoch = epoch;
			sub.last = 0;
			// Queued messages carry no epoch, and all of them belong to the old one (a room's events
			// come in order): delivered now they would pass for the new epoch's sequences.
			if (sub.queue) sub.queue.length = 0;
			connection.send({type: 'history_cleared', room: sub.wire, epoch, by});
		}
	}
}

/** The seed's `message` frame: type first, then the stored fields, with the room as this client names it. */
function serialiseMessage(message: ChatMessage, wire: string): string {
	const frame: MessageFrame = {type: 'message', ...message, room: wire};
	return JSON.stringify(frame);
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
