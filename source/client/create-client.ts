import type {ChatMessage, ClientFrame, MessageData, ServerFrame} from '../protocol/messages.js';
import {isDirectRoom} from '../protocol/names.js';
import {compileFilter} from '../filter/compile-filter.js';
import {BrokerLink} from './broker-link.js';
import {TokenBucket} from '../rate/token-bucket.js';
import {NameKeyHolder} from './name-key-holder.js';
import {Outbox} from './outbox.js';
import {parseServerFrame} from './parse-server-frame.js';
import type {ReorderOutput} from './reorder-buffer.js';
import {RoomSync} from './room-sync.js';
import type {BrokerFlavour, ClientEvent, ClientListener, ClientOptions, ConnectionStatus, NatterClient, PendingMessage} from './types.js';

/** Retry delay for a publish the broker refused as temporarily unavailable. */
const RETRY_MS = 1000;
/** Publishes sent but not yet acknowledged: a bound keeps a long outbox from bursting past the broker's rate limit. */
const WINDOW = 32;

/**
 * Create natter's client core: one connection to a broker (a BrokerLink: moving through `urls`
 * on failure, reconnecting with backoff for as long as it lives), per-room ordering through the reorder
 * buffer, resume after reconnects, cumulative acks, and an outbox whose messages enter their
 * room exactly once. It imports no UI: the TUI and --json mode both sit on its events.
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
	const outbox = new Outbox();
	/** Per room, what each outstanding get_history was for (the broker answers in order). */
	const historyRequests = new Map<string, Array<{kind: 'fill'} | {kind: 'scroll'; before: number; limit: number}>>();
	const ackTimers = new Map<string, NodeJS.Timeout>();
	const acked = new Map<string, number>();
	/** clientIds sent on the current connection: each goes out once per connection, again only after a reconnect. */
	const inFlight = new Set<string>();

	let status: ConnectionStatus = {state: 'offline', reason: 'not started'};
	let flavour: BrokerFlavour = 'unknown';
	let resumeToken: string | undefined;
	const nameKey = new NameKeyHolder(options.nameKeys, options.urls[0] ?? '', name);
	let publishRetryTimer: NodeJS.Timeout | undefined;
	let started = false;
	let away: {reason?: string} | undefined;
	/** Paces publishes below the broker's advertised rate limit, so none is refused and order holds. */
	let pacer: {bucket: TokenBucket; intervalMs: number} | undefined;
	let paceTimer: NodeJS.Timeout | undefined;

	function emit(event: ClientEvent): void {
		for (const listener of listeners) {
			try {
				listener(event);
			} catch {
				// A listener's bug must not break delivery to the others or the connection.
			}
		}
	}

	function setStatus(next: ConnectionStatus): void {
		status = next;
		emit({type: 'status', status});
	}

	const link = new BrokerLink(
		{
			urls: options.urls,
			...(options.token === undefined ? {} : {token: options.token}),
			minBackoffMs: options.minBackoffMs ?? 250,
			maxBackoffMs: options.maxBackoffMs ?? 30_000,
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

	const host = {
		deliver(room: string, outputs: ReorderOutput<ChatMessage>[], replayed: boolean): void {
			for (const output of outputs) {
				if (output.type === 'message') {
					const message = output.message;
					// The seed's broker has no publish acks: our own echo is the acknowledgement.
					if (flavour !== 'natter' && message.sender === name) {
						const settled = outbox.settleEcho(room, message.content);
						if (settled) {
							inFlight.delete(settled.clientId);
							emit({type: 'sent', room, clientId: settled.clientId, sequence: message.sequence, duplicate: false});
							flushOutbox();
						}
					}
					emit({type: 'message', room, message, replayed});
				} else {
					emit({type: 'gap', room, from: output.from, to: output.to, count: output.count});
				}
			}
		},
		requestFill(room: string, since: number, limit: number, epoch: string | undefined): void {
			queueHistory(room, {kind: 'fill'});
			if (!send({type: 'get_history', room, since, limit, ...(epoch === undefined ? {} : {epoch})})) historyRequests.get(room)?.pop();
		},
		delivered(room: string): void {
			scheduleAck(room);
		},
	};

	function queueHistory(room: string, request: {kind: 'fill'} | {kind: 'scroll'; before: number; limit: number}): void {
		let queue = historyRequests.get(room);
		if (!queue) {
			queue = [];
			historyRequests.set(room, queue);
		}
		queue.push(request);
	}

	function scheduleAck(room: string): void {
		if (flavour !== 'natter' || ackTimers.has(room)) return;
		const timer = setTimeout(() => {
			ackTimers.delete(room);
			sendAck(room);
		}, 250);
		timer.unref?.();
		ackTimers.set(room, timer);
	}

	function sendAck(room: string): void {
		const sync = rooms.get(room);
		if (!sync || !sync.synced) return;
		const sequence = sync.delivered;
		if (sequence <= (acked.get(room) ?? 0)) return;
		if (send({type: 'ack', room, sequence})) acked.set(room, sequence);
	}

	function ensureRoom(room: string, startAfter?: number): RoomSync {
		let sync = rooms.get(room);
		if (!sync) {
			sync = new RoomSync(room, host, capacity, gapTimeoutMs, startAfter);
			rooms.set(room, sync);
		}
		return sync;
	}

	// ---------------------------------------------------------------------------
	// Connection lifecycle
	// ---------------------------------------------------------------------------

	function onOpen(): void {
		flavour = 'unknown';
		send({type: 'hello', userId: name, ...(resumeToken ? {resume: resumeToken} : {}), ...nameKey.hello(), ...(options.adminKey ? {adminKey: options.adminKey} : {})});
		if (away) send({type: 'status', status: 'away', ...(away.reason === undefined ? {} : {reason: away.reason})});
		for (const sync of rooms.values()) send(sync.subscribeFrame(name));
		// A seed broker says nothing to hello; the first `subscribed` tells us which kind we met.
		if (rooms.size === 0) goOnline();
	}

	function goOnline(): void {
		if (status.state === 'online' || !link.connected) return;
		link.markOnline();
		setStatus({state: 'online', url: link.url, rtt: link.rtt});
		flushOutbox();
	}

	function onDisconnected(): void {
		for (const sync of rooms.values()) sync.onDisconnect();
		historyRequests.clear();
		for (const timer of ackTimers.values()) clearTimeout(timer);
		ackTimers.clear();
		acked.clear();
		inFlight.clear();
	}

	// ---------------------------------------------------------------------------
	// Frames from the broker
	// ---------------------------------------------------------------------------

	function onFrame(text: string): void {
		const frame = parseServerFrame(text);
		if (!frame) {
			emit({type: 'error', code: 'client', message: 'the broker sent a frame natter cannot read; ignored'});
			return;
		}
		handle(frame);
	}

	function handle(frame: ServerFrame): void {
		switch (frame.type) {
			case 'welcome':
				flavour = 'natter';
				resumeToken = frame.resume;
				nameKey.learn(frame.key);
				if (frame.limits && frame.limits.rate > 0) {
					// Leave room for acks and other frames: publishes take at most 80% of the allowance.
					const rate = frame.limits.rate * 0.8;
					pacer = {bucket: new TokenBucket(rate, Math.max(1, Math.floor(frame.limits.burst * 0.8))), intervalMs: Math.ceil(1000 / rate)};
				}
				emit({type: 'welcome', userId: frame.userId, admin: frame.admin === true, flavour});
				goOnline();
				return;
			case 'subscribed': {
				const natter = typeof frame.epoch === 'string';
				if (flavour === 'unknown') {
					flavour = natter ? 'natter' : 'seed';
					if (!natter) emit({type: 'welcome', userId: name, admin: false, flavour});
				}
				const sync = rooms.get(frame.room);
				if (!sync) return;
				const resumed = sync.epoch !== undefined && sync.epoch === frame.epoch;
				sync.onSubscribed(frame, natter);
				emit({
					type: 'joined',
					room: frame.room,
					epoch: natter ? frame.epoch : undefined,
					sequence: frame.sequence,
					members: frame.members,
					resumed,
					...(frame.filter === undefined ? {} : {filter: frame.filter}),
				});
				goOnline();
				flushOutbox();
				return;
			}
			case 'unsubscribed':
				return;
			case 'message': {
				let sync = rooms.get(frame.room);
				if (!sync && isDirectRoom(frame.room)) {
					// A DM opened a conversation: follow it from this message on.
					sync = ensureRoom(frame.room, frame.sequence - 1);
					send(sync.subscribeFrame(name));
				}
				sync?.onMessage(stripType(frame));
				return;
			}
			case 'presence':
				emit({
					type: 'presence',
					// The seed's presence names no room: '*' means "whichever room you are looking at".
					room: frame.room ?? (rooms.size === 1 ? [...rooms.keys()][0]! : '*'),
					userId: frame.userId,
					action: frame.action,
					status: frame.status ?? (frame.action === 'away' ? 'away' : 'online'),
					timestamp: frame.timestamp,
					...(frame.reason === undefined ? {} : {reason: frame.reason}),
				});
				return;
			case 'history': {
				const request = historyRequests.get(frame.room)?.shift();
				if (request?.kind === 'fill') {
					rooms.get(frame.room)?.onFill(frame);
					return;
				}
				let messages = frame.messages;
				if (request?.kind === 'scroll') {
					// The seed's broker ignores before/limit: apply them here.
					messages = messages.filter(m => m.sequence < request.before).slice(-request.limit);
				}
				emit({type: 'history', room: frame.room, messages, first: frame.first ?? messages[0]?.sequence});
				return;
			}
			case 'published': {
				const settled = outbox.settle(frame.clientId);
				inFlight.delete(frame.clientId);
				if (settled) emit({type: 'sent', room: settled.room, clientId: frame.clientId, sequence: frame.sequence, duplicate: frame.duplicate === true});
				flushOutbox();
				return;
			}
			case 'history_cleared': {
				rooms.get(frame.room)?.onCleared(frame.epoch);
				acked.delete(frame.room);
				emit({type: 'cleared', room: frame.room, epoch: frame.epoch, by: frame.by});
				return;
			}
			case 'members':
				emit({type: 'members', room: frame.room, members: frame.members});
				return;
			case 'error':
				onError(frame);
				return;
		}
	}

	function onError(frame: Extract<ServerFrame, {type: 'error'}>): void {
		if (frame.clientId !== undefined) {
			if (frame.code === 'unavailable' || frame.code === 'rate_limited' || frame.code === 'internal') {
				schedulePublishRetry();
			} else {
				// The broker will never take this one (too long, forbidden …): stop retrying it.
				outbox.settle(frame.clientId);
			}
		}
		if (frame.code === 'name_taken') {
			emit({type: 'error', code: frame.code, message: frame.error});
			void link.close();
			setStatus({state: 'offline', reason: frame.error});
			return;
		}
		emit({type: 'error', code: frame.code ?? 'internal', message: frame.error, ...(frame.room === undefined ? {} : {room: frame.room})});
	}

	// ---------------------------------------------------------------------------
	// Outbox
	// ---------------------------------------------------------------------------

	/** Send every pending message whose room is ready, in the order the user wrote them. */
	function flushOutbox(): void {
		if (status.state !== 'online') return;
		for (const entry of [...outbox.all]) {
			if (inFlight.size >= WINDOW) break;
			const sync = rooms.get(entry.room);
			if ((sync && !sync.synced) || inFlight.has(entry.clientId)) continue;
			if (pacer && !pacer.bucket.take()) {
				if (!paceTimer) {
					paceTimer = setTimeout(() => {
						paceTimer = undefined;
						flushOutbox();
					}, pacer.intervalMs);
					paceTimer.unref?.();
				}
				break;
			}
			sendPublish(entry);
		}
	}

	function sendPublish(entry: PendingMessage): void {
		const sent = send({
			type: 'publish',
			room: entry.room,
			content: entry.content,
			sender: name,
			clientId: entry.clientId,
			...(entry.data === undefined ? {} : {data: entry.data}),
		});
		if (sent) inFlight.add(entry.clientId);
		if (sent && flavour === 'seed' && !rooms.has(entry.room)) {
			// No echo will come for a room we are not in: the seed gives no other acknowledgement.
			outbox.settle(entry.clientId);
			emit({type: 'sent', room: entry.room, clientId: entry.clientId, sequence: 0, duplicate: false});
		}
	}

	function schedulePublishRetry(): void {
		if (publishRetryTimer) return;
		publishRetryTimer = setTimeout(() => {
			publishRetryTimer = undefined;
			inFlight.clear();
			flushOutbox();
		}, RETRY_MS);
		publishRetryTimer.unref?.();
	}

	// ---------------------------------------------------------------------------
	// The API
	// ---------------------------------------------------------------------------

	const client: NatterClient = {
		name,
		get status() {
			return status;
		},
		get flavour() {
			return flavour;
		},
		get rooms() {
			return [...rooms.keys()];
		},
		get pending() {
			return outbox.all;
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
			sendAck(room);
			sync.dispose();
			rooms.delete(room);
			historyRequests.delete(room);
			send({type: 'unsubscribe', room});
			emit({type: 'left', room});
		},
		publish(room, content, data?: MessageData) {
			if (isDirectRoom(room) && !rooms.has(room)) client.join(room);
			const entry = outbox.add(room, content, data, Date.now());
			emit({type: 'pending', message: entry});
			// Through the outbox, in order: an older message still waiting must go first.
			flushOutbox();
			return entry.clientId;
		},
		fetchHistory(room, before, limit) {
			queueHistory(room, {kind: 'scroll', before, limit});
			if (!send({type: 'get_history', room, before, limit})) historyRequests.get(room)?.pop();
		},
		setAway(reason) {
			away = reason === undefined ? {} : {reason};
			send({type: 'status', status: 'away', ...(reason === undefined ? {} : {reason})});
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
			if (flavour === 'seed') {
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
		async close(flushMs = 2000) {
			if (link.stopped && !link.connected) return;
			const deadline = Date.now() + flushMs;
			while (outbox.size > 0 && Date.now() < deadline && !link.stopped) {
				await new Promise(resolve => setTimeout(resolve, 20));
			}
			if (publishRetryTimer) clearTimeout(publishRetryTimer);
			for (const room of rooms.keys()) sendAck(room);
			// close() stops the link (no reconnect) before it says goodbye; nothing above awaits.
			await link.close(JSON.stringify({type: 'bye'} satisfies ClientFrame));
			onDisconnected();
			for (const sync of rooms.values()) sync.dispose();
			setStatus({state: 'offline', reason: outbox.size > 0 ? `closed with ${outbox.size} unsent message(s)` : 'closed'});
		},
	};
	return client;
}

function stripType(frame: Extract<ServerFrame, {type: 'message'}>): ChatMessage {
	const {type: _type, ...message} = frame;
	return message;
}
