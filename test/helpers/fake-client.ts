import type {ChatMessage, Member, MessageData} from '../../source/protocol/messages.js';
import {NATTER_DIALECT} from '../../source/client/dialect.js';
import type {BrokerFlavour, ClientEvent, ClientListener, ConnectionStatus, Dialect, HistoryPurpose, HistoryQuery, NatterClient, PendingMessage} from '../../source/client/types.js';

/** One recorded call to the client: the method name and its arguments. */
export type Call = {method: string; args: unknown[]};

/**
 * A NatterClient for UI tests: records every call, and lets the test play the broker by
 * emitting ClientEvents. It starts online (as `ana`) unless told otherwise.
 */
export class FakeClient implements NatterClient {
	readonly calls: Call[] = [];
	status: ConnectionStatus;
	dialect: Dialect = NATTER_DIALECT;
	/** Every history request made, oldest first (answer them with answerHistory). */
	readonly historyQueries: HistoryQuery[] = [];
	rooms: string[] = [];
	pending: PendingMessage[] = [];
	closed = false;
	private listeners = new Set<ClientListener>();
	private counter = 0;

	constructor(readonly name = 'ana', options: {status?: ConnectionStatus; rooms?: string[]} = {}) {
		this.status = options.status ?? {state: 'online', url: 'ws://test:1', rtt: 3};
		this.rooms = [...(options.rooms ?? [])];
	}

	on(listener: ClientListener): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	/** Deliver an event to the UI, as the client core would. */
	emit(event: ClientEvent): void {
		if (event.type === 'status') this.status = event.status;
		if (event.type === 'welcome') this.dialect = event.dialect;
		for (const listener of this.listeners) listener(event);
	}

	/** Calls of one method, arguments only. */
	callsOf(method: string): unknown[][] {
		return this.calls.filter(call => call.method === method).map(call => call.args);
	}

	get flavour(): BrokerFlavour {
		return this.dialect.name;
	}

	// -- conveniences for tests ---------------------------------------------------------------

	/** Answer the latest history request (as the client core would, carrying the request back). */
	answerHistory(messages: ChatMessage[], first: number | undefined): void {
		const query = this.historyQueries.at(-1);
		if (!query) throw new Error('no history request to answer');
		this.emit({type: 'history', room: query.room, messages, first, query});
	}

	/** Emit `joined` for a room with these members (me included). */
	joined(room: string, members: string[] = [this.name], sequence = 0): void {
		if (!this.rooms.includes(room)) this.rooms.push(room);
		const list: Member[] = members.map(userId => ({userId, status: 'online'}));
		this.emit({type: 'joined', room, epoch: 'e1', sequence, members: list, resumed: false});
	}

	/** Emit a message from `sender` in `room` with the next sequence there (or the one given). */
	message(room: string, sender: string, content: string, sequence: number, timestamp = Date.now()): ChatMessage {
		const message: ChatMessage = {id: `m${sequence}`, room, sender, content, sequence, timestamp};
		this.emit({type: 'message', room, message, replayed: false});
		return message;
	}

	// -- NatterClient --------------------------------------------------------------------------

	start(): void {
		this.record('start', []);
	}

	join(room: string): void {
		this.record('join', [room]);
		if (!this.rooms.includes(room)) this.rooms.push(room);
	}

	leave(room: string): void {
		this.record('leave', [room]);
		this.rooms = this.rooms.filter(r => r !== room);
		this.emit({type: 'left', room});
	}

	publish(room: string, content: string, data?: MessageData): string {
		this.record('publish', data === undefined ? [room, content] : [room, content, data]);
		const message: PendingMessage = {room, clientId: `c${++this.counter}`, content, queuedAt: Date.now()};
		this.pending.push(message);
		this.emit({type: 'pending', message});
		return message.clientId;
	}

	fetchHistory(room: string, before: number, limit: number, purpose: HistoryPurpose = 'scrollback'): string {
		this.record('fetchHistory', [room, before, limit]);
		const query: HistoryQuery = {id: `h${this.historyQueries.length + 1}`, room, before, limit, purpose};
		this.historyQueries.push(query);
		return query.id;
	}

	setAway(reason?: string): void {
		this.record('setAway', reason === undefined ? [] : [reason]);
	}

	setBack(): void {
		this.record('setBack', []);
	}

	clearHistory(room: string): void {
		this.record('clearHistory', [room]);
	}

	setFilter(room: string, filter: string | undefined): void {
		this.record('setFilter', filter === undefined ? [room] : [room, filter]);
	}

	filterOf(_room: string): string | undefined {
		return undefined;
	}

	who(room: string): void {
		this.record('who', [room]);
	}

	/** Topics a test set (as the broker would have told them); setTopic only records the call. */
	readonly topics = new Map<string, string>();

	setTopic(room: string, topic: string): void {
		this.record('setTopic', [room, topic]);
	}

	topicOf(room: string): string | undefined {
		return this.topics.get(room);
	}

	/** Set by a test to play a broker's size limit. */
	refuse: string | undefined;

	refusal(_room: string, _content: string): string | undefined {
		return this.refuse;
	}

	reconnect(): void {
		this.record('reconnect', []);
	}

	markActive(): void {}

	async close(flushMs?: number): Promise<void> {
		this.record('close', flushMs === undefined ? [] : [flushMs]);
		this.closed = true;
	}

	private record(method: string, args: unknown[]): void {
		this.calls.push({method, args});
	}
}
