import type {ChatMessage} from '../protocol/messages.js';

/** The fields of a `history` reply besides its messages (they repeat on every page). */
export type HistoryFields = {
	epoch: string;
	sequence: number;
	first: number;
	since?: number;
	/** For a filtered reply: the last sequence the whole reply examined. */
	through?: number;
};

/**
 * A `history` reply as text frames of at most about `pageBytes` bytes each (a page holds at least
 * one message, so a single message larger than a page is a page of its own). Every frame carries
 * `id` when the request had one; every frame but the last carries `"more": true`. A filtered
 * reply's pages carry `through`: the last sequence of the page (the reply's own on the last page),
 * so a client may render each page as it arrives. Built lazily, one page per step, so a reply
 * waiting for a slow reader holds no serialised pages.
 */
export function* historyFrames(room: string, id: string | undefined, messages: readonly ChatMessage[], fields: HistoryFields, pageBytes: number): Generator<string> {
	const open = `{"type":"history","room":${JSON.stringify(room)}${id === undefined ? '' : `,"id":${JSON.stringify(id)}`},"messages":[`;
	const filtered = fields.through !== undefined;
	let parts: string[] = [];
	let bytes = 0;
	for (let i = 0; i < messages.length; i++) {
		const json = JSON.stringify(messages[i]);
		const size = Buffer.byteLength(json) + 1;
		if (parts.length > 0 && bytes + size > pageBytes) {
			const through = filtered ? messages[i - 1]!.sequence : undefined;
			yield close(open, parts, {...fields, ...(through === undefined ? {} : {through})}, true);
			parts = [];
			bytes = 0;
		}
		parts.push(json);
		bytes += size;
	}
	yield close(open, parts, fields, false);
}

function close(open: string, parts: string[], fields: HistoryFields, more: boolean): string {
	const rest: Record<string, unknown> = {epoch: fields.epoch, sequence: fields.sequence, first: fields.first};
	if (fields.since !== undefined) rest.since = fields.since;
	if (fields.through !== undefined) rest.through = fields.through;
	if (more) rest.more = true;
	return `${open}${parts.join(',')}],${JSON.stringify(rest).slice(1)}`;
}
