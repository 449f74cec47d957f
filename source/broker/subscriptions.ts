import type {ChatMessage} from '../protocol/messages.js';
import {isDirectRoom} from '../protocol/names.js';
import type {Connection} from './connection.js';
import type {Engine, PresenceEvent} from './engines/engine.js';
import type {Fanout} from './fanout.js';
import {FilterAdmission, MAX_NAMED_VIEWS} from './filter-admission.js';
import {Subscription} from './subscription.js';
import {defined} from '../defined.js';

/** What joining and leaving need besides the engine and the fan-out. */
export type SubscriptionsOptions = {
	/** Longest filter text accepted (the frame limits' maxFilter). */
	maxFilter: number;
	/** The broker is shutting down: leaving announces nothing (its presence goes with the node). */
	isClosing: () => boolean;
	log: (line: string) => void;
};

/**
 * Joining and leaving rooms on one node: which subscriptions a connection holds, and its presence
 * in their rooms. A subscription (a connection's own, which carries its presence, or a named view
 * with a filter of its own) is answered with `subscribed`, replayed from where the client left
 * off (in pages, each once the connection has room), and only then let through live, so nothing
 * falls between history and live traffic or arrives twice; what it is sent is the Subscription's
 * own business. A subscribe the engine fails half-way is undone. Leaving removes presence and
 * announces it. The hub routes the frames here.
 */
export class Subscriptions {
	/** Which filters subscriptions may hold, and the filter time over stored messages (also history replies'). */
	readonly filters: FilterAdmission;

	constructor(
		private readonly engine: Engine,
		private readonly fanout: Fanout,
		private readonly options: SubscriptionsOptions,
	) {
		this.filters = new FilterAdmission(options.maxFilter, fanout.rooms);
	}

	/**
	 * A named subscription: another view of a room on this connection (usually with its own
	 * filter), replayed and delivered independently, its messages tagged with `sub`. A connection
	 * that reads a room is in it, whatever view it reads through: the first view of a room makes
	 * the connection a member as a plain subscription does (a join, once per user), and the last
	 * view it drops makes it leave, so `who` and presence never miss a reader (issue 16.8).
	 */
	async subscribeNamed(connection: Connection, room: string, name: string, since: number | undefined, epoch: string | undefined, filterText: string | undefined): Promise<void> {
		const key = connection.engineKey(room);
		const existing = connection.named.get(key)?.get(name);
		if (!existing && viewsHeld(connection) >= MAX_NAMED_VIEWS) {
			connection.error('limit_exceeded', `at most ${MAX_NAMED_VIEWS} named subscriptions per connection; unsubscribe one first`, {room});
			return;
		}
		const compiled = this.filters.compile(connection, room, filterText, existing);
		if (!compiled.ok) return;
		const listened = connection.listens(key);
		const sub = existing ?? connection.addView(new Subscription(connection, key, room, name, this.fanout.delivery));
		sub.setFilter(compiled.filter);
		sub.holdLive();
		if (!existing) this.fanout.join(key, connection);
		try {
			if (!listened) await this.addPresence(connection, key, room);
			await this.replayThenLive(connection, sub, since, epoch);
		} catch (error) {
			if (!existing) await this.dropNamed(connection, sub);
			else if (connection.holds(sub)) sub.goLive();
			throw error;
		}
	}

	async unsubscribeNamed(connection: Connection, room: string, name: string): Promise<void> {
		const sub = connection.userId === undefined ? undefined : connection.named.get(connection.engineKey(room))?.get(name);
		if (!sub) {
			connection.error('not_subscribed', `no subscription ${JSON.stringify(name)} to ${room}`, {room});
			return;
		}
		await this.dropNamed(connection, sub);
		connection.send({type: 'unsubscribed', room, sub: name});
	}

	private async dropNamed(connection: Connection, sub: Subscription): Promise<void> {
		if (!connection.removeView(sub)) return;
		if (connection.listens(sub.key)) return;
		this.fanout.leave(sub.key, connection);
		await this.removePresence(sub.key, connection.name(), connection.holder, sub.wire);
	}

	/** Make `connection` a holder of its user's presence in `key`, announcing a join when the user was absent. */
	private async addPresence(connection: Connection, key: string, room: string): Promise<void> {
		if (await this.engine.presenceAdd(key, connection.name(), connection.holder, connection.presence.status, connection.presence.reason)) {
			if (!isDirectRoom(room)) await this.engine.announce(presenceEvent(key, connection.name(), 'join', connection));
		}
	}

	/** The rooms `connection` holds presence in (engine key and the name it uses): every room it reads, through any view. */
	held(connection: Connection): Array<{key: string; wire: string}> {
		const rooms = new Map<string, string>();
		for (const sub of connection.subs.values()) rooms.set(sub.key, sub.wire);
		for (const views of connection.named.values()) {
			for (const view of views.values()) if (!rooms.has(view.key)) rooms.set(view.key, view.wire);
		}
		return [...rooms].map(([key, wire]) => ({key, wire}));
	}

	async subscribe(connection: Connection, room: string, since: number | undefined, epoch: string | undefined, filterText: string | undefined): Promise<void> {
		const key = connection.engineKey(room);
		const existing = connection.subs.get(key);
		const compiled = this.filters.compile(connection, room, filterText, existing);
		if (!compiled.ok) return;
		const filter = compiled.filter;
		const sub = existing ?? new Subscription(connection, key, room, undefined, this.fanout.delivery);
		sub.setFilter(filter);
		// Queue live traffic from this moment, so nothing falls between the history read and going live.
		sub.holdLive();
		try {
			if (!existing) {
				connection.subs.set(key, sub);
				this.fanout.join(key, connection);
				// Already a holder through a named view: presenceAdd then announces nothing.
				await this.addPresence(connection, key, room);
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
			sub.goLive();
			return;
		}
		connection.subs.delete(sub.key);
		if (connection.listens(sub.key)) return;
		this.fanout.leave(sub.key, connection);
		await this.removePresence(sub.key, connection.name(), connection.holder, sub.wire).catch(error => this.options.log(`presence cleanup of ${sub.key} failed: ${error instanceof Error ? error.message : String(error)}`));
	}

	/** Answer `subscribed`, replay what follows `since`, then let the live messages queued meanwhile through. */
	private async replayThenLive(connection: Connection, sub: Subscription, since: number | undefined, epoch: string | undefined): Promise<void> {
		const {engine} = this;
		const {key, wire: room} = sub;
		const userId = connection.name();
		// A history-cleared event resets this subscription to the new epoch if it comes while we read.
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
		let verdicts = await this.judge(connection, sub, page.messages);
		if (verdicts && sub.epoch !== epochBefore && sub.epoch !== page.epoch) {
			// Cleared while the filter ran (it takes event-loop turns): the page is the old epoch's.
			start = 0;
			page = await engine.history(key, {since: 0});
			verdicts = await this.judge(connection, sub, page.messages);
		}
		if (connection.closed || !connection.holds(sub) || !verdicts) return;
		const lost = Math.max(0, Math.min(page.first, page.sequence + 1) - start - 1);
		sub.startReplay(page.epoch, start, lost);
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
			...defined({sub: sub.name, topic: page.topic}),
		});
		await this.replayInPages(connection, sub, page.messages, verdicts);
	}

	/**
	 * Send a replay a page at a time, each only once the connection has room (as history replies
	 * go), then let the live messages queued meanwhile through. Every write counts against
	 * --max-buffered, so a replay sent at once would cut a client that is far behind off at the
	 * bound on every resume; paced, it catches up in one go. A peer that takes nothing for the
	 * stall time is cut off (4009) and resumes from its last sequence. Live traffic waits in the
	 * subscription's queue meanwhile, and no hole repair starts while it is queueing. `verdicts`
	 * are the filter's answers for `messages`, judged beforehand in slices (see judge).
	 */
	private async replayInPages(connection: Connection, sub: Subscription, messages: readonly ChatMessage[], verdicts: readonly boolean[]): Promise<void> {
		const {epoch} = sub;
		// The verdicts stand only while the filter that gave them does (a re-subscribe may replace it).
		const judgedBy = sub.filter && verdicts.length > 0 ? sub.filter : undefined;
		for (const [n, message] of messages.entries()) {
			if (!connection.hasRoomFor(connection.page)) {
				if (!(await connection.whenRoomFor(connection.page))) return;
				// Left, or history cleared while waiting: what is left of this replay belongs to no one.
				if (!connection.holds(sub) || sub.epoch !== epoch) break;
			}
			sub.replay(message, judgedBy !== undefined && sub.filter === judgedBy ? verdicts[n] : undefined);
		}
		if (connection.closed || !connection.holds(sub)) return;
		sub.goLive();
	}

	/** The filter's verdict on each replayed message, judged in slices; [] without a filter; undefined once nobody waits for it. */
	private async judge(connection: Connection, sub: Subscription, messages: ChatMessage[]): Promise<boolean[] | undefined> {
		if (!sub.filter) return [];
		return this.filters.filterWork.judge(connection, sub.filter, messages, () => connection.closed || !connection.holds(sub));
	}

	/** The connection's status changed: hold it in every room it is in, announcing away or back where its user's changed. */
	async announceStatus(connection: Connection): Promise<void> {
		const userId = connection.userId;
		if (userId === undefined) return;
		const {status, reason} = connection.presence;
		for (const sub of this.held(connection)) {
			if (isDirectRoom(sub.wire)) continue;
			const change = await this.engine.presenceStatus(sub.key, userId, connection.holder, status, reason);
			if (change && change.before.status !== change.after.status) {
				await this.engine.announce(presenceEvent(sub.key, userId, status === 'away' ? 'away' : 'back', connection));
			}
		}
	}

	/**
	 * The connection closed: it leaves every room on this node at once (fan-out stops), and its
	 * subscriptions are dropped. Returns the rooms it held presence in: the caller removes that
	 * presence (removePresence), now or after a grace period.
	 */
	detach(connection: Connection): Array<{key: string; wire: string}> {
		const held = this.held(connection);
		const listened = new Set([...connection.subs.keys(), ...connection.named.keys()]);
		connection.subs.clear();
		connection.dropViews();
		for (const key of listened) this.fanout.leave(key, connection);
		return held;
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
		// Still reading the room through a named view: still in it.
		if (!connection.listens(key)) {
			this.fanout.leave(key, connection);
			await this.removePresence(key, connection.userId, connection.holder, room);
		}
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

/** How many named views the connection holds, over all its rooms. */
function viewsHeld(connection: Connection): number {
	let count = 0;
	for (const views of connection.named.values()) count += views.size;
	return count;
}

/** A presence event about `connection`'s user in `room`, with its current status. */
export function presenceEvent(room: string, userId: string, action: PresenceEvent['action'], connection: Connection): PresenceEvent {
	return {
		type: 'presence',
		room,
		userId,
		action,
		status: connection.presence.status,
		timestamp: Date.now(),
		...defined({reason: connection.presence.reason}),
	};
}
