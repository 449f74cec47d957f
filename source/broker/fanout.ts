import type {ChatMessage, PresenceFrame} from '../protocol/messages.js';
import {directParties} from '../protocol/names.js';
import type {Connection} from './connection.js';
import {serialiseMessage, type DeliveryContext} from './subscription.js';
import {textFrame} from './text-frame.js';
import type {Engine, EngineEvent, PresenceEvent} from './engines/engine.js';
import type {IdentityRegistry} from './identity-registry.js';
import {defined} from '../defined.js';

/** Counter hooks for /metrics (see metrics.ts). */
export type FanoutCounters = {delivered(): void};

/**
 * Moves engine events to this node's sockets: an index of rooms to the local connections that
 * listen to them (each connection's subscriptions to a room are one lookup away), and the routing
 * of each event to them. A message is serialised and framed once per room, not once per
 * subscriber, and handed to each subscription (Subscription owns what it then sends); presence
 * and history-cleared notices go once to each member connection.
 */
export class Fanout {
	/** Engine key -> local connections subscribed to it: fan-out touches only a room's members. */
	readonly rooms = new Map<string, Set<Connection>>();
	/** What every subscription on this node shares for delivery (hole repair, counters). */
	readonly delivery: DeliveryContext;
	/** Numbers each live message's fan-out, so a filter shared by many subscribers runs once per message. */
	private pass = 0;
	/** Engine key (of `rooms`) -> the epoch of its last message or clear, to notice a room that started over without a clear. */
	private readonly epochs = new Map<string, string>();

	constructor(
		private readonly engine: Engine,
		private readonly identities: IdentityRegistry,
		private readonly log: (line: string) => void,
		private readonly counters?: FanoutCounters,
	) {
		this.delivery = {
			history: (key, since) => engine.history(key, {since}),
			log,
			...(counters ? {delivered: () => counters.delivered()} : {}),
		};
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
			this.epochs.delete(key);
			this.background(`unwatch ${key}`, this.engine.unwatch(key));
		}
	}

	private onEngineEvent(event: EngineEvent): void {
		switch (event.type) {
			case 'message':
				if (this.epochs.get(event.room) !== event.epoch) this.newEpoch(event.room, event.epoch);
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
			connection.subs.get(key)?.deliver(message, data, pass);
			const views = connection.named.get(key);
			if (views) for (const view of views.values()) view.deliver(message, data, pass);
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
			if (sub) sub.deliver(message, data, pass);
			else if (!views) {
				connection.sendFrame(data);
				this.counters?.delivered();
			}
			if (views) for (const view of views.values()) view.deliver(message, data, pass);
		}
	}

	/** A new fan-out pass number (a small integer: wraps long before it stops being one). */
	private nextPass(): number {
		this.pass = (this.pass + 1) % 0x3fffffff;
		return this.pass;
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
			...defined({reason: event.reason}),
		};
		const data = textFrame(JSON.stringify(frame));
		// Lazily: a burst of joins reaches each member in a few writes (see PRESENCE_HOLD_MS).
		for (const connection of members) connection.sendFrame(data, true);
	}

	private fanCleared(key: string, epoch: string, by: string | undefined): void {
		const members = this.rooms.get(key);
		if (!members) return;
		this.epochs.set(key, epoch);
		for (const connection of members) this.clearFor(connection, key, epoch, by);
	}

	/**
	 * The first message heard in `key`, or one in an epoch no `cleared` announced: the room started
	 * over because the engine lost it (a Redis shard restarted empty, see unseenEpoch there). A
	 * subscription still in an older epoch is told as for a clear, with no one who cleared, and its
	 * old sequences are forgotten, so the room's new 1, 2, 3 … are not dropped as already sent.
	 */
	private newEpoch(key: string, epoch: string): void {
		const members = this.rooms.get(key);
		if (!members) return;
		this.epochs.set(key, epoch);
		const behind = (sub: {epoch: string}): boolean => sub.epoch !== '' && sub.epoch !== epoch;
		for (const connection of members) {
			const sub = connection.subs.get(key);
			const views = connection.named.get(key);
			if ((sub && behind(sub)) || (views && [...views.values()].some(behind))) this.clearFor(connection, key, epoch, undefined);
		}
	}

	/** `connection`'s subscription and views of `key` start `epoch` from nothing; it is told once. */
	private clearFor(connection: Connection, key: string, epoch: string, by: string | undefined): void {
		const sub = connection.subs.get(key);
		sub?.reset(epoch);
		const views = connection.named.get(key);
		if (views) for (const view of views.values()) view.reset(epoch);
		const told = sub ?? views?.values().next().value;
		if (told) connection.send({type: 'history_cleared', room: told.wire, epoch, ...defined({by})});
	}

	/** Run an engine call nobody awaits; a failure is logged instead of escaping as an unhandled rejection. */
	private background(what: string, promise: Promise<unknown>): void {
		promise.catch(error => this.log(`${what} failed: ${error instanceof Error ? error.message : String(error)}`));
	}
}
