import {FrameClient, type Frame} from './frame-client.js';

/**
 * Small steps the broker tests repeat: connect under a name, subscribe and wait for the answer,
 * and a barrier that proves everything the broker sent a client so far has arrived.
 */

/**
 * The keys open-mode brokers issued (`welcome.key`) by URL and name, and the latest by name
 * alone: connectAs keeps and presents them as natter's client does, so a test's second
 * connection under a name is the same person, on another node of a cluster too (they share
 * kept names). A key presented where the name is not kept is simply ignored.
 */
const nameKeys = new Map<string, string>();

/** The key a broker at `url` (else any broker) issued for `userId` through connectAs, if any. */
export function nameKeyOf(url: string, userId: string): string | undefined {
	return nameKeys.get(`${url} ${userId}`) ?? nameKeys.get(` ${userId}`);
}

/**
 * Connect and bind `userId` with `hello`, presenting the name's key when an earlier connectAs
 * got one (`extra.key` overrides it; `key: undefined` sends none); resolves with the client
 * and its `welcome`.
 */
export async function connectAs(url: string, userId: string, extra: Record<string, unknown> = {}): Promise<{client: FrameClient; welcome: Frame}> {
	const client = await FrameClient.connect(url);
	const known = nameKeyOf(url, userId);
	client.send({type: 'hello', userId, ...(known === undefined ? {} : {key: known}), ...extra});
	const welcome = await client.next(f => f.type === 'welcome' || f.type === 'error', 3000, `welcome for ${userId}`);
	if (welcome.type !== 'welcome') {
		client.close();
		throw new Error(`hello as ${userId} refused: ${JSON.stringify(welcome)}`);
	}
	if (typeof welcome.key === 'string') {
		nameKeys.set(`${url} ${userId}`, welcome.key);
		nameKeys.set(` ${userId}`, welcome.key);
	}
	return {client, welcome};
}

/** Subscribe and resolve with the `subscribed` answer (an `error` for the room rejects). */
export async function subscribe(client: FrameClient, room: string, extra: Record<string, unknown> = {}): Promise<Frame> {
	const answer = client.next(f => (f.type === 'subscribed' || f.type === 'error') && f.room === room, 3000, `subscribed to ${room}`);
	client.send({type: 'subscribe', room, ...extra});
	const frame = await answer;
	if (frame.type !== 'subscribed') throw new Error(`subscribe to ${room} refused: ${JSON.stringify(frame)}`);
	return frame;
}

/** Send a request and resolve with the next frame of `type` (or an error) that names `room`. */
export async function request(client: FrameClient, frame: Record<string, unknown>, type: string): Promise<Frame> {
	const room = frame.room;
	// An error about an unusable room name does not echo the name, so it matches any room.
	const answer = client.next(
		f => (f.type === type && (room === undefined || f.room === room)) || (f.type === 'error' && (f.room === undefined || f.room === room)),
		3000,
		`${type} for ${String(room)}`,
	);
	client.send(frame);
	return answer;
}

let barriers = 0;

/**
 * A round trip through the broker: frames on one socket arrive in order, so once the answer to
 * this probe is here, everything the broker sent this client before it has arrived too.
 * The probe is an unknown type, which every connection may send and which changes nothing.
 */
export async function sync(client: FrameClient): Promise<void> {
	const marker = `barrier-${++barriers}`;
	const answer = client.next(f => f.type === 'error' && f.code === 'unknown_type' && String(f.error).includes(marker), 3000, marker);
	client.send({type: marker});
	await answer;
}

/** The `message` frames a client received in `room`, in arrival order. */
export function messagesIn(client: FrameClient, room: string): Frame[] {
	return client.frames.filter(f => f.type === 'message' && f.room === room);
}

/** The sequence numbers of the messages a client received in `room`, in arrival order. */
export function sequencesIn(client: FrameClient, room: string): number[] {
	return messagesIn(client, room).map(f => f.sequence as number);
}

/** 1..n (or from..to) as an array. */
export function range(from: number, to: number): number[] {
	return Array.from({length: Math.max(0, to - from + 1)}, (_, i) => from + i);
}

/** Close every client, ignoring ones already gone. */
export function closeAll(...clients: Array<FrameClient | undefined>): void {
	for (const client of clients) {
		try {
			client?.close();
		} catch {
			// Already closed or never opened: nothing to release.
		}
	}
}
