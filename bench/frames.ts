/**
 * The load generator's side of the seed protocol: building publish frames and reading the
 * frames it receives straight from their bytes. At 100k+ deliveries a second a JSON.parse
 * per frame would make the generator the bottleneck, so message, presence and subscribed
 * frames (the only frequent ones) are recognised by their leading bytes and the few numbers
 * needed are read in place. Both servers serialise `{"type":"…"` first, as the seed does.
 */

const MESSAGE_PREFIX = Buffer.from('{"type":"message"');
const PRESENCE_PREFIX = Buffer.from('{"type":"presence"');
const SUBSCRIBED_PREFIX = Buffer.from('{"type":"subscribed"');
const SEQUENCE_KEY = Buffer.from('"sequence":');
const CONTENT_KEY = Buffer.from('"content":"');

/** What kind of frame arrived. */
export type FrameKind = 'message' | 'presence' | 'subscribed' | 'other';

/** Classify a received frame by its first bytes. */
export function frameKind(data: Buffer): FrameKind {
	if (startsWith(data, MESSAGE_PREFIX)) return 'message';
	if (startsWith(data, PRESENCE_PREFIX)) return 'presence';
	if (startsWith(data, SUBSCRIBED_PREFIX)) return 'subscribed';
	return 'other';
}

/** The top-level `sequence` of a message or subscribed frame; -1 when absent. */
export function readSequence(data: Buffer): number {
	const at = data.indexOf(SEQUENCE_KEY);
	if (at < 0) return -1;
	return readUint(data, at + SEQUENCE_KEY.length);
}

/** What the generator embeds in every message's content. */
export type Stamp = {publisher: number; counter: number; sentUs: number};

/**
 * Content of a bench message: `publisher:counter:sentMicroseconds:` padded with dots to
 * `bytes` characters (ASCII, so characters = bytes, and nothing needs JSON escaping).
 */
export function stampContent(publisher: number, counter: number, sentUs: number, bytes: number): string {
	const head = `${publisher}:${counter}:${sentUs}:`;
	return head.length >= bytes ? head : head + '.'.repeat(bytes - head.length);
}

/** Read the stamp from a message frame's content into `into`; false when the content is not a bench stamp. */
export function readStamp(data: Buffer, into: Stamp): boolean {
	const at = data.indexOf(CONTENT_KEY);
	if (at < 0) return false;
	let i = at + CONTENT_KEY.length;
	const fields = [0, 0, 0];
	for (let f = 0; f < 3; f++) {
		let value = 0;
		let digits = 0;
		for (; i < data.length; i++) {
			const c = data[i]!;
			if (c < 48 || c > 57) break;
			value = value * 10 + (c - 48);
			digits++;
		}
		if (digits === 0 || data[i] !== 58 /* : */) return false;
		fields[f] = value;
		i++;
	}
	into.publisher = fields[0]!;
	into.counter = fields[1]!;
	into.sentUs = fields[2]!;
	return true;
}

/** Wall-clock-based microseconds from the high-resolution monotonic clock (comparable across processes). */
export function nowUs(): number {
	return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

/** A seed `subscribe` frame. */
export function subscribeFrame(room: string, userId: string): string {
	return JSON.stringify({type: 'subscribe', room, userId});
}

/** A seed `publish` frame. */
export function publishFrame(room: string, sender: string, content: string): string {
	return `{"type":"publish","room":${JSON.stringify(room)},"sender":${JSON.stringify(sender)},"content":"${content}"}`;
}

function startsWith(data: Buffer, prefix: Buffer): boolean {
	if (data.length < prefix.length) return false;
	for (let i = 0; i < prefix.length; i++) if (data[i] !== prefix[i]) return false;
	return true;
}

function readUint(data: Buffer, from: number): number {
	let value = 0;
	let digits = 0;
	for (let i = from; i < data.length; i++) {
		const c = data[i]!;
		if (c < 48 || c > 57) break;
		value = value * 10 + (c - 48);
		digits++;
	}
	return digits === 0 ? -1 : value;
}
