import {useCallback, useEffect, useRef, useState} from 'react';
import type {ClientEvent, NatterClient} from '../../client/types.js';
import {initialChatState, reduceBatch, type TimedEvent} from '../state/reduce.js';
import {ensureRoom, updateRoom} from '../state/room.js';
import type {ChatState} from '../state/types.js';
import type {EarlyEvents} from '../state/early-events.js';
import {DEFAULT_PACING, frameDelay} from '../state/frame-delay.js';
import {reduceUi, type UiAction} from '../state/ui-actions.js';

/** Options of useChat. */
export type UseChatOptions = {
	/** Shortest time between two renders caused by client events (ms, default 40: at most 25 a second). */
	frameMs?: number;
	/** Shortest time between two renders while a flood lasts (ms, default 100; see frameDelay). */
	floodFrameMs?: number;
	/** Call client.start() once subscribed (default true), so no early event is missed. */
	start?: boolean;
	/** The client was started before: apply what it emitted meanwhile first (start is then ignored). */
	early?: EarlyEvents;
	/** What the window sees of each event (/ignore hides some): undefined drops it. Read at each event. */
	shown?: (event: ClientEvent) => ClientEvent | undefined;
};

/** The chat state and the way to act on the view. */
export type ChatHandle = {
	state: ChatState;
	dispatch: (action: UiAction) => void;
	/** The state including actions dispatched since the last render (several keys in one input chunk). */
	latest: () => ChatState;
};

/**
 * Subscribe to a NatterClient and keep the chat state. Client events are queued and applied in
 * batches at most every `frameMs` (`floodFrameMs` during a flood, see frameDelay), so a flood of
 * messages re-renders a few times a second, not once per message. UI actions apply at once.
 *
 * @example
 * const {state, dispatch} = useChat(client);
 * dispatch({type: 'switch-by', delta: 1});
 */
export function useChat(client: NatterClient, options: UseChatOptions = {}): ChatHandle {
	const frameMs = options.frameMs ?? DEFAULT_PACING.frameMs;
	// frameMs 0 (tests) turns batching off, in floods too, unless floodFrameMs asks for it.
	const floodFrameMs = Math.max(frameMs, options.floodFrameMs ?? (frameMs === 0 ? 0 : DEFAULT_PACING.floodFrameMs));
	const start = options.start ?? true;
	const {early} = options;
	const shown = useRef(options.shown);
	shown.current = options.shown;
	const current = useRef<ChatState | undefined>(undefined);
	current.current ??= seed(client);
	const [state, setState] = useState<ChatState>(current.current);

	useEffect(() => {
		const queue: TimedEvent[] = [];
		let timer: NodeJS.Timeout | undefined;
		let lastFlush = 0;
		let lastBatch = 0;
		const pacing = {...DEFAULT_PACING, frameMs, floodFrameMs};
		const flush = (): void => {
			timer = undefined;
			lastFlush = Date.now();
			lastBatch = queue.length;
			// The whole batch is one state update: a room's timeline is copied once per frame, not once per message.
			current.current = reduceBatch(current.current!, queue.splice(0));
			setState(current.current);
		};
		const unsubscribe = client.on(raw => {
			askRecent(client, raw);
			const event = shown.current ? shown.current(raw) : raw;
			if (event === undefined) return;
			queue.push({event, at: Date.now()});
			timer ??= setTimeout(flush, frameDelay(lastBatch, Date.now() - lastFlush, pacing));
		});
		if (early) {
			// Subscribed above, in the same synchronous step: the recorded events come before any the listener gets.
			const recorded = early.take();
			for (const {event} of recorded) askRecent(client, event);
			const backlog = recorded.flatMap(item => {
				const event = shown.current ? shown.current(item.event) : item.event;
				return event === undefined ? [] : [{...item, event}];
			});
			if (backlog.length > 0) {
				queue.push(...backlog);
				timer ??= setTimeout(flush, 0);
			}
		} else if (start) {
			client.start();
			// The rooms the client was told to join get their tabs now, before the broker answers.
			let next = current.current!;
			for (const room of client.rooms) next = ensureRoom(next, room);
			current.current = next;
			setState(next);
		}
		return () => {
			unsubscribe();
			if (timer) clearTimeout(timer);
		};
	}, [client, frameMs, floodFrameMs, start, early]);

	const dispatch = useCallback((action: UiAction) => {
		current.current = reduceUi(current.current!, action);
		setState(current.current);
	}, []);

	const latest = useCallback(() => current.current!, []);
	return {state, dispatch, latest};
}

/** How many messages of a room's recent conversation show above `── joined ──`. */
export const RECENT_MESSAGES = 50;

/**
 * A room was joined afresh (not resumed): ask for the conversation before what its replay
 * brings (sequences up to `since`), so the pane opens with it. Messages replayed after `since`
 * arrive through the room's stream; the answer adds only what is older than those held.
 */
function askRecent(client: NatterClient, event: ClientEvent): void {
	if (event.type !== 'joined' || event.resumed || event.since === undefined || event.since <= 0) return;
	client.fetchHistory(event.room, event.since + 1, RECENT_MESSAGES, 'recent');
}

/** The state as the client stands when the window opens: its rooms and its pending messages. */
function seed(client: NatterClient): ChatState {
	let state = initialChatState({me: client.name, connection: client.status});
	for (const room of client.rooms) state = ensureRoom(state, room);
	for (const message of client.pending) {
		state = ensureRoom(state, message.room);
		state = updateRoom(state, message.room, room => ({...room, pending: [...room.pending, {clientId: message.clientId, text: message.content, queuedAt: message.queuedAt}]}));
	}
	return state;
}
