/**
 * What each frame from the broker does to the client core: the one place a `ServerFrame` is
 * acted on. createClient owns the state it reads and changes (rooms, dialect, resume token)
 * and hands it over as a FrameRouterCore; this module owns none of its own.
 */
import type {ClientFrame, ServerFrame} from '../protocol/messages.js';
import {isDirectRoom} from '../protocol/names.js';
import {NATTER_DIALECT, SEED_DIALECT, type Dialect} from './dialect.js';
import {chatMessage, joinedEvent, presenceEvent} from './frame-events.js';
import type {HistoryRequests} from './history-requests.js';
import type {NameKeyHolder} from './name-key-holder.js';
import type {Publisher} from './publisher.js';
import type {ReadAcks} from './read-acks.js';
import type {RoomSync} from './room-sync.js';
import type {ClientEvent} from './types.js';
import {defined} from '../defined.js';

/** The parts of createClient's core a frame can reach. */
export type FrameRouterCore = {
	readonly name: string;
	readonly rooms: ReadonlyMap<string, RoomSync>;
	readonly publisher: Publisher;
	readonly history: HistoryRequests;
	readonly acks: ReadAcks;
	readonly nameKey: NameKeyHolder;
	/** What the broker supports, learnt from its frames (read and written through to createClient's). */
	dialect: Dialect;
	/** The token a natter broker's welcome gave, to resume this session after a reconnect. */
	resumeToken: string | undefined;
	emit(event: ClientEvent): void;
	send(frame: ClientFrame): boolean;
	/** The room's RoomSync, made (following it after `startAfter`) if the core holds none yet. */
	ensureRoom(room: string, startAfter?: number): RoomSync;
	/** Say online, once the broker has answered. */
	goOnline(): void;
	/** Remember a room's topic as a `subscribed` told it ('' or undefined: none). */
	noteTopic(room: string, topic: string | undefined): void;
	/** Close the connection for good and go offline, saying `reason` (the name is taken). */
	stop(reason: string): void;
	/** Whether the core already stopped (see stop) for this reason. */
	stoppedFor(reason: string): boolean;
};

/**
 * Make the function that acts on each frame from the broker, in order.
 *
 * @example
 * const route = createFrameRouter(core);
 * route(parseServerFrame(text)!);
 */
export function createFrameRouter(core: FrameRouterCore): (frame: ServerFrame) => void {
	// Fixed for the client's life; `core.dialect` and `core.resumeToken` are read where used.
	const {name, rooms, publisher, history, acks, nameKey, emit, send, ensureRoom, goOnline} = core;

	function handle(frame: ServerFrame): void {
		switch (frame.type) {
			case 'welcome':
				core.dialect = NATTER_DIALECT;
				core.resumeToken = frame.resume;
				nameKey.learn(frame.key);
				publisher.limit(frame.limits);
				emit({type: 'welcome', userId: frame.userId, admin: frame.admin === true, flavour: core.dialect.name, dialect: core.dialect});
				goOnline();
				// Direct messages that came while we were away: follow each conversation from where we
				// acknowledged it, so the replay delivers them (as `message` events) like any resume.
				for (const entry of frame.unread ?? []) {
					if (rooms.has(entry.room)) continue;
					send(ensureRoom(entry.room, entry.after).subscribeFrame(name));
				}
				return;
			case 'subscribed': {
				const natter = typeof frame.epoch === 'string';
				if (!core.dialect.known) {
					core.dialect = natter ? NATTER_DIALECT : SEED_DIALECT;
					if (!natter) emit({type: 'welcome', userId: name, admin: false, flavour: core.dialect.name, dialect: core.dialect});
				}
				const sync = rooms.get(frame.room);
				if (!sync) return;
				const resumed = sync.epoch !== undefined && sync.epoch === frame.epoch;
				sync.onSubscribed(frame, natter);
				const joined = joinedEvent(frame, natter, resumed);
				emit(joined);
				// `subscribed` tells the topic as of its sequence; the replay that follows brings later changes.
				if (natter && frame.sub === undefined) core.noteTopic(frame.room, joined.topic);
				goOnline();
				publisher.flush();
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
				sync?.onMessage(chatMessage(frame));
				return;
			}
			case 'presence':
				emit(presenceEvent(frame, rooms));
				return;
			case 'history': {
				const answer = history.onHistory(frame, core.dialect);
				if (answer && frame.id !== undefined) learnHistoryIds();
				if (answer?.purpose === 'fill') rooms.get(frame.room)?.onFill(answer.page);
				else if (answer) emit(answer.event);
				return;
			}
			case 'published':
				publisher.onPublished(frame);
				return;
			case 'history_cleared': {
				rooms.get(frame.room)?.onCleared(frame.epoch);
				acks.reset(frame.room);
				emit({type: 'cleared', room: frame.room, epoch: frame.epoch, ...defined({by: frame.by})});
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
		// A publish the broker will never take fails (the `failed` event says why); nothing more to say.
		if (frame.clientId !== undefined && publisher.onError({...frame, clientId: frame.clientId})) return;
		if (frame.code === 'name_taken') {
			// The broker refuses the hello and each pipelined subscribe alike: one refusal is news.
			if (core.stoppedFor(frame.error)) return;
			emit({type: 'error', code: frame.code, message: frame.error});
			core.stop(frame.error);
			return;
		}
		const refused = history.onError(frame, core.dialect.historyIds);
		if (refused && frame.id !== undefined) learnHistoryIds();
		if (refused?.purpose === 'fill') rooms.get(refused.room)?.onFillFailed();
		const query = refused?.query === undefined ? {} : {query: refused.query};
		emit({type: 'error', code: frame.code ?? 'internal', message: frame.error, ...defined({room: frame.room}), ...query});
	}

	/** The broker echoed a history id: from now on an error without one answers no history request. */
	function learnHistoryIds(): void {
		if (!core.dialect.historyIds) core.dialect = {...core.dialect, historyIds: true};
	}

	return handle;
}
