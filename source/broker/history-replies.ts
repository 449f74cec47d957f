import type {FilterScheduler} from '../filter/filter-scheduler.js';
import type {ChatMessage, ClientFrame} from '../protocol/messages.js';
import type {Connection} from './connection.js';
import type {Engine} from './engines/engine.js';
import {filterTimeLeft} from './filter-admission.js';
import {historyFrames} from './history-frames.js';
import {defined} from '../defined.js';

type HistoryRequest = Extract<ClientFrame, {type: 'get_history'}>;

/**
 * Answer `get_history`: the page the engine holds, through the filter of the subscription it
 * names (judged in slices, within the connection's filter time), sent a page of frames at a time,
 * each only once the connection has room, so a reply never piles up unsent in the broker.
 */
export async function answerHistory(connection: Connection, frame: HistoryRequest, engine: Engine, filterWork: FilterScheduler): Promise<void> {
	const key = connection.engineKey(frame.room);
	const filter = (frame.sub === undefined ? connection.subs.get(key) : connection.named.get(key)?.get(frame.sub))?.filter;
	if (filter && !filterTimeLeft(filterWork, connection, {room: frame.room, ...defined({id: frame.id})})) return;
	const query: {since?: number; before?: number; limit?: number} = {};
	if (frame.since !== undefined) query.since = frame.since;
	if (frame.before !== undefined) query.before = frame.before;
	if (frame.limit !== undefined) query.limit = frame.limit;
	let page = await engine.history(key, query);
	if (frame.epoch !== undefined && frame.epoch !== page.epoch && frame.since !== undefined) {
		page = await engine.history(key, {...query, since: 0});
	}
	const wire = frame.room;
	// Each side names a DM after the other party.
	const messages = key === wire ? page.messages : page.messages.map(m => ({...m, room: wire}));
	let reply: {messages: ChatMessage[]; through?: number | undefined} = {messages};
	if (filter) {
		// In slices, between other work (see FilterScheduler): a page can take a second of filtering.
		const verdicts = await filterWork.judge(connection, filter, messages, () => connection.closed);
		if (!verdicts) return;
		reply = filterPage(messages, verdicts, frame.since, page.first);
	}
	const fields = {
		epoch: page.epoch,
		sequence: page.sequence,
		first: page.first,
		...defined({since: frame.since, through: reply.through}),
	};
	// Page by page, each only once the connection has room: a reply never piles up unsent.
	for (const payload of historyFrames(wire, frame.id, reply.messages, fields, connection.page)) {
		if (!connection.hasRoomFor(connection.page) && !(await connection.whenRoomFor(connection.page))) return;
		connection.sendText(payload);
	}
}

/**
 * A history page through a subscription's filter (its verdict on each message, in order): only admitted messages, each naming the
 * previous admitted one (`prev`), and `through`, the last sequence the page examined, so the
 * client knows nothing else up to there matched.
 */
function filterPage(messages: ChatMessage[], verdicts: readonly boolean[], since: number | undefined, first: number): {messages: ChatMessage[]; through?: number | undefined} {
	const admitted: ChatMessage[] = [];
	// What history no longer holds was lost, not filtered: the chain starts where history does.
	let prev = since === undefined ? undefined : Math.max(since, first - 1);
	for (const [n, message] of messages.entries()) {
		if (!verdicts[n]) continue;
		admitted.push(prev === undefined ? message : {...message, prev});
		prev = message.sequence;
	}
	const through = messages.at(-1)?.sequence;
	return {messages: admitted, ...defined({through})};
}
