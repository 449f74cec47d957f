import type {ChatMessage} from '../protocol/messages.js';
import {defined} from '../defined.js';

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
 * waiting for a slow reader holds no serialised pages. Each page is the UTF-8 of one JSON text frame.
 */
export function* historyFrames(room: string, id: string | undefined, messages: readonly ChatMessage[], fields: HistoryFields, pageBytes: number): Generator<Buffer> {
	const open = Buffer.from(`{"type":"history","room":${JSON.stringify(room)}${id === undefined ? '' : `,"id":${JSON.stringify(id)}`},"messages":[`);
	const filtered = fields.through !== undefined;
	// Pages are built as bytes, never as one big string: a string of a page's size would live in
	// V8's large-object space until a full collection, so serving many replies would grow the heap.
	let parts: Buffer[] = [open];
	let bytes = 0;
	for (let i = 0; i < messages.length; i++) {
		const json = Buffer.from((bytes === 0 ? '' : ',') + JSON.stringify(messages[i]));
		if (bytes > 0 && bytes + json.length > pageBytes) {
			const through = filtered ? messages[i - 1]!.sequence : undefined;
			yield close(parts, {...fields, ...defined({through})}, true);
			parts = [open, json.subarray(1)];
			bytes = json.length - 1;
			continue;
		}
		parts.push(json);
		bytes += json.length;
	}
	yield close(parts, fields, false);
}

function close(parts: Buffer[], fields: HistoryFields, more: boolean): Buffer {
	const rest: Record<string, unknown> = {epoch: fields.epoch, sequence: fields.sequence, first: fields.first};
	if (fields.since !== undefined) rest.since = fields.since;
	if (fields.through !== undefined) rest.through = fields.through;
	if (more) rest.more = true;
	parts.push(Buffer.from(`],${JSON.stringify(rest).slice(1)}`));
	return Buffer.concat(parts);
}
