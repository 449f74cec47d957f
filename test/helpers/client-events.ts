import {createClient} from '../../source/client/create-client.js';
import type {ClientEvent, ClientOptions, NatterClient} from '../../source/client/types.js';

/** A real client core plus a record of every event it emitted, and a way to wait for one. */
export type RecordedClient = {
	client: NatterClient;
	events: ClientEvent[];
	waitFor<T extends ClientEvent>(match: (event: ClientEvent) => event is T, ms?: number, what?: string): Promise<T>;
	waitFor(match: (event: ClientEvent) => boolean, ms?: number, what?: string): Promise<ClientEvent>;
	/** Contents of `message` events of `room`, in delivery order. */
	contents(room: string): string[];
	/** Sequences of `message` events of `room`, in delivery order. */
	sequences(room: string): number[];
};

/** Start a client with fast timings suited to tests. */
export function recordClient(options: ClientOptions): RecordedClient {
	const client = createClient({minBackoffMs: 50, maxBackoffMs: 500, pingMs: 1000, gapTimeoutMs: 100, ...options});
	const events: ClientEvent[] = [];
	let waiters: Array<{match: (event: ClientEvent) => boolean; resolve: (event: ClientEvent) => void}> = [];
	client.on(event => {
		events.push(event);
		waiters = waiters.filter(waiter => {
			if (!waiter.match(event)) return true;
			waiter.resolve(event);
			return false;
		});
	});
	const waitFor = (match: (event: ClientEvent) => boolean, ms = 5000, what = 'a matching event'): Promise<ClientEvent> => {
		const seen = events.find(match);
		if (seen) return Promise.resolve(seen);
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => {
				waiters = waiters.filter(waiter => waiter.resolve !== done);
				reject(new Error(`timed out after ${ms} ms waiting for ${what}; last events: ${JSON.stringify(events.slice(-6))}`));
			}, ms);
			const done = (event: ClientEvent): void => {
				clearTimeout(timer);
				resolve(event);
			};
			waiters.push({match, resolve: done});
		});
	};
	const messages = (room: string) =>
		events.filter((e): e is Extract<ClientEvent, {type: 'message'}> => e.type === 'message' && e.room === room);
	client.start();
	return {
		client,
		events,
		waitFor: waitFor as RecordedClient['waitFor'],
		contents: room => messages(room).map(e => e.message.content),
		sequences: room => messages(room).map(e => e.message.sequence),
	};
}
