import type {ChatMessage, MessageFrame, PresenceFrame} from '../protocol/messages.js';
import {directParties} from '../protocol/names.js';
import {textFrame, type Connection, type Subscription} from './connection.js';
import type {Engine, EngineEvent, PresenceEvent} from './engines/engine.js';
import type {IdentityRegistry} from './identity-registry.js';

/** Counter hooks for /metrics (see metrics.ts). */
export type FanoutCounters = {delivered(): void};

/**
 * Moves engine events to this node's sockets: each room's messages to its local members in
 * sequence order (serialised once per room, not once per subscriber), holes repaired from
 * history, content filters applied per subscription, presence and history-cleared notices.
 */
export class Fanout {
	/** Engine key -> local connections subscribed to it: fan-out touches only a room's members. */
	readonly rooms = new Map<string, Set<Connection>>();
	/** Numbers each live message's fan-out, so a filter shared by many subscribers runs once per message. */
	private pass = 0;

	constructor(
		private readonly engine: Engine,
		private readonly identities: IdentityRegistry,
		private readonly log: (line: string) => void,
		private readonly counters?: FanoutCounters,
	) {
		engine.on(event => this.onEngineEvent(event));
	}

	/** `connection` listens to `key` on this node (the engine is told to watch it on the first). */
	join(key: string, connection: Connection): void {
		let members = this.rooms.get(key);
		if (!members) {
			members = new Set();
			this.rooms.set(key, members);
			this.background(`watch ${key}`, this.engine.watch(key));
		}
		members.add(connection);
	}

	leave(key: string, connection: Connection): void {
		const members = this.rooms.get(key);
		if (!members) return;
		members.delete(connection);
		if (members.size === 0) {
			this.rooms.delete(key);
			this.background(`unwatch ${key}`, this.engine.unwatch(key));
		}
	}

	/** Send a replayed page, then the live messages that queued meanwhile, each once and in order. */
	/**
	 * Send one replayed message ahead of the live queue (the subscription keeps queueing live
	 * traffic until `drain`); a message at or below the subscription's position is skipped.
	 */
	replayOne(connection: Connection, sub: Subscription, message: ChatMessage): void {
		this.sendMessage(connection, sub, message);
	}

	drain(connection: Connection, sub: Subscription, replay: ChatMessage[]): void {
		const queued = sub.queue ?? [];
		sub.queue = undefined;
		for (const message of replay) this.sendMessage(connection, sub, message);
		queued.sort((a, b) => a.sequence - b.sequence);
		for (const message of queued) this.sendMessage(connection, sub, message);
	}

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
		// Serialise and frame once for the whole room: the bytes are the same for every unfiltered subscriber.
		const data = textFrame(serialiseMessage(message, key));
		const pass = this.nextPass();
		for (const connection of members) {
			const sub = connection.subs.get(key);
			if (sub) this.deliver(connection, sub, message, data, pass);
			const views = connection.named.get(key);
			if (views) for (const view of views.values()) this.deliver(connection, view, message, data, pass);
		}
	}

	/** A DM reaches every connection of its recipient, subscribed to the conversation or not. */
	private deliverDirect(key: string, to: string, other: string, message: ChatMessage): void {
		const connections = this.identities.connections(to);
		if (connections.size === 0) return;
		const wire = `@${other}`;
		const data = textFrame(serialiseMessage(message, wire));
		const pass = this.nextPass();
		for (const connection of connections) {
			const sub = connection.subs.get(key);
			const views = connection.named.get(key);
			if (sub) this.deliver(connection, sub, message, data, pass);
			else if (!views) {
				connection.sendFrame(data);
				this.counters?.delivered();
			}
			if (views) for (const view of views.values()) this.deliver(connection, view, message, data, pass);
		}
	}

	/** A new fan-out pass number (a small integer: wraps long before it stops being one). */
	private nextPass(): number {
		this.pass = (this.pass + 1) % 0x3fffffff;
		return this.pass;
	}

	private deliver(connection: Connection, sub: Subscription, message: ChatMessage, data: Buffer, pass: number): void {
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
		this.sendMessage(connection, sub, message, data, pass);
	}

	/**
	 * The one place a message goes out to a subscriber. `sub.last` counts every sequence seen
	 * (admitted or filtered out), so holes are detected the same way with or without a filter;
	 * a filtered subscription's message names the previous one it admitted (`prev`), which lets
	 * the client tell "filtered out" from "lost".
	 */
	private sendMessage(connection: Connection, sub: Subscription, message: ChatMessage, data?: Buffer, pass?: number): void {
		if (message.sequence <= sub.last) return;
		sub.last = message.sequence;
		if (sub.filter) {
			if (!sub.filter.matches(message, pass)) return;
			const prev = sub.admitted;
			sub.admitted = message.sequence;
			connection.sendRaw(serialiseMessage({...message, prev, ...(sub.name === undefined ? {} : {sub: sub.name})}, sub.wire));
		} else if (sub.name !== undefined) {
			connection.sendRaw(serialiseMessage({...message, sub: sub.name}, sub.wire));
		} else {
			if (data) connection.sendFrame(data);
			else connection.sendRaw(serialiseMessage(message, sub.wire));
		}
		this.counters?.delivered();
	}

	/** A live message arrived past a hole (a lossy cross-node link): fetch the hole from history first. */
	private async repair(connection: Connection, sub: Subscription): Promise<void> {
		try {
			const page = await this.engine.history(sub.key, {since: sub.last});
			if (connection.closed || !connection.holds(sub)) return;
			this.drain(connection, sub, page.epoch === sub.epoch ? page.messages : []);
		} catch (error) {
			// Deliver what we have: the client sees the hole and asks history itself.
			this.log(`repair of ${sub.key} failed: ${(error as Error).message}`);
			this.drain(connection, sub, []);
		}
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
		const data = textFrame(JSON.stringify(frame));
		// Lazily: a burst of joins reaches each member in a few writes (see PRESENCE_HOLD_MS).
		for (const connection of members) connection.sendFrame(data, true);
	}

	private fanCleared(key: string, epoch: string, by: string): void {
		const members = this.rooms.get(key);
		if (!members) return;
		for (const connection of members) {
			const subs = [connection.subs.get(key), ...(connection.named.get(key)?.values() ?? [])];
			let told = false;
			for (const sub of subs) {
				if (!sub) continue;
				sub.epoch = epoch;
				sub.last = 0;
				sub.admitted = 0;
				// Queued messages carry no epoch, and all of them belong to the old one (a room's events
				// come in order): delivered now they would pass for the new epoch's sequences.
				if (sub.queue) sub.queue.length = 0;
				if (!told) connection.send({type: 'history_cleared', room: sub.wire, epoch, by});
				told = true;
			}
		}
	}

	/** Run an engine call nobody awaits; a failure is logged instead of escaping as an unhandled rejection. */
	private background(what: string, promise: Promise<unknown>): void {
		promise.catch(error => this.log(`${what} failed: ${error instanceof Error ? error.message : String(error)}`));
	}
}

/** The seed's `message` frame: type first, then the stored fields, with the room as this client names it. */
export function serialiseMessage(message: ChatMessage, wire: string): string {
	const frame: MessageFrame = {type: 'message', ...message, room: wire};
	return JSON.stringify(frame);
}
