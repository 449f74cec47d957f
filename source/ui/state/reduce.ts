/**
 * Client events → chat state. Pure: `now` is passed in for events that carry no time of their
 * own, so tests replay any sequence of events deterministically. Presence (reduce-presence.ts)
 * and history answers (reduce-history.ts) have reducers of their own; the timeline entries
 * they all write are made in timeline-entries.ts.
 */
import {UNKNOWN_DIALECT, type Dialect} from '../../client/dialect.js';
import {describeRecipient} from '../../commands/describe-recipient.js';
import type {ClientEvent, ConnectionStatus} from '../../client/types.js';
import type {ChatMessage, Member} from '../../protocol/messages.js';
import {isDirectRoom} from '../../protocol/names.js';
import {append, appendEach, emptyRoom, ensureRoom, findRoom, removeTab, updateRoom, widenNick, withRecentlyLeft, type NewEntry} from './room.js';
import {MAX_ENTRIES, type ChatState, type RoomView} from './types.js';
import {reduceHistory} from './reduce-history.js';
import {memberView, reduceMembers, reducePresence} from './reduce-presence.js';
import {messageEntry, system} from './timeline-entries.js';

/** How much of a failed message its red row shows (the rest is cut with '…'). */
const FAILED_SHOWN = 400;

// JOINED_MARK and compactData live with what writes them; importers keep finding them here.
export {JOINED_MARK} from './reduce-history.js';
export {compactData} from './timeline-entries.js';

/** The state before anything happened: who I am, how the client stands, nothing joined yet. */
export function initialChatState(options: {me: string; connection: ConnectionStatus}): ChatState {
	return {
		me: options.me,
		admin: false,
		dialect: UNKNOWN_DIALECT,
		connection: options.connection,
		rtt: options.connection.state === 'online' ? options.connection.rtt : undefined,
		rooms: [],
		active: undefined,
		tabNumbers: new Map(),
		recent: [],
		home: emptyRoom(''),
		away: undefined,
		lostAt: undefined,
		showPresence: undefined,
		showSequence: true,
	};
}

/** Apply one client event. */
export function reduce(state: ChatState, event: ClientEvent, now: number = Date.now()): ChatState {
	switch (event.type) {
		case 'status':
			return connectionChanged(state, event.status, now);
		case 'welcome': {
			const next = {...state, me: event.userId, admin: event.admin, dialect: event.dialect};
			// Say once that this broker lacks natter's delivery guarantees.
			if (!limited(event.dialect) || limited(state.dialect)) return next;
			const line = system(now, 'info', "this broker speaks only the seed's protocol: chat works, but without acknowledgements or resume");
			return updateRoom(next, next.active, room => append(room, [line]));
		}
		case 'joined':
			return joined(state, event.room, event.epoch, event.sequence, event.members, event.resumed, now, event.filter);
		case 'left': {
			if (!findRoom(state, event.room)) return state;
			const next = removeTab(state, event.room);
			// A direct conversation is not left but hidden (/close): it opens again with the next message.
			const text = isDirectRoom(event.room) ? `closed ${event.room}` : `you left ${event.room}`;
			return updateRoom(next, next.active, room => append(room, [system(now, 'leave', text)]));
		}
		case 'message':
			return message(state, event.room, event.message);
		case 'gap':
			return updateRoom(state, event.room, room => append(room, [{kind: 'gap', timestamp: now, count: event.count, from: event.from, to: event.to}]));
		case 'presence':
			return reducePresence(state, event, now);
		case 'members':
			return reduceMembers(state, event.room, event.members, now);
		case 'pending': {
			const {room: name, clientId, content, queuedAt} = event.message;
			const next = ensureRoom(state, name);
			// The row shows my name: the sender column fits it before anything of mine came through.
			return updateRoom(next, name, room => room.pending.some(p => p.clientId === clientId)
				? room
				: widenNick({...room, pending: [...room.pending, {clientId, text: content, queuedAt}]}, state.me));
		}
		case 'sent': {
			// Keep it greyed until the message itself comes through the room's ordered stream
			// (usually in the same frame), so it never vanishes and reappears.
			const notice = event.recipient === undefined ? [] : [system(now, 'info', describeRecipient(event.room, event.recipient))];
			return updateRoom(state, event.room, room => append({
				...room,
				pending: event.sequence > room.lastSequence
					? room.pending.map(p => (p.clientId === event.clientId ? {...p, sequence: event.sequence} : p))
					: room.pending.filter(p => p.clientId !== event.clientId),
			}, notice));
		}
		case 'failed': {
			// It will never be sent: its pending row turns red where it stood (the text stays readable,
			// to copy and send again), and the room says why.
			const target = findRoom(state, event.room) ? event.room : state.active;
			return updateRoom(state, target, room => {
				const queuedAt = room.pending.find(p => p.clientId === event.clientId)?.queuedAt ?? now;
				// A message refused for its size would fill the pane in red: its start says which it was.
				const text = event.content.length > FAILED_SHOWN ? `${event.content.slice(0, FAILED_SHOWN)}…` : event.content;
				const row: NewEntry = {kind: 'failed', timestamp: queuedAt, sender: state.me, text};
				return append({...room, pending: room.pending.filter(p => p.clientId !== event.clientId)}, [row, system(now, 'error', `✖ not sent: ${event.message}`)]);
			});
		}
		case 'history':
			return reduceHistory(state, event.room, event.messages, event.first, event.query, now);
		case 'cleared':
			return updateRoom(state, event.room, room => append(
				{...emptyRoom(room.name), joined: room.joined, members: room.members, nickWidth: room.nickWidth, pending: room.pending, epoch: event.epoch, filter: room.filter, topic: room.topic},
				[system(now, 'info', event.by === undefined ? `${room.name} started over: the broker lost its history` : `${event.by} cleared the history of ${room.name}`)],
			));
		case 'topic':
			return updateRoom(state, event.room, room => (room.topic === event.topic ? room : {...room, topic: event.topic}));
		case 'rtt':
			return {...state, rtt: event.ms};
		case 'error': {
			// The client goes offline with the same reason at once: that line (and the status bar) tells it.
			if (event.code === 'name_taken') return state;
			const target = event.room !== undefined && findRoom(state, event.room) ? event.room : state.active;
			const line = system(now, 'error', event.message);
			return updateRoom(state, target, room => append(
				// A refused scrollback request is still an answer: stop waiting for it.
				event.query?.purpose === 'scrollback' && event.query.room === room.name && room.backlog === 'loading' ? {...room, backlog: 'more'} : room,
				[line],
			));
		}
	}
}

/** A client event and when it arrived (the `now` of events that carry no time of their own). */
export type TimedEvent = {event: ClientEvent; at: number};

type MessageEvent = Extract<ClientEvent, {type: 'message'}>;

/**
 * Apply a batch of client events (everything that arrived between two renders): the same state
 * as applying them one by one with `reduce`, but each run of messages costs one timeline copy
 * per room, not one per message, so a flood stays linear in its size.
 */
export function reduceBatch(state: ChatState, events: readonly TimedEvent[]): ChatState {
	let next = state;
	for (let i = 0; i < events.length; ) {
		let end = i;
		while (end < events.length && events[end]!.event.type === 'message') end++;
		if (end === i) {
			next = reduce(next, events[i]!.event, events[i]!.at);
			i++;
		} else {
			next = messages(next, events.slice(i, end).map(item => item.event as MessageEvent));
			i = end;
		}
	}
	return next;
}

/** A broker without natter's acknowledgements or resume (the seed's server). */
function limited(dialect: Dialect): boolean {
	return dialect.known && !(dialect.acks && dialect.resume);
}

function connectionChanged(state: ChatState, status: ConnectionStatus, now: number): ChatState {
	const before = state.connection.state;
	let next: ChatState = {
		...state,
		connection: status,
		rtt: status.state === 'online' ? (status.rtt ?? state.rtt) : state.rtt,
		// Remember a lost connection until it is back, however many attempts that takes. Losing it
		// says why (reconnecting, offline …); 'connecting' right after 'online' is the window
		// replaying what the client did before it opened (early events), not a loss.
		lostAt: status.state === 'online' ? undefined : before === 'online' && status.state !== 'connecting' ? now : state.lostAt,
		failure: status.state === 'online' ? undefined : status.state === 'reconnecting' ? status.reason : state.failure,
	};
	if (status.state !== 'online' && status.state !== 'connecting') {
		// History requests die with the connection: stop waiting for their answers.
		next = {...next, rooms: next.rooms.map(room => (room.backlog === 'loading' ? {...room, backlog: 'more'} : room))};
	}
	let text: string | undefined;
	if (status.state === 'reconnecting' && before === 'online') text = `connection lost (${status.reason}); reconnecting…`;
	// Never online yet, or failing again: say why each time the reason changes (not every attempt).
	else if (status.state === 'reconnecting' && status.reason !== state.failure) text = `cannot connect to ${status.url}: ${status.reason}; retrying (/reconnect to try now)`;
	else if (status.state === 'online' && before !== 'online') text = `${state.lostAt === undefined ? 'connected' : 'reconnected'} to ${status.url}`;
	else if (status.state === 'auth_failed') text = `cannot log in to ${status.url}: ${status.reason}; a broker run with --secret needs --token (or NATTER_TOKEN) made with its secret`;
	else if (status.state === 'offline' && before !== 'offline') text = `offline: ${status.reason}`;
	if (text === undefined) return next;
	const line = system(now, status.state === 'online' ? 'connection' : 'error', text);
	// Every tab says it, so whichever one the user looks at explains the gap in the conversation.
	return {...next, home: append(next.home, [line]), rooms: next.rooms.map(room => append(room, [line]))};
}

function joined(state: ChatState, name: string, epoch: string | undefined, sequence: number, list: Member[], resumed: boolean, now: number, filter?: string): ChatState {
	const existing = findRoom(state, name);
	let next = ensureRoom(state, name);
	next = updateRoom(next, name, room => {
		let updated: RoomView = {...room, joined: true, members: withRecentlyLeft(list.map(memberView), room.members, now)};
		if (room.epoch !== undefined && epoch !== undefined && room.epoch !== epoch) {
			updated = append({...updated, lastSequence: 0, oldestSequence: undefined}, [system(now, 'info', `${name} started over (its history was reset)`)]);
		}
		if (filter !== room.filter) {
			updated = append(updated, [system(now, 'info', filter === undefined ? `${name}: no filter, every message arrives` : `${name}: only messages matching ${filter}`)]);
		}
		updated = {...updated, epoch, filter, joinedSequence: sequence};
		// Earlier messages exist that this view has not loaded: offer them on scrollback.
		if (updated.oldestSequence === undefined && sequence > 0 && updated.backlog === 'none') updated = {...updated, backlog: 'more'};
		if (!resumed && !existing?.joined && !updated.direct) {
			const others = list.filter(m => m.userId !== state.me).length;
			const here = others === 0 ? 'nobody else is here yet' : `${others} other${others === 1 ? '' : 's'} here`;
			updated = append(updated, [system(now, 'join', `you joined ${name} — ${here}`)]);
		}
		return updated;
	});
	return next;
}

/** What a run of messages does to one room, gathered before its timeline is copied once. */
type RoomRun = {room: RoomView; entries: NewEntry[]; oldest: number | undefined; lastSequence: number};

/**
 * A run of message events, room by room: every field `message` updates per message is updated
 * here per message too, but the entries are appended once per room at the end (`appendEach`).
 */
function messages(state: ChatState, events: readonly MessageEvent[]): ChatState {
	if (events.length === 1) return message(state, events[0]!.room, events[0]!.message);
	let next = state;
	const runs = new Map<string, RoomRun>();
	for (const {room: name, message: msg} of events) {
		let run = runs.get(name);
		if (!run) {
			if (!findRoom(next, name) && !isDirectRoom(name)) continue;
			next = ensureRoom(next, name);
			const room = findRoom(next, name)!;
			run = {room, entries: [], oldest: room.oldestSequence, lastSequence: 0};
			runs.set(name, run);
		}
		const {room, entry} = messageEffect(run.room, msg, state.me, next.active === name);
		run.entries.push(entry);
		run.oldest = run.oldest === undefined ? msg.sequence : Math.min(run.oldest, msg.sequence);
		run.lastSequence = msg.sequence;
		run.room = room;
	}
	for (const [name, run] of runs) {
		const held = run.room.entries.length;
		let updated = appendEach(run.room, run.entries);
		// One message at a time, each append past the cap resets the oldest sequence to the window's
		// first message, and the message then lowers it to its own if smaller: the last one counts.
		const oldestSequence = held + run.entries.length > MAX_ENTRIES ? Math.min(updated.oldestSequence ?? run.lastSequence, run.lastSequence) : run.oldest;
		if (oldestSequence !== updated.oldestSequence) updated = {...updated, oldestSequence};
		next = updateRoom(next, name, () => updated);
	}
	return next;
}

function message(state: ChatState, name: string, msg: ChatMessage): ChatState {
	// A message for a room already left is a straggler; a direct message opens its tab.
	if (!findRoom(state, name) && !isDirectRoom(name)) return state;
	const next = ensureRoom(state, name);
	return updateRoom(next, name, room => {
		const {room: updated, entry} = messageEffect(room, msg, state.me, next.active === name);
		const appended = append(updated, [entry]);
		return {...appended, oldestSequence: appended.oldestSequence === undefined ? msg.sequence : Math.min(appended.oldestSequence, msg.sequence)};
	});
}

/**
 * What one message does to its room besides appending its entry: the entry itself, and the
 * fields it moves (sender column, last sequence, pending echoes, unread, unseen). `message`
 * appends the entry at once; `messages` gathers a run's entries and appends them once per room.
 */
function messageEffect(room: RoomView, msg: ChatMessage, me: string, looking: boolean): {room: RoomView; entry: NewEntry} {
	const entry = messageEntry(msg, me, room.direct);
	const {mine, mention} = entry;
	let updated = widenNick(room, msg.sender);
	const lastSequence = Math.max(room.lastSequence, msg.sequence);
	if (lastSequence !== updated.lastSequence) updated = {...updated, lastSequence};
	if (updated.pending.some(p => p.sequence !== undefined && p.sequence <= msg.sequence)) {
		updated = {...updated, pending: updated.pending.filter(p => p.sequence === undefined || p.sequence > msg.sequence)};
	}
	if (!mine && !looking) updated = {...updated, unread: updated.unread + 1, mention: updated.mention || mention};
	if (updated.anchor !== undefined) updated = {...updated, unseen: updated.unseen + 1};
	return {room: updated, entry};
}

