import WebSocket from 'ws';
import {Recorder} from './recorder.js';

/** A frame as received: parsed JSON. */
export type Frame = Record<string, unknown> & {type?: string};

/**
 * A raw WebSocket test client that records every frame it receives and can wait for one that
 * matches. Speaks whatever the test sends: seed-shaped frames, natter frames, or garbage.
 */
export class FrameClient {
	private readonly recorder = new Recorder<Frame>(() => `got ${JSON.stringify(this.frames.slice(-5))}`);
	readonly frames: Frame[] = this.recorder.items;
	readonly ws: WebSocket;
	closeCode: number | undefined;

	private constructor(ws: WebSocket) {
		this.ws = ws;
		ws.on('message', data => {
			this.recorder.add(JSON.parse(data.toString()) as Frame);
		});
		ws.on('close', code => {
			this.closeCode = code;
		});
	}

	/** Connect and wait for the socket to open. */
	static async connect(url: string, options?: WebSocket.ClientOptions): Promise<FrameClient> {
		const ws = new WebSocket(url, options);
		const client = new FrameClient(ws);
		await new Promise<void>((resolve, reject) => {
			ws.once('open', () => resolve());
			ws.once('error', reject);
		});
		return client;
	}

	send(frame: unknown): void {
		this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
	}

	/** The first already-received or future frame that matches, or a rejection after `ms`. */
	waitFor(match: (frame: Frame) => boolean, ms = 3000, what = 'a matching frame'): Promise<Frame> {
		return this.recorder.waitFor(match, ms, what);
	}

	/** The next future frame that matches (ignores frames already received). */
	next(match: (frame: Frame) => boolean, ms = 3000, what = 'a matching frame'): Promise<Frame> {
		return this.recorder.next(match, ms, what);
	}

	/** Frames of one type received so far. */
	ofType(type: string): Frame[] {
		return this.frames.filter(frame => frame.type === type);
	}

	/** Wait until the socket is closed; resolves with the close code. */
	closed(ms = 5000): Promise<number> {
		if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve(this.closeCode ?? 1006);
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`socket still open after ${ms} ms`)), ms);
			this.ws.once('close', code => {
				clearTimeout(timer);
				resolve(code);
			});
		});
	}

	close(code = 1000): void {
		this.ws.close(code);
	}

	/** Drop the TCP connection without a close frame (a killed process, a cut cable). */
	kill(): void {
		this.ws.terminate();
	}
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
	return new Promise(resolve => setTimeout(resolve, ms));
}
