import {compileFilter, type CompiledFilter} from '../filter/compile-filter.js';
import {isDirectRoom} from '../protocol/names.js';
import type {Connection, Subscription} from './connection.js';
import type {Engine, PresenceEvent} from './engine.js';
import type {Fanout} from './fanout.js';

/** What joining and leaving need besides the engine and the fan-out. */
export type SubscriptionsOptions = {
	/** Longest filter text accepted (the frame limits' maxFilter). */
	maxFilter: number;
	/** The broker is shutting down: leaving announces nothing (its presence goes with the node). */
	isClosing: () => boolean;
	log: (line: string) => void;
};

/**
 * Joining and leaving rooms on one node. A subscription (a connection's own, which carries its
 * presence, or a named view with a filter of its own) is answered with `subscribed`, replayed
 * from where the client left off, and only then let through live, so nothing falls between
 * history and live traffic or arrives twice; a subscribe the engine fails half-way is undone.
 * Leaving removes presence and announces it. The hub routes the frames here.
 */
export class Subscriptions {
	constructor(
		private readonly engine: Engine,
		private readonly fanout: Fanout,
		private readonly options: SubscriptionsOptions,
	) {}

	/** Compile a subscription's filter once; a bad one is answered here and changes nothing. */
	private compile(connection: Connection, room: string, filterText: string | undefined): {ok: true; filter: CompiledFilter | undefined} | {ok: false} {
		if (filterText === undefined) return {ok: true, filter: undefined};
		const compiled = compileFilter(filterText, {maxLength: this.options.maxFilter});
		if (!compiled.ok) {
			connection.error('invalid_filter', `filter: ${compiled.error}`, {room, position: compiled.position});
			return {ok: false};
		}
		return {ok: true, filter: compiled.filter};
	}

	/**
	 * A named subscription: another view of a room on this connection (usually with its own
	 * filter), replayed and delivered independently, its messages tagged with `sub`. It carries no
	 * presence: the connection's plain subscription does that.
	 */
	async subscribeNamed(connection: Connection, room: string, name: string, since: number | undefined, epoch: string | undefined, filterText: string | undefined): Promise<void> {
		const compiled = this.compile(connection, room, filterText);
		if (!compiled.ok) return;
		const key = connection.engineKey(room);
		const existing = connection.named.get(key)?.get(name);
		const sub = existing ?? connection.addView({key, wire: room, epoch: '', last: 0, queue: undefined, filter: undefined, admitted: 0, name});
		sub.filter = compiled.filter;
		sub.queue ??= [];
		if (!existing) this.fanout.join(key, connection);
		try {
			await this.replayThenLive(connection, sub, since, epoch);
		} catch (error) {
			if (!existing) this.dropNamed(connection, sub);
			else if (connection.holds(sub)) this.fanout.drain(connection, sub, []);
			throw error;
		}
	}

	unsubscribeNamed(connection: Connection, room: string, name: string): void {
		const sub = connection.userId === undefined ? undefined : connection.named.get(connection.engineKey(room))?.get(name);
		if (!sub) {
			connection.error('not_subscribed', `no subscription ${JSON.stringify(name)} to ${room}`, {room});
			return;
		}
		this.dropNamed(connection, sub);
		connection.send({type: 'unsubscribed', room, sub: name});
	}

	private dropNamed(connection: Connection, sub: Subscription): void {
		if (!connection.removeView(sub)) return;
		if (!connection.listens(sub.key)) this.fanout.leave(sub.key, connection);
	}

	async subscribe(connection: Connection, room: string, since: number | undefined, epoch: string | undefined, filterText: string | undefined): Promise<void> {
		const {engine} = this;
		const userId = connection.userId!;
		const compiled = this.compile(connection, room, filterText);
		if (!compiled.ok) return;
		const filter = compiled.filter;
		const key = connection.engineKey(room);
		const existing = connection.subs.get(key);
		const sub: Subscription = existing ?? {key, wire: room, epoch: '', last: 0, queue: undefined, filter: undefined, admitted: 0};
		sub.filter = filter;
		// Queue live traffic from this moment, so nothing falls between the history read and going live.
		sub.queue ??= [];
		try {
			if (!existing) {
				connection.subs.set(key, sub);
				this.fanout.join(key, connection);
				if (await engine.presenceAdd(key, userId, connection.holder, connection.status, connection.reason)) {
					if (!isDirectRoom(room)) await engine.announce(presenceEvent(key, userId, 'join', connection));
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
			this.fanout.drain(connection, sub, []);
			return;
		}
		connection.subs.delete(sub.key);
		if (!connection.listens(sub.key)) this.fanout.leave(sub.key, connection);
		await this.removePresence(sub.key, connection.userId!, connection.holder, sub.wire).catch(error => this.options.log(`presence cleanup of ${sub.key} failed: ${error instanceof Error ? error.message : String(error)}`));
	}

	/** Answer `subscribed`, replay what follows `since`, then let the live messages queued meanwhile through. */
	private async replayThenLive(connection: Connection, sub: Subscription, since: number | undefined, epoch: string | undefined): Promise<void> {
		const {engine} = this;
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
		if (connection.closed || !connection.holds(sub)) return;
		sub.epoch = page.epoch;
		sub.last = start;
		const lost = Math.max(0, Math.min(page.first, page.sequence + 1) - start - 1);
		// A filtered replay's first `prev` must not claim the lost stretch as filtered out.
		sub.admitted = start + lost;
		connection.send({
			type: 'subscribed',
			room,
			sequence: page.sequence,
			epoch: page.epoch,
			since: start,
			first: page.first,
			lost,
			members,
			...(sub.filter ? {filter: sub.filter.source} : {}),
			...(sub.name === undefined ? {} : {sub: sub.name}),
		});
		// Sent at once: every write counts against --max-buffered, so a replay larger than the bound
		// ends in a cut-off (4009) at the bound and the client resumes from its last sequence.
		this.fanout.drain(connection, sub, page.messages);
	}

	async unsubscribe(connection: Connection, room: string): Promise<void> {
		if (connection.userId === undefined) {
			connection.error('not_subscribed', `not subscribed to ${room}`, {room});
			return;
		}
		const key = connection.engineKey(room);
		if (!connection.subs.delete(key)) {
			connection.error('not_subscribed', `not subscribed to ${room}`, {room});
			return;
		}
		if (!connection.listens(key)) this.fanout.leave(key, connection);
		await this.removePresence(key, connection.userId, connection.holder, room);
		connection.send({type: 'unsubscribed', room});
	}

	async removePresence(key: string, userId: string, holder: string, wire: string): Promise<void> {
		if (this.options.isClosing()) return;
		if (await this.engine.presenceRemove(key, userId, holder)) {
			if (!isDirectRoom(wire)) {
				await this.engine.announce({type: 'presence', room: key, userId, action: 'leave', status: 'online', timestamp: Date.now()});
			}
		}
	}
}

/** A presence event about `connection`'s user in `room`, with its current status. */
export function presenceEvent(room: string, userId: string, action: PresenceEvent['action'], connection: Connection): PresenceEvent {
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
