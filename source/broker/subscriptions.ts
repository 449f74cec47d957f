import {DEFAULT_FILTER_LIMITS, type CompiledFilter} from '../filter/compile-filter.js';
import {FilterCache} from '../filter/filter-cache.js';
import {FILTER_SLICE_MS, FILTER_TIME_BURST_MS, FILTER_TIME_RATE_MS, FilterScheduler} from '../filter/filter-scheduler.js';
import {MAX_REGEX_INPUT} from '../filter/to-predicate.js';
import type {ChatMessage} from '../protocol/messages.js';
import {isDirectRoom} from '../protocol/names.js';
import type {Connection, Subscription} from './connection.js';
import type {Engine, PresenceEvent} from './engines/engine.js';
import type {Fanout} from './fanout.js';

/** Most named views (`subscribe` with `sub`) one connection may hold, over all its rooms. */
export const MAX_NAMED_VIEWS = 32;
/**
 * Most RE2 instructions all of one connection's filters may hold together (its room
 * subscriptions and named views): with MAX_REGEX_INPUT it bounds the regular-expression work one
 * published message can cost per connection (see docs/filters.md for the measured figure).
 */
export const REGEX_BUDGET = 128;
/**
 * Most RE2 instructions the distinct filters of one room may hold together on this node, over all
 * its members: the fan-out runs each distinct filter once per message (FilterCache, and the
 * filter's memory of the last message), so this bounds the regular-expression work one message
 * can cost the node, however many connections hold filters there.
 */
export const ROOM_REGEX_BUDGET = 256;

/** The filter caps a connection is held to, as `welcome.limits` announces them. */
export type FilterCaps = {
	filterLength: number;
	filterRegexes: number;
	regexBudget: number;
	roomRegexBudget: number;
	regexText: number;
	namedViews: number;
};

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
	private readonly filters: FilterCache;
	/** The caps announced in `welcome.limits`. */
	readonly caps: FilterCaps;
	/** Runs filters over stored messages (replays here, history replies in the hub) in slices, within each connection's allowance. */
	readonly filterWork = new FilterScheduler({sliceMs: FILTER_SLICE_MS, rateMs: FILTER_TIME_RATE_MS, burstMs: FILTER_TIME_BURST_MS});

	constructor(
		private readonly engine: Engine,
		private readonly fanout: Fanout,
		private readonly options: SubscriptionsOptions,
	) {
		this.filters = new FilterCache({maxLength: options.maxFilter, maxRegexSize: REGEX_BUDGET});
		this.caps = {
			filterLength: options.maxFilter,
			filterRegexes: DEFAULT_FILTER_LIMITS.maxRegexes,
			regexBudget: REGEX_BUDGET,
			roomRegexBudget: ROOM_REGEX_BUDGET,
			regexText: MAX_REGEX_INPUT,
			namedViews: MAX_NAMED_VIEWS,
		};
	}

	/**
	 * Compile a subscription's filter once (a text already in use is shared); a bad one, or one that
	 * would take the connection past its regular-expression budget, is answered here and changes
	 * nothing. `replacing` is the subscription whose filter this one would replace.
	 */
	private compile(connection: Connection, room: string, filterText: string | undefined, replacing: Subscription | undefined): {ok: true; filter: CompiledFilter | undefined} | {ok: false} {
		if (filterText === undefined) return {ok: true, filter: undefined};
		// A filtered subscribe replays through the filter: refused up front while the connection owes filter time.
		if (!filterTimeLeft(this.filterWork, connection, {room})) return {ok: false};
		const compiled = this.filters.compile(filterText);
		if (!compiled.ok) {
			connection.error('invalid_filter', `filter: ${compiled.error}`, {room, position: compiled.position});
			return {ok: false};
		}
		const size = compiled.filter.regexSize;
		if (size > 0) {
			const used = regexSizeHeld(connection) - (replacing?.filter?.regexSize ?? 0);
			if (used + size > REGEX_BUDGET) {
				connection.error('limit_exceeded', `filter: this connection's regular expressions would need ${used + size} RE2 instructions together, at most ${REGEX_BUDGET} (this filter's take ${size}); unsubscribe or simplify another filter first`, {room});
				return {ok: false};
			}
			const inRoom = this.roomRegexSize(connection.engineKey(room), compiled.filter, replacing);
			if (inRoom > ROOM_REGEX_BUDGET) {
				connection.error('limit_exceeded', `filter: the filters in ${room} would need ${inRoom} RE2 instructions together, at most ${ROOM_REGEX_BUDGET} (this filter's take ${size}); a filter someone there already uses costs nothing more`, {room});
				return {ok: false};
			}
		}
		return {ok: true, filter: compiled.filter};
	}

	/** The RE2 instructions of the room's distinct filters on this node once `filter` replaces `replacing`'s. */
	private roomRegexSize(key: string, filter: CompiledFilter, replacing: Subscription | undefined): number {
		const distinct = new Set<CompiledFilter>([filter]);
		for (const member of this.fanout.rooms.get(key) ?? []) {
			for (const sub of [member.subs.get(key), ...(member.named.get(key)?.values() ?? [])]) {
				if (sub && sub !== replacing && sub.filter) distinct.add(sub.filter);
			}
		}
		let size = 0;
		for (const each of distinct) size += each.regexSize;
		return size;
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
		const compiled = this.compile(connection, room, filterText, existing);
		if (!compiled.ok) return;
		const listened = connection.listens(key);
		const sub = existing ?? connection.addView({key, wire: room, epoch: '', last: 0, queue: undefined, filter: undefined, admitted: 0, name});
		sub.filter = compiled.filter;
		sub.queue ??= [];
		if (!existing) this.fanout.join(key, connection);
		try {
			if (!listened) await this.addPresence(connection, key, room);
			await this.replayThenLive(connection, sub, since, epoch);
		} catch (error) {
			if (!existing) await this.dropNamed(connection, sub);
			else if (connection.holds(sub)) this.fanout.drain(connection, sub, []);
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
		await this.removePresence(sub.key, connection.userId!, connection.holder, sub.wire);
	}

	/** Make `connection` a holder of its user's presence in `key`, announcing a join when the user was absent. */
	private async addPresence(connection: Connection, key: string, room: string): Promise<void> {
		if (await this.engine.presenceAdd(key, connection.userId!, connection.holder, connection.status, connection.reason)) {
			if (!isDirectRoom(room)) await this.engine.announce(presenceEvent(key, connection.userId!, 'join', connection));
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
		const compiled = this.compile(connection, room, filterText, existing);
		if (!compiled.ok) return;
		const filter = compiled.filter;
		const sub: Subscription = existing ?? {key, wire: room, epoch: '', last: 0, queue: undefined, filter: undefined, admitted: 0};
		sub.filter = filter;
		// Queue live traffic from this moment, so nothing falls between the history read and going live.
		sub.queue ??= [];
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
			this.fanout.drain(connection, sub, []);
			return;
		}
		connection.subs.delete(sub.key);
		if (connection.listens(sub.key)) return;
		this.fanout.leave(sub.key, connection);
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
		let verdicts = await this.judge(connection, sub, page.messages);
		if (verdicts && sub.epoch !== epochBefore && sub.epoch !== page.epoch) {
			// Cleared while the filter ran (it takes event-loop turns): the page is the old epoch's.
			start = 0;
			page = await engine.history(key, {since: 0});
			verdicts = await this.judge(connection, sub, page.messages);
		}
		if (connection.closed || !connection.holds(sub) || !verdicts) return;
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
			...(page.topic === undefined ? {} : {topic: page.topic}),
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
		const judgedBy = sub.filter;
		const judged = judgedBy && verdicts.length > 0 ? new Map<ChatMessage, boolean>(messages.map((message, n) => [message, verdicts[n]!])) : undefined;
		for (const message of messages) {
			if (!connection.hasRoomFor(connection.page)) {
				if (!(await connection.whenRoomFor(connection.page))) return;
				// Left, or history cleared while waiting: what is left of this replay belongs to no one.
				if (!connection.holds(sub) || sub.epoch !== epoch) break;
			}
			const filter = sub.filter;
			if (judged && filter && filter === judgedBy) {
				// The fan-out asks the subscription's filter about each replayed message: for these, the
				// answers judged above. Swapped back before anything else can run.
				sub.filter = {source: filter.source, regexSize: filter.regexSize, matches: (m, pass) => judged.get(m as ChatMessage) ?? filter.matches(m, pass)};
				try {
					this.fanout.replayOne(connection, sub, message);
				} finally {
					sub.filter = filter;
				}
			} else {
				this.fanout.replayOne(connection, sub, message);
			}
		}
		if (connection.closed || !connection.holds(sub)) return;
		this.fanout.drain(connection, sub, []);
	}

	/** The filter's verdict on each replayed message, judged in slices; [] without a filter; undefined once nobody waits for it. */
	private async judge(connection: Connection, sub: Subscription, messages: ChatMessage[]): Promise<boolean[] | undefined> {
		if (!sub.filter) return [];
		return this.filterWork.judge(connection, sub.filter, messages, () => connection.closed || !connection.holds(sub));
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

/**
 * False, after telling the connection why (`rate_limited`, with `extra`), when it has spent its
 * filter time over stored messages and must wait before it may run a filter over a page again.
 */
export function filterTimeLeft(work: FilterScheduler, connection: Connection, extra: {room: string; id?: string}): boolean {
	const wait = work.wait(connection);
	if (wait === 0) return true;
	const seconds = Math.max(1, Math.ceil(wait / 1000));
	connection.error('rate_limited', `filter time: this connection's filters have run over stored messages for more than ${FILTER_TIME_RATE_MS} ms a second (${FILTER_TIME_BURST_MS / 1000} s at once); try again in ${seconds} s`, extra);
	return false;
}

/** How many named views the connection holds, over all its rooms. */
function viewsHeld(connection: Connection): number {
	let count = 0;
	for (const views of connection.named.values()) count += views.size;
	return count;
}

/** The RE2 instructions of every filter the connection holds (room subscriptions and views). */
function regexSizeHeld(connection: Connection): number {
	let size = 0;
	for (const sub of connection.subs.values()) size += sub.filter?.regexSize ?? 0;
	for (const views of connection.named.values()) for (const view of views.values()) size += view.filter?.regexSize ?? 0;
	return size;
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
