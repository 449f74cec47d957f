import {directParties} from '../../../protocol/names.js';
import type {EngineEvent, EngineListener, HistoryPage, RoomState} from '../engine.js';
import type {RedisClient} from './redis-connection.js';
import {roomKeys, userChannel} from './redis-keys.js';

/** What the link needs from the engine around it. */
export type EventLinkOptions = {
	/** A connection of its own: a Redis connection in subscriber mode can do nothing else. */
	subscriber: RedisClient;
	/** On a Redis Cluster: SSUBSCRIBE (sharded pub/sub) instead of SUBSCRIBE; ioredis keeps one connection per master. */
	sharded: boolean;
	prefix: string;
	room(room: string): Promise<RoomState>;
	history(room: string, since: number): Promise<HistoryPage>;
	log(line: string): void;
};

type Position = {epoch: string; sequence: number; confirmed: boolean};

/**
 * The Redis engine's side of pub/sub: which channels this node listens to, and the events
 * that arrive on them, handed to the hub in order and each once.
 *
 * Redis pub/sub is at-most-once: a subscriber that is disconnected (network, Redis restart,
 * output buffer limit) misses what was published meanwhile. The link therefore
 * - remembers, per room, the last sequence it handed on (and the epoch),
 * - after every reconnect re-subscribes everything it watches (ioredis does too), then reads
 *   each watched room's history since that position and hands on what it missed,
 * - drops copies it has already handed on (a DM arrives once per party the node watches).
 * What it still misses (a message published between a watch and its SUBSCRIBE taking effect)
 * the hub repairs from history by sequence as soon as the next message shows the hole.
 *
 * On a Redis Cluster (sharded) ioredis keeps one subscriber connection per master and
 * resubscribes each shard's channels itself when the topology changes (a failover); it says so
 * with `subscribersReady`, after which the link catches up every watched room as above.
 */
export class RedisEventLink {
	private readonly listeners: EngineListener[] = [];
	/** Channel -> what it carries: a room key, or `@user` for a user's direct messages. */
	private readonly watched = new Map<string, string>();
	private readonly positions = new Map<string, Position>();
	/** Nonces of events this node published, with who waits to see them arrive. */
	private readonly pending = new Map<string, () => void>();
	/** Rooms being caught up after a reconnect -> their live events, held back meanwhile. */
	private readonly held = new Map<string, EngineEvent[]>();
	/** Watches whose SUBSCRIBE is still on its way (true once it took effect). */
	private readonly subscribing = new Map<string, Promise<boolean>>();
	/** Counts reconnects, so a catch-up made stale by a newer reconnect stops. */
	private generation = 0;
	private everReady = false;
	/** On a cluster: resolves once ioredis has its per-master subscribers for the known slots. */
	private groupReady: Promise<void> = Promise.resolve();
	private closed = false;
	/**
	 * Settles (false) when the subscriber connection next goes down. One shared promise, not a
	 * listener per SUBSCRIBE in flight: hundreds of joins at once would otherwise trip Node's
	 * MaxListenersExceededWarning on the connection.
	 */
	private down: {promise: Promise<false>; settle: () => void} | undefined;

	constructor(private readonly options: EventLinkOptions) {
		const {subscriber} = options;
		const wentDown = (): void => {
			const down = this.down;
			this.down = undefined;
			down?.settle();
		};
		subscriber.on('reconnecting', wentDown);
		subscriber.on('end', wentDown);
		if (options.sharded) {
			// A shard's subscriber connection ended (its master died): watches in flight stop waiting.
			subscriber.on('-node', wentDown);
			subscriber.on('smessage', (channel: string, payload: string) => this.onPayload(channel, payload));
			let settleGroup = (): void => {};
			this.groupReady = new Promise<void>(resolve => {
				settleGroup = resolve;
				// Never wait for ever: a watch that comes too early is retried (shardSubscribe) or caught up.
				setTimeout(resolve, 3000).unref();
			});
			// ioredis resets its per-master subscribers once before it knows the slots and again with
			// them, then reports `ready`; an SSUBSCRIBE sent before that can land on a subscriber that is
			// then replaced and never resubscribed. Later resets follow topology changes (a failover).
			subscriber.once('ready', () => {
				settleGroup();
				this.everReady = true;
			});
			subscriber.on('subscribersReady', () => {
				if (this.everReady) void this.resume();
			});
		} else {
			subscriber.on('message', (channel: string, payload: string) => this.onPayload(channel, payload));
			subscriber.on('ready', () => {
				if (this.everReady) void this.resume();
				this.everReady = true;
			});
		}
	}

	/** Start receiving a room's events, or with `@user`, that user's direct messages. Never rejects. */
	async watch(target: string): Promise<void> {
		const channel = this.channelOf(target);
		if (this.watched.has(channel)) return;
		this.watched.set(channel, target);
		try {
			// While Redis is away, do not wait for it: the channel is remembered and resume() subscribes.
			const subscribed = this.options.sharded ? this.shardSubscribe(channel) : this.whileReachable(this.options.subscriber.subscribe(channel));
			this.subscribing.set(target, subscribed);
			const done = await subscribed.finally(() => {
				if (this.subscribing.get(target) === subscribed) this.subscribing.delete(target);
			});
			if (!done) return;
			if (target.startsWith('@')) return;
			// A starting position, so a reconnect can catch up even if no event came before the drop.
			const state = await this.options.room(target);
			if (!this.positions.has(target) && this.watched.has(channel)) {
				this.positions.set(target, {epoch: state.epoch, sequence: state.sequence, confirmed: false});
			}
		} catch (error) {
			// The hub calls watch without awaiting it; a reconnect subscribes again.
			this.options.log(`redis: watching ${target} failed: ${(error as Error).message}`);
		}
	}

	/** Stop receiving a room's (or `@user`'s) events. Never rejects. */
	async unwatch(target: string): Promise<void> {
		const channel = this.channelOf(target);
		if (!this.watched.delete(channel)) return;
		this.forget(target);
		try {
			await this.whileReachable(this.options.sharded ? this.options.subscriber.sunsubscribe(channel) : this.options.subscriber.unsubscribe(channel));
		} catch (error) {
			this.options.log(`redis: unwatching ${target} failed: ${(error as Error).message}`);
		}
	}

	/**
	 * Resolves once a watch of `room` that is still in flight has taken effect. The hub starts a
	 * watch without awaiting it and then reads the room; the engine awaits this first, so no
	 * event published after that read (a join, a message) can slip past a SUBSCRIBE not yet active.
	 */
	async settled(room: string): Promise<void> {
		// A failed SUBSCRIBE was logged by watch(); the caller's own Redis call reports any outage.
		await this.subscribing.get(room)?.catch(() => {});
	}

	/** Whether events of this room key reach this node (for a DM: either party is watched). */
	receives(room: string): boolean {
		if (this.watched.has(this.channelOf(room))) return true;
		const parties = directParties(room);
		return parties !== undefined && parties.some(user => this.watched.has(this.channelOf(`@${user}`)));
	}

	/** A promise that settles when the event carrying `nonce` arrives here, or after `ms`. */
	arrival(nonce: string, ms: number): {promise: Promise<void>; cancel(): void} {
		let timer: NodeJS.Timeout | undefined;
		const promise = new Promise<void>(resolve => {
			const done = (): void => {
				clearTimeout(timer);
				this.pending.delete(nonce);
				resolve();
			};
			this.pending.set(nonce, done);
			timer = setTimeout(done, ms);
			timer.unref();
		});
		return {promise, cancel: () => this.pending.get(nonce)?.()};
	}

	on(listener: EngineListener): void {
		this.listeners.push(listener);
	}

	close(): void {
		this.closed = true;
		this.listeners.length = 0;
		for (const done of [...this.pending.values()]) done();
	}

	/**
	 * SSUBSCRIBE on a cluster. ioredis refuses one while it has no subscriber for the channel's
	 * slot yet (just after connecting, or while a failed master's replica is being promoted), and
	 * then forgets the channel: retry for a few seconds, so a watch made at that moment still lands.
	 */
	private async shardSubscribe(channel: string): Promise<boolean> {
		await this.groupReady;
		for (let attempt = 1; ; attempt++) {
			try {
				return await this.whileReachable(this.options.subscriber.ssubscribe(channel), true);
			} catch (error) {
				if (attempt >= 30 || this.closed || !this.watched.has(channel)) throw error;
				await new Promise(resolve => setTimeout(resolve, Math.min(50 * attempt, 500)));
			}
		}
	}

	/** Wait for `work` unless the subscriber connection is (or goes) down first; true when it completed. */
	private async whileReachable(work: Promise<unknown>, rethrow = false): Promise<boolean> {
		const {subscriber} = this.options;
		work.catch(() => {}); // Settled later, or never wanted: either way not an unhandled rejection.
		if (rethrow) {
			// The caller retries a refusal itself; a connection that went down settles as false.
			if (subscriber.status === 'end' || subscriber.status === 'close') return false;
			if (!this.down) this.down = downSignal();
			return Promise.race([work.then(() => true), this.down.promise]);
		}
		if (subscriber.status === 'reconnecting' || subscriber.status === 'end' || subscriber.status === 'close') return false;
		this.down ??= downSignal();
		return Promise.race([work.then(() => true), this.down.promise]);
	}

	private channelOf(target: string): string {
		return target.startsWith('@') ? userChannel(this.options.prefix, target.slice(1)) : roomKeys(this.options.prefix, target).channel;
	}

	private onPayload(channel: string, payload: string): void {
		if (this.closed) return;
		let parsed: EngineEvent & {n?: string};
		try {
			parsed = JSON.parse(payload) as EngineEvent & {n?: string};
		} catch {
			this.options.log(`redis: ignored a malformed event on ${channel}`);
			return;
		}
		const {n: nonce, ...event} = parsed;
		if (nonce !== undefined) this.pending.get(nonce)?.();
		this.hand(event);
	}

	/** Hand an event to the hub unless it is a copy of one already handed on (or hold it during a catch-up). */
	private hand(event: EngineEvent, catchingUp = false): void {
		if (!catchingUp && event.type !== 'presence') {
			const held = this.held.get(event.room);
			if (held) {
				held.push(event);
				return;
			}
		}
		if (event.type === 'message') {
			const last = this.positions.get(event.room);
			if (last?.confirmed && last.epoch === event.epoch && event.message.sequence <= last.sequence) return;
			this.positions.set(event.room, {epoch: event.epoch, sequence: event.message.sequence, confirmed: true});
		} else if (event.type === 'cleared') {
			const last = this.positions.get(event.room);
			if (last?.confirmed && last.epoch === event.epoch) return;
			this.positions.set(event.room, {epoch: event.epoch, sequence: 0, confirmed: true});
		}
		for (const listener of this.listeners) listener(event);
	}

	/** After a reconnect: subscribe again, then hand on what each watched room got meanwhile. */
	private async resume(): Promise<void> {
		const generation = ++this.generation;
		const channels = [...this.watched.keys()];
		this.options.log(`redis: event link back, catching up ${channels.length} channel(s)`);
		const rooms = [...this.watched.values()].filter(target => !target.startsWith('@') && this.positions.has(target));
		// Live events of these rooms wait until their catch-up is handed on, so order holds. Held
		// from before the SUBSCRIBE: ioredis has usually resubscribed on its own already, and a live
		// event handed on first would move the position past the messages the catch-up must deliver
		// (they were then dropped as duplicates: the Redis-restart test lost 201-208 under load).
		for (const room of rooms) this.held.set(room, []);
		try {
			// On a cluster ioredis has resubscribed each shard already (and SSUBSCRIBE takes one slot at a time).
			if (channels.length > 0 && !this.options.sharded) await this.options.subscriber.subscribe(...channels);
		} catch (error) {
			this.options.log(`redis: resubscribing failed: ${(error as Error).message}`);
			for (const room of rooms) this.release(room);
			return;
		}
		await Promise.all(rooms.map(room => this.catchUp(room, generation)));
	}

	private async catchUp(room: string, generation: number): Promise<void> {
		try {
			// The command connection may come back a little after this one: retry briefly.
			for (let attempt = 1; ; attempt++) {
				if (this.closed || generation !== this.generation) return;
				const position = this.positions.get(room);
				if (!position) return;
				try {
					const page = await this.options.history(room, position.sequence);
					if (this.closed) return;
					if (page.epoch === position.epoch) {
						for (const message of page.messages) this.hand({type: 'message', room, epoch: page.epoch, message}, true);
						return;
					}
					// The sequence restarted while we were away (history cleared, or a Redis that lost its data).
					const fresh = await this.options.history(room, 0);
					// Cleared or lost, it cannot tell which: told as a start-over, with no one who cleared.
					this.hand({type: 'cleared', room, epoch: fresh.epoch}, true);
					for (const message of fresh.messages) this.hand({type: 'message', room, epoch: fresh.epoch, message}, true);
					return;
				} catch (error) {
					if (attempt >= 20) {
						this.options.log(`redis: catching up ${room} failed: ${(error as Error).message}`);
						return;
					}
					await new Promise(resolve => setTimeout(resolve, Math.min(50 * attempt, 500)));
				}
			}
		} finally {
			// Whatever happened, release what was held (the hub repairs a hole that is left).
			this.release(room);
		}
	}

	/** Hand on a room's live events held during its catch-up, and stop holding. */
	private release(room: string): void {
		const held = this.held.get(room) ?? [];
		this.held.delete(room);
		for (const event of held) this.hand(event, true);
	}

	/** Drop positions nobody needs any more, so the map stays as small as what this node watches. */
	private forget(target: string): void {
		if (!target.startsWith('@')) {
			if (!this.receives(target)) this.positions.delete(target);
			return;
		}
		for (const room of this.positions.keys()) {
			if (directParties(room) && !this.receives(room)) this.positions.delete(room);
		}
	}
}

/** A promise that settles (false) when `settle` is called: the subscriber connection went down. */
function downSignal(): {promise: Promise<false>; settle: () => void} {
	let settle = (): void => {};
	const promise = new Promise<false>(resolve => {
		settle = () => resolve(false);
	});
	return {promise, settle};
}
