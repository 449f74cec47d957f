import {createInterface} from 'node:readline';
import {COMMANDS, usage} from '../commands/commands.js';
import {applyCall} from '../commands/apply-call.js';
import {createIgnoreList, hideIgnored, type IgnoreList} from '../commands/ignore-list.js';
import {parseCommand, type Command} from '../commands/parse-command.js';
import {planCommand} from '../commands/plan-command.js';
import type {MessageData} from '../protocol/messages.js';
import {isDirectRoom} from '../protocol/names.js';
import type {ClientEvent, NatterClient} from '../client/types.js';
import {defined} from '../defined.js';

/** Streams --json mode reads and writes; the CLI passes the process's own. */
export type JsonStreams = {
	input: NodeJS.ReadableStream;
	output: NodeJS.WritableStream;
	errors: NodeJS.WritableStream;
};

/**
 * C1 controls (U+0080–U+009F: U+009B is a terminal's CSI, U+009D its OSC), bidi embeddings,
 * overrides and isolates, the directional marks, and the line and paragraph separators. JSON
 * lets them through raw (JSON.stringify escapes only C0), so a bot that prints a line would
 * hand a terminal or log viewer whatever a sender typed.
 */
const RAW_CONTROLS = /[\u0080-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * One JSON line with every RAW_CONTROLS character written as a `\u` escape: the same JSON
 * value, none of the raw characters. They can occur only inside strings, where `\uXXXX` means
 * the very same character.
 */
export function jsonText(value: unknown): string {
	return JSON.stringify(value).replace(RAW_CONTROLS, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** How --json ends. */
export type JsonOptions = {
	/** How long the end (of input, or a signal) waits for the outbox to drain before giving up (ms, default 5000). */
	flushMs?: number;
	/** Aborted (SIGTERM, SIGINT): stop reading input, even while it stays open, and end as at end of input. */
	stop?: AbortSignal;
	/** Whose messages are not printed (/ignore); none when absent. */
	ignores?: IgnoreList;
};

/**
 * `--json`: natter without the window, for scripts and bots. Every event the client core
 * delivers (after the reorder buffer, in order) is one JSON object per line on stdout; each
 * input line is plain text for the current room, a slash command, or a JSON object with
 * `content` (and optional `data`). Diagnostics go to stderr only. End of input, or `stop`, sends
 * what is pending within `flushMs`, then exits: 0 when everything was sent, 1 otherwise.
 */
export async function runJson(client: NatterClient, initialRoom: string, streams: JsonStreams, options: JsonOptions = {}): Promise<number> {
	const ignores = options.ignores ?? createIgnoreList([]);
	let room: string | undefined = initialRoom;
	const out = (value: unknown): void => {
		streams.output.write(`${jsonText(value)}\n`);
	};
	const diag = (line: string): void => {
		streams.errors.write(`natter: ${line}\n`);
	};

	client.on(raw => {
		const event = hideIgnored(raw, ignores);
		if (event === undefined) return;
		const line = jsonLine(event);
		if (line === undefined) return;
		if (line.type === 'error') diag(`${line.code}: ${line.message}${line.room ? ` (room ${line.room})` : ''}`);
		else out(line);
		// A script reads the `failed` line (its clientId matches the `pending` one); a person reads stderr.
		if (line.type === 'failed') diag(`not sent (${line.code}): ${line.message} (room ${line.room})`);
	});
	client.start();

	const lines = createInterface({input: streams.input, crlfDelay: Infinity});
	// A signal ends the input loop even while stdin stays open (`sleep 300 | natter --json`).
	const stop = (): void => lines.close();
	if (options.stop?.aborted) stop();
	options.stop?.addEventListener('abort', stop, {once: true});
	let quit = false;
	for await (const raw of lines) {
		const line = raw.replace(/\r$/, '');
		if (line.trim() === '') continue;
		if (line.startsWith('{')) {
			const structured = readStructured(line);
			if (typeof structured === 'string') diag(structured);
			else if (room === undefined) diag('no current room: /join one first');
			else client.publish(structured.room ?? room, structured.content, structured.data);
			continue;
		}
		const command = parseCommand(line, {activeRoom: room});
		const next = act(client, command, room, diag, ignores);
		if (next === 'quit') {
			quit = true;
			break;
		}
		room = next;
	}
	if (quit) lines.close();
	options.stop?.removeEventListener('abort', stop);
	await client.close(options.flushMs ?? 5000);
	const unsent = client.pending.length;
	if (unsent > 0) {
		diag(`${unsent} message(s) could not be sent before giving up`);
		return 1;
	}
	return 0;
}

/**
 * Present one command's outcome (planCommand decides it): its calls go to the client, refusals
 * and answers to stderr (confirmations are the window's chatter: events say what happened).
 * Returns the new current room, or 'quit'.
 */
function act(client: NatterClient, command: Command, room: string | undefined, diag: (line: string) => void, ignores: IgnoreList): string | undefined | 'quit' {
	const steps = planCommand(command, {
		ignores,
		me: client.name,
		dialect: client.dialect,
		online: client.status.state === 'online',
		room: name => (client.rooms.includes(name) ? {subscribed: true, joined: true, direct: isDirectRoom(name), filter: client.filterOf(name), topic: client.topicOf(name)} : undefined),
		refusal: (name, text) => client.refusal(name, text),
	});
	let current = room;
	for (const step of steps) {
		switch (step.type) {
			case 'call':
				applyCall(client, step.call);
				if (step.call.call === 'leave' && step.call.room === current) current = client.rooms.at(-1);
				break;
			case 'notice':
				if (step.kind !== 'feedback') diag(step.text);
				break;
			case 'focus':
				current = step.room;
				break;
			case 'help':
				for (const spec of COMMANDS) diag(`${usage(spec).padEnd(24)} ${spec.help}`);
				break;
			case 'ignore': {
				const unsaved = ignores.set(step.user, step.ignore);
				if (unsaved !== undefined) diag(unsaved);
				break;
			}
			case 'view':
				diag(`/${step.change.change} changes what the chat window shows; --json has no window`);
				break;
			case 'quit':
				return 'quit';
			// A tab to open or close, a member list to print when it comes: the window's; here events say it.
			case 'open':
			case 'close':
			case 'await-members':
			case 'keep-input':
				break;
		}
	}
	return current;
}

/** A JSON input line: `{"content": "...", "data": {...}, "room"?: "..."}`, or why it is not one. */
function readStructured(line: string): {content: string; data?: MessageData; room?: string} | string {
	let value: unknown;
	try {
		value = JSON.parse(line);
	} catch {
		return 'a line starting with { must be a JSON object: {"content": "text", "data": {...}}';
	}
	if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'a JSON line must be an object';
	const v = value as Record<string, unknown>;
	if (typeof v.content !== 'string' || v.content.length === 0) return 'a JSON line needs a non-empty "content" string';
	if (v.data !== undefined && (typeof v.data !== 'object' || v.data === null || Array.isArray(v.data))) return '"data" must be a JSON object';
	if (v.room !== undefined && typeof v.room !== 'string') return '"room" must be a string';
	return {content: v.content, ...(v.data === undefined ? {} : {data: v.data as MessageData}), ...defined({room: v.room})};
}

/** The JSON line for an event, or undefined for events scripts do not need (round-trip pings). */
function jsonLine(event: ClientEvent): (Record<string, unknown> & {type: string}) | undefined {
	switch (event.type) {
		case 'rtt':
			return undefined;
		// A topic change is its `message` line (data.topic), the topic on joining is in `joined`: nothing new to say.
		case 'topic':
			return undefined;
		case 'message': {
			const m = event.message;
			return {
				type: 'message',
				room: event.room,
				sequence: m.sequence,
				sender: m.sender,
				content: m.content,
				timestamp: m.timestamp,
				id: m.id,
				...defined({data: m.data}),
				...(event.replayed ? {replayed: true} : {}),
			};
		}
		case 'status':
			return {type: 'status', ...event.status};
		case 'pending':
			return {type: 'pending', room: event.message.room, clientId: event.message.clientId, content: event.message.content};
		case 'failed': {
			// The content was the script's own: the clientId says which.
			const {content: _content, ...line} = event;
			return line;
		}
		// The lines scripts know: what the broker supports and which request a page answers stay inside.
		case 'welcome': {
			const {dialect: _dialect, ...line} = event;
			return line;
		}
		case 'history': {
			const {query: _query, ...line} = event;
			return line;
		}
		case 'error': {
			const {query: _query, ...line} = event;
			return line;
		}
		default:
			return event;
	}
}
