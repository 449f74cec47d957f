/**
 * `--log-dir DIR`: each room's messages appended to `DIR/ROOM.log` (direct conversations as
 * `DIR/@name.log`), one line a message, as WeeChat does: ISO time, sender and content separated
 * by tabs, the content neutralised (no byte a peer sent can drive the terminal that later runs
 * `cat` or `tail -f` on the file) with backslashes and newlines escaped, so one line is one message.
 */
import {closeSync, createWriteStream, fstatSync, mkdirSync, openSync, readSync, type WriteStream} from 'node:fs';
import {join} from 'node:path';
import type {NatterClient} from '../client/types.js';
import {isAction} from '../protocol/action.js';
import {sanitizeLine} from '../text/sanitize.js';

/** Log files kept open at once; the least recently written is closed first (DMs from many names). */
const MAX_OPEN_FILES = 32;

/** A running log: close() ends every file once what was written is on disk. */
export type ChatLog = {close(): Promise<void>};

/**
 * Append what `client` delivers to files under `dir` (created if missing) until close(). A
 * message the broker replays (history on joining, a direct conversation's backlog) is logged
 * only when it is newer than the file's last line: an earlier session logged the rest. A file
 * that cannot be written is reported once through `onError`; chatting goes on.
 */
export function startChatLog(client: NatterClient, dir: string, onError: (message: string) => void): ChatLog {
	const open = new Map<string, WriteStream>();
	const failed = new Set<string>();
	/** Per file: the time of its last line when this session opened it. */
	const loggedUntil = new Map<string, number>();
	const closing: Array<Promise<void>> = [];
	const end = (stream: WriteStream): void => {
		closing.push(new Promise(done => stream.end(() => done())));
	};
	let madeDir = false;
	const write = (room: string, timestamp: number, replayed: boolean, line: string): void => {
		const file = join(dir, logFileName(room));
		if (failed.has(file)) return;
		if (!loggedUntil.has(file)) loggedUntil.set(file, lastLoggedTime(file));
		if (replayed && timestamp <= loggedUntil.get(file)!) return;
		let stream = open.get(file);
		if (stream) {
			open.delete(file);
		} else {
			if (!madeDir) {
				try {
					mkdirSync(dir, {recursive: true, mode: 0o700});
				} catch (error) {
					failed.add(file);
					onError(`cannot log to ${dir}: ${(error as Error).message}`);
					return;
				}
				madeDir = true;
			}
			stream = createWriteStream(file, {flags: 'a', mode: 0o600});
			stream.once('error', error => {
				failed.add(file);
				open.delete(file);
				onError(`cannot log to ${file}: ${error.message}`);
			});
			if (open.size >= MAX_OPEN_FILES) {
				const [oldest, stale] = open.entries().next().value!;
				open.delete(oldest);
				end(stale);
			}
		}
		open.set(file, stream);
		stream.write(line);
	};
	const unsubscribe = client.on(event => {
		if (event.type !== 'message') return;
		const {timestamp, sender, content, data} = event.message;
		// An action (/me) reads as WeeChat logs one: `*`, then `bo waves`.
		const line = isAction(data) ? logLine(timestamp, '*', `${sender} ${content}`) : logLine(timestamp, sender, content);
		write(event.room, timestamp, event.replayed, line);
	});
	return {
		async close() {
			unsubscribe();
			for (const stream of open.values()) end(stream);
			open.clear();
			await Promise.all(closing);
		},
	};
}

/** The time of the last line of a log file (0 when it has none): read from its last 4 KiB only. */
function lastLoggedTime(file: string): number {
	let fd: number | undefined;
	try {
		fd = openSync(file, 'r');
		const size = fstatSync(fd).size;
		const length = Math.min(size, 4096);
		const buffer = Buffer.alloc(length);
		readSync(fd, buffer, 0, length, size - length);
		const last = buffer.toString('utf8').trimEnd().split('\n').at(-1) ?? '';
		const time = Date.parse(last.split('\t')[0] ?? '');
		return Number.isFinite(time) ? time : 0;
	} catch {
		return 0;
	} finally {
		if (fd !== undefined) closeSync(fd);
	}
}

/** One log line: `2026-12-02T03:06:02.123Z<TAB>bo<TAB>hello\nworld` (newline escaped), ending in a newline. */
export function logLine(timestamp: number, sender: string, content: string): string {
	const time = Number.isFinite(timestamp) ? new Date(timestamp).toISOString() : '-';
	const escaped = content.replace(/\\/g, '\\\\').replace(/\r\n|\r|\n/g, '\\n');
	return `${time}\t${sanitizeLine(sender)}\t${sanitizeLine(escaped)}\n`;
}

/**
 * The file a room logs to: letters, digits, `.`, `_`, `-` and `@` stay, anything else (a `/`
 * above all, which would leave DIR) is written `%XX` per UTF-8 byte, as is a leading dot.
 *
 * @example
 * logFileName('@bo') // '@bo.log'
 * logFileName('a/../b') // 'a%2F..%2Fb.log'
 */
export function logFileName(room: string): string {
	let safe = '';
	for (const char of room) {
		if (/^[\p{L}\p{N}_@-]$/u.test(char) || (char === '.' && safe !== '')) safe += char;
		else for (const byte of Buffer.from(char, 'utf8')) safe += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
	}
	return `${safe}.log`;
}
