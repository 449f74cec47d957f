import type {ChatMessage, ClientFrame} from '../protocol/messages.js';
import {isDirectRoom} from '../protocol/names.js';
import {topicChange} from '../protocol/topic.js';
import {compileFilter} from '../filter/compile-filter.js';
import {BrokerLink} from './broker-link.js';
import {UNKNOWN_DIALECT, type Dialect} from './dialect.js';
import {HistoryRequests} from './history-requests.js';
import {NameKeyHolder} from './name-key-holder.js';
import {parseServerFrame} from './parse-server-frame.js';
import {Publisher} from './publisher.js';
import {ReadAcks} from './read-acks.js';
import type {ReorderOutput} from './reorder-buffer.js';
import {RoomSync} from './room-sync.js';
import {createFrameRouter} from './create-frame-router.js';
import type {ClientEvent, ClientListener, ClientOptions, ConnectionStatus, NatterClient} from './types.js';
import {defined} from '../defined.js';

/**
 * Create natter's client core: one connection to a broker (a BrokerLink: moving through `urls`
 * on failure, reconnecting with backoff for as long as it lives), per-room ordering (RoomSync),
 * resume after reconnects, cumulative acks, an outbox whose messages enter their room exactly
 * once (Publisher), history requests matched to their answers (HistoryRequests), and what the
 * broker supports (Dialect). This function wires them together and owns the rest: the rooms,
 * the dialect and the resume token, which the broker's frames change through its frame router
 * (createFrameRouter), and the public API. It imports no UI: the TUI and --json mode both sit on its events.
 *
 * @example
 * const client = createClient({urls: ['ws://127.0.0.1:8080'], name: 'ana', rooms: ['general']});
 * client.on(event => console.log(event));
 * client.start();
 * client.publish('general', 'hello');
 */
export function createClient(options: ClientOptions): NatterClient {
	const gapTimeoutMs = options.gapTimeoutMs ?? 300;
	const capacity = options.reorderCapacity ?? 1000;
	const name = options.name;

	const listeners = new Set<ClientListener>();
	const rooms = new Map<string, RoomSync>();
	/** Each joined room's topic, as last heard; changed only by noteTopic. */
	const topics = new Map<string, string>();

	let status: ConnectionStatus = {state: 'offline', reason: 'not started'};
	let dialect: Dialect = UNKNOWN_DIALECT;
	let resumeToken: string | undefined;
	const nameKey = new NameKeyHolder(options.nameKeys, options.urls[0] ?? '', name);
	let started = false;
	let away: {reason?: string} | undefined;

	function emit(event: ClientEvent): void {
		for (const listener of listeners) {
			try {
				listener(event);
			} catch {
				// A listener's bug must not break delivery to the others or the connection.
			}
		}
	}

	/** Remember a room's topic ('' or undefined: none) and tell the UIs when it changed. */
	function noteTopic(room: string, topic: string | undefined): void {
		const next = topic === '' ? undefined : topic;
		if (topics.get(room) === next) return;
		if (next === undefined) topics.delete(room);
		else topics.set(room, next);
		emit({type: 'topic', room, topic: next});
	}

	function setStatus(next: ConnectionStatus): void {
		status = next;
		emit({type: 'status', status});
	}

	const link = new BrokerLink(
		{
			urls: options.urls,
			...defined({token: options.token}),
			minBackoffMs: options.minBackoffMs ?? 250,
			maxBackoffMs: options.maxBackoffMs ?? 30_000,
			activeBackoffMs: options.activeBackoffMs ?? 5000,
			pingMs: options.pingMs ?? 5000,
		},
		{
			status: setStatus,
			open: onOpen,
			frame: onFrame,
			rtt(ms) {
				emit({type: 'rtt', ms});
				if (status.state === 'online') status = {...status, rtt: ms};
			},
			down: onDisconnected,
		},
	);

	function send(frame: ClientFrame): boolean {
		return link.send(JSON.stringify(frame));
	}

	const publisher = new Publisher({
		name,
		send,
		emit,
		online: () => status.state === 'online',
		dialect: () => dialect,
		room: room => rooms.get(room),
	});
	const history = new HistoryRequests(send);
	const acks = new ReadAcks(send, room => {
		const sync = rooms.get(room);
		return sync?.synced ? sync.delivered : undefined;
	});

	const host = {
		deliver(room: string, outputs: ReorderOutput<ChatMessage>[], replayed: boolean): void {
			for (const output of outputs) {
				if (output.type === 'message') {
					publisher.onMessage(room, output.message);
					emit({type: 'message', room, message: output.message, replayed});
					// In the room's order, so the latest change delivered is the topic (the seed's has none).
					const topic = dialect.topics && dialect.known ? topicChange(output.message.data) : undefined;
					if (topic !== undefined && rooms.has(room)) noteTopic(room, topic);
				} else {
					emit({type: 'gap', room, from: output.from, to: output.to, count: output.count});
				}
			}
		},
		requestFill(room: string, since: number, limit: number, epoch: string | undefined): void {
			history.request(room, {since, limit, ...defined({epoch})}, 'fill');
		},
		delivered(room: string): void {
			if (dialect.acks) acks.schedule(room);
		},
	};

	function ensureRoom(room: string, startAfter?: number): RoomSync {
		let sync = rooms.get(room);
		if (!sync) {
			sync = new RoomSync(room, host, capacity, gapTimeoutMs, startAfter);
			rooms.set(room, sync);
		}
		return sync;
	}

	// --- Connection lifecycle ---

	function onOpen(): void {
		dialect = UNKNOWN_DIALECT;
		send({type: 'hello', userId: name, ...(resumeToken ? {resume: resumeToken} : {}), ...nameKey.hello(), ...(options.adminKey ? {adminKey: options.adminKey} : {})});
		if (away) send({type: 'status', status: 'away', ...defined({reason: away.reason})});
		for (const sync of rooms.values()) send(sync.subscribeFrame(name));
		// A seed broker says nothing to hello; the first `subscribed` tells us which kind we met.
		if (rooms.size === 0) goOnline();
	}

	function goOnline(): void {
		if (status.state === 'online' || !link.connected) return;
		link.markOnline();
		setStatus({state: 'online', url: link.url, rtt: link.rtt});
		publisher.flush();
	}

	function onDisconnected(code?: number): void {
		for (const sync of rooms.values()) sync.onDisconnect();
		history.clear();
		acks.clear();
		publisher.onDisconnect(code);
	}

	// --- Frames from the broker ---

	// The router acts on each frame (create-frame-router.ts); the state it changes stays here.
	const handle = createFrameRouter({
		name,
		rooms,
		publisher,
		history,
		acks,
		nameKey,
		get dialect() {
			return dialect;
		},
		set dialect(next) {
			dialect = next;
		},
		get resumeToken() {
			return resumeToken;
		},
		set resumeToken(next) {
			resumeToken = next;
		},
		emit,
		send,
		ensureRoom,
		goOnline,
		noteTopic,
		stop(reason: string) {
			void link.close();
			setStatus({state: 'offline', reason});
		},
		stoppedFor(reason: string) {
			return status.state === 'offline' && status.reason === reason;
		},
	});

	function onFrame(text: string): void {
		const frame = parseServerFrame(text);
		if (!frame) {
			emit({type: 'error', code: 'client', message: 'the broker sent a frame natter cannot read; ignored'});
			return;
		}
		handle(frame);
	}

	let closing: Promise<void> | undefined;
	let closeDeadline = Number.POSITIVE_INFINITY;

	async function closeNow(): Promise<void> {
		if (link.stopped && !link.connected) return;
		while (publisher.size > 0 && Date.now() < closeDeadline && !link.stopped) {
			await new Promise(resolve => setTimeout(resolve, 20));
		}
		publisher.stop();
		for (const room of rooms.keys()) acks.flush(room);
		// close() stops the link (no reconnect) before it says goodbye; nothing above awaits.
		await link.close(JSON.stringify({type: 'bye'} satisfies ClientFrame));
		onDisconnected();
		for (const sync of rooms.values()) sync.dispose();
		setStatus({state: 'offline', reason: publisher.size > 0 ? `closed with ${publisher.size} unsent message(s)` : 'closed'});
	}

	// --- The API ---

	const client: NatterClient = {
		name,
		get status() {
			return status;
		},
		get flavour() {
			return dialect.name;
		},
		get dialect() {
			return dialect;
		},
		get rooms() {
			return [...rooms.keys()];
		},
		get pending() {
			return publisher.pending;
		},
		on(listener) {
			listeners.add(listener);
			return () => listeners.delete(listener);
		},
		start() {
			if (started) return;
			started = true;
			for (const room of options.rooms ?? []) ensureRoom(room);
			link.connect();
		},
		join(room) {
			if (rooms.has(room)) return;
			const sync = ensureRoom(room);
			send(sync.subscribeFrame(name));
		},
		leave(room) {
			const sync = rooms.get(room);
			if (!sync) return;
			acks.flush(room);
			sync.dispose();
			rooms.delete(room);
			topics.delete(room);
			history.forgetRoom(room);
			send({type: 'unsubscribe', room});
			emit({type: 'left', room});
		},
		publish(room, content, data) {
			if (isDirectRoom(room) && !rooms.has(room)) client.join(room);
			return publisher.add(room, content, data).clientId;
		},
		refusal(room, content, data) {
			return publisher.refusal(room, content, data);
		},
		reconnect() {
			link.retryNow();
		},
		markActive() {
			link.markActive();
		},
		fetchHistory(room, before, limit, purpose = 'scrollback') {
			return history.request(room, {before, limit}, purpose)?.id;
		},
		setAway(reason) {
			away = reason === undefined ? {} : {reason};
			send({type: 'status', status: 'away', ...defined({reason})});
		},
		setBack() {
			if (!away) return;
			away = undefined;
			send({type: 'status', status: 'online'});
		},
		clearHistory(room) {
			send({type: 'clear_history', room});
		},
		setFilter(room, filter) {
			const sync = rooms.get(room);
			if (!sync) {
				emit({type: 'error', code: 'not_subscribed', message: `join ${room} before filtering it`, room});
				return;
			}
			if (filter !== undefined) {
				// Check here first: the same compiler as the broker's, so a typo never costs the subscription.
				const compiled = compileFilter(filter);
				if (!compiled.ok) {
					emit({type: 'error', code: 'invalid_filter', message: `${compiled.error}`, room});
					return;
				}
			}
			if (!dialect.filters) {
				emit({type: 'error', code: 'client', message: 'this broker (the seed reference server) has no content filters', room});
				return;
			}
			sync.filter = filter;
			send(sync.subscribeFrame(name));
		},
		filterOf(room) {
			return rooms.get(room)?.filter;
		},
		who(room) {
			send({type: 'who', room});
		},
		setTopic(room, topic) {
			const refuse = (message: string, code: 'client' | 'not_subscribed' = 'client'): void => emit({type: 'error', code, message, room});
			if (!dialect.topics) return refuse("this broker (the seed's reference server) has no room topics");
			if (isDirectRoom(room)) return refuse('a direct conversation has no topic: only rooms do');
			if (!rooms.has(room)) return refuse(`join ${room} before you set its topic`, 'not_subscribed');
			if (!send({type: 'topic', room, topic})) refuse(`not connected: the topic of ${room} was not set`);
		},
		topicOf(room) {
			return topics.get(room);
		},
		close(flushMs = 2000) {
			// A second close (Ctrl+C again, a second signal) shortens the wait of the first.
			closeDeadline = Math.min(closeDeadline, Date.now() + flushMs);
			closing ??= closeNow();
			return closing;
		},
	};
	return client;
}
