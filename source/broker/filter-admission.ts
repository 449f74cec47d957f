import {DEFAULT_FILTER_LIMITS, type CompiledFilter} from '../filter/compile-filter.js';
import {FilterCache} from '../filter/filter-cache.js';
import {FILTER_SLICE_MS, FILTER_TIME_BURST_MS, FILTER_TIME_RATE_MS, FilterScheduler} from '../filter/filter-scheduler.js';
import {MAX_REGEX_INPUT} from '../filter/to-predicate.js';
import type {Connection} from './connection.js';
import type {Subscription} from './subscription.js';

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

/**
 * Which filters a subscription may hold, and the filter time spent over stored messages. Owns the
 * compiled filters (a text in use is compiled once and shared) and each connection's allowance of
 * filter time; guarantees no connection holds more than REGEX_BUDGET RE2 instructions, no room on
 * this node more than ROOM_REGEX_BUDGET of distinct filters, and a refused filter changes nothing.
 */
export class FilterAdmission {
	private readonly filters: FilterCache;
	/** The caps announced in `welcome.limits`. */
	readonly caps: FilterCaps;
	/** Runs filters over stored messages (replays and history replies) in slices, within each connection's allowance. */
	readonly filterWork = new FilterScheduler({sliceMs: FILTER_SLICE_MS, rateMs: FILTER_TIME_RATE_MS, burstMs: FILTER_TIME_BURST_MS});

	/** `rooms`: the fan-out's index of this node's rooms to their member connections. */
	constructor(
		maxFilter: number,
		private readonly rooms: ReadonlyMap<string, ReadonlySet<Connection>>,
	) {
		this.filters = new FilterCache({maxLength: maxFilter, maxRegexSize: REGEX_BUDGET});
		this.caps = {
			filterLength: maxFilter,
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
	compile(connection: Connection, room: string, filterText: string | undefined, replacing: Subscription | undefined): {ok: true; filter: CompiledFilter | undefined} | {ok: false} {
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
		for (const member of this.rooms.get(key) ?? []) {
			for (const sub of [member.subs.get(key), ...(member.named.get(key)?.values() ?? [])]) {
				if (sub && sub !== replacing && sub.filter) distinct.add(sub.filter);
			}
		}
		let size = 0;
		for (const each of distinct) size += each.regexSize;
		return size;
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

/** The RE2 instructions of every filter the connection holds (room subscriptions and views). */
function regexSizeHeld(connection: Connection): number {
	let size = 0;
	for (const sub of connection.subs.values()) size += sub.filter?.regexSize ?? 0;
	for (const views of connection.named.values()) for (const view of views.values()) size += view.filter?.regexSize ?? 0;
	return size;
}
