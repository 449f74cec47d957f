import type {ChatMessage, ErrorFrame, GetHistoryFrame, HistoryFrame} from '../protocol/messages.js';
import type {Dialect} from './dialect.js';
import type {ClientEvent, HistoryPurpose, HistoryQuery} from './types.js';
import {defined} from '../defined.js';

/** One outstanding `get_history`: a gap fill for a room's ordered stream, or a page a caller asked for (`query`). */
export type HistoryRequest = {
	readonly id: string;
	readonly room: string;
	readonly purpose: 'fill' | HistoryPurpose;
	readonly limit: number;
	/** The caller's request as its answer carries it back (undefined for fills, which never leave the client). */
	readonly query?: HistoryQuery;
};

/** A complete answer: a fill's pages joined into one frame for its room, or the `history` event for a caller's page. */
export type HistoryAnswer =
	| {purpose: 'fill'; page: HistoryFrame}
	| {purpose: HistoryPurpose; event: Extract<ClientEvent, {type: 'history'}>};

type Pending = {request: HistoryRequest; messages: ChatMessage[]; first: HistoryFrame | undefined};

/** The broker codes that may answer a `get_history` (a broker that echoes no ids cannot say which frame failed). */
const HISTORY_ERROR_CODES = new Set(['unavailable', 'rate_limited', 'internal', 'invalid_field']);

/**
 * The one owner of history requests: it gives each `get_history` an id and matches every answer
 * to its request. A broker that echoes the id is matched by it, whatever the order of answers,
 * and its pages are gathered (every page but the last says `more`) into one answer. A broker that
 * echoes none (the seed's server, natter before ids) answers each room's requests in order: the
 * oldest outstanding request of the room takes the answer. Requests die with their connection.
 */
export class HistoryRequests {
	private readonly byId = new Map<string, Pending>();
	/** Per room, outstanding requests in the order they were sent (for brokers that echo no ids). */
	private readonly byRoom = new Map<string, Pending[]>();
	private counter = 0;

	constructor(private readonly send: (frame: GetHistoryFrame) => boolean) {}

	/**
	 * Send a `get_history` carrying a fresh id. Returns the request, or undefined when it could
	 * not be sent (no connection): then nothing is outstanding.
	 */
	request(room: string, query: {since?: number; before?: number; limit: number; epoch?: string}, purpose: HistoryRequest['purpose']): HistoryRequest | undefined {
		const id = `h${++this.counter}`;
		const request: HistoryRequest = {
			id,
			room,
			purpose,
			limit: query.limit,
			...(purpose === 'fill' ? {} : {query: {id, room, before: query.before ?? Number.MAX_SAFE_INTEGER, limit: query.limit, purpose}}),
		};
		const frame: GetHistoryFrame = {type: 'get_history', room, ...defined({since: query.since, before: query.before}), limit: query.limit};
		if (query.epoch !== undefined) frame.epoch = query.epoch;
		frame.id = request.id;
		if (!this.send(frame)) return undefined;
		const pending: Pending = {request, messages: [], first: undefined};
		this.byId.set(request.id, pending);
		let queue = this.byRoom.get(room);
		if (!queue) {
			queue = [];
			this.byRoom.set(room, queue);
		}
		queue.push(pending);
		return request;
	}

	/**
	 * A `history` frame: the whole answer once its last page is in; undefined while more pages
	 * are to come, or when it answers nothing outstanding (a request of a room since left): such
	 * a page is dropped.
	 */
	onHistory(frame: HistoryFrame, dialect: Dialect): HistoryAnswer | undefined {
		const pending = this.match(frame.id, frame.room);
		if (!pending) return undefined;
		// However many pages a broker sends, a request holds at most what it asked for.
		const room = pending.request.limit - pending.messages.length;
		if (room > 0) pending.messages.push(...frame.messages.slice(0, room));
		pending.first ??= frame;
		if (frame.more === true) return undefined;
		this.settle(pending);
		const first = pending.first;
		const page: HistoryFrame = {
			...frame,
			messages: pending.messages,
			...defined({first: first.first, since: first.since}),
		};
		delete page.more;
		const {purpose, query} = pending.request;
		if (purpose === 'fill' || query === undefined) return {purpose: 'fill', page};
		// A broker that ignores before/limit (the seed's) sends everything: cut the page here.
		const messages = dialect.historyPaging ? page.messages : page.messages.filter(m => m.sequence < query.before).slice(-query.limit);
		return {purpose, event: {type: 'history', room: frame.room, messages, first: page.first ?? messages[0]?.sequence, query}};
	}

	/**
	 * An `error` frame: the request it refused, if it answers one. With ids that is the request
	 * named; without (a broker that echoes none), a refusal of the kind a `get_history` can get,
	 * in a room with requests outstanding, takes the oldest of them.
	 */
	onError(frame: ErrorFrame, echoesIds: boolean): HistoryRequest | undefined {
		if (frame.clientId !== undefined) return undefined;
		if (frame.id === undefined && (echoesIds || frame.room === undefined || !HISTORY_ERROR_CODES.has(frame.code))) return undefined;
		const pending = this.match(frame.id, frame.room);
		if (!pending) return undefined;
		this.settle(pending);
		return pending.request;
	}

	/** The room was left: its answers, if any come, are no longer wanted. */
	forgetRoom(room: string): void {
		for (const pending of this.byRoom.get(room) ?? []) this.byId.delete(pending.request.id);
		this.byRoom.delete(room);
	}

	/** The connection dropped: no request sent on it will be answered. */
	clear(): void {
		this.byId.clear();
		this.byRoom.clear();
	}

	private match(id: string | undefined, room: string | undefined): Pending | undefined {
		if (id === undefined) return room === undefined ? undefined : this.byRoom.get(room)?.[0];
		const pending = this.byId.get(id);
		// An answer names its room too: one that names another is not this request's.
		return pending && (room === undefined || pending.request.room === room) ? pending : undefined;
	}

	private settle(pending: Pending): void {
		this.byId.delete(pending.request.id);
		const queue = this.byRoom.get(pending.request.room);
		if (!queue) return;
		const index = queue.indexOf(pending);
		if (index >= 0) queue.splice(index, 1);
		if (queue.length === 0) this.byRoom.delete(pending.request.room);
	}
}
