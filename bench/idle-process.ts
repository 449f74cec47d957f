/**
 * A generator child process holding idle clients for the capacity scenarios (forked by
 * idle-fleet.ts). One process can hold only as many sockets as its open-file limit allows
 * (node raises its soft limit to the hard one at start), so a fleet of these holds 100,000;
 * each binds its clients to its own loopback source address (127.0.0.2, 127.0.0.3, …, a fresh one per process in a run), since
 * one source address has only ~28,000 ephemeral ports per destination.
 *
 * Each client connects, sends the seed's subscribe and waits for `subscribed`; afterwards it
 * only answers pings (ws does that by itself) and counts what the server does to it: closes
 * (a heartbeat drop is a close the client did not ask for) and error frames.
 *
 * Bounded: the process exits when its parent goes (IPC disconnect), when told to, and in any
 * case after `lifetimeMs`.
 */
import WebSocket from 'ws';
import {frameKind, subscribeFrame} from './frames.js';

/** Parent → child. */
export type ToIdle =
	| {type: 'connect'; urls: string[]; localAddress: string; userPrefix: string; rooms: string[]; concurrency: number}
	| {type: 'report'}
	| {type: 'exit'};

/** Child → parent. */
export type FromIdle =
	| {type: 'ready'}
	| {type: 'connected'; count: number; failures: string[]}
	| {type: 'report'; open: number; closed: number; closeCodes: Record<string, number>; errors: string[]; rss: number};

const HANDSHAKE_TIMEOUT_MS = 120_000;
/** A client whose `subscribed` has not come this long after its subscribe fails (and is closed): a stuck server must not hang the bench. */
const SUBSCRIBE_TIMEOUT_MS = 120_000;
const lifetimeMs = Number(process.env.NATTER_BENCH_IDLE_LIFETIME_MS ?? 900_000);

const sockets: WebSocket[] = [];
let open = 0;
let closed = 0;
const closeCodes: Record<string, number> = {};
const errors: string[] = [];

function send(message: FromIdle): void {
	process.send?.(message);
}

function connectOne(url: string, localAddress: string, userId: string, room: string): Promise<void> {
	return new Promise((resolve, reject) => {
		const ws = new WebSocket(url, {perMessageDeflate: false, skipUTF8Validation: true, handshakeTimeout: HANDSHAKE_TIMEOUT_MS, localAddress});
		sockets.push(ws);
		let subscribed = false;
		let opened = false;
		let timer: NodeJS.Timeout | undefined;
		const fail = (why: string): void => {
			clearTimeout(timer);
			reject(new Error(`${userId} via ${localAddress} → ${url}: ${why}`));
			ws.terminate();
		};
		ws.on('message', (data: Buffer) => {
			const kind = frameKind(data);
			if (kind === 'subscribed' && !subscribed) {
				subscribed = true;
				clearTimeout(timer);
				resolve();
			} else if (kind === 'other' && data.includes('"error"')) {
				if (errors.length < 20) errors.push(`${userId}: ${data.subarray(0, 160).toString('utf8')}`);
				// An error before `subscribed` answers the subscribe: it will not come.
				if (!subscribed) fail(`subscribe refused: ${data.subarray(0, 160).toString('utf8')}`);
			}
		});
		ws.once('open', () => {
			opened = true;
			open++;
			ws.send(subscribeFrame(room, userId));
			timer = setTimeout(() => fail(`no subscribed within ${SUBSCRIBE_TIMEOUT_MS / 1000} s`), SUBSCRIBE_TIMEOUT_MS);
		});
		ws.on('error', error => {
			if (!subscribed) reject(new Error(`${userId} via ${localAddress} → ${url}: ${error.message}`));
		});
		ws.once('close', (code: number) => {
			clearTimeout(timer);
			if (opened) open--;
			// Only a subscribed client's close is the server dropping an idle connection; one that
			// never got that far is a failed connect, reported as such.
			if (!subscribed) {
				reject(new Error(`${userId}: closed ${code} before subscribed`));
				return;
			}
			closed++;
			closeCodes[code] = (closeCodes[code] ?? 0) + 1;
		});
	});
}

async function connectAll(message: Extract<ToIdle, {type: 'connect'}>): Promise<void> {
	const failures: string[] = [];
	let next = 0;
	const count = message.rooms.length;
	const lane = async (): Promise<void> => {
		while (next < count) {
			const i = next++;
			try {
				await connectOne(message.urls[i % message.urls.length]!, message.localAddress, `${message.userPrefix}${i}`, message.rooms[i]!);
			} catch (error) {
				if (failures.length < 20) failures.push((error as Error).message);
				else failures.length++;
			}
		}
	};
	await Promise.all(Array.from({length: Math.max(1, message.concurrency)}, lane));
	send({type: 'connected', count: count - failures.length, failures: failures.filter(Boolean)});
}

setTimeout(() => process.exit(3), lifetimeMs).unref();
process.on('disconnect', () => process.exit(0));
process.on('message', (message: ToIdle) => {
	switch (message.type) {
		case 'connect':
			void connectAll(message);
			return;
		case 'report':
			send({type: 'report', open, closed, closeCodes: {...closeCodes}, errors: [...errors], rss: process.memoryUsage.rss()});
			return;
		case 'exit':
			for (const ws of sockets) ws.terminate();
			process.exit(0);
	}
});
send({type: 'ready'});
