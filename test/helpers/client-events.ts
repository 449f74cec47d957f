import {createClient} from '../../source/client/create-client.js';
import type {ClientEvent, ClientOptions, NatterClient} from '../../source/client/types.js';
import {Recorder} from './recorder.js';

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
	const recorder: Recorder<ClientEvent> = new Recorder<ClientEvent>((): string => `last events: ${JSON.stringify(events.slice(-6))}`);
	const events: ClientEvent[] = recorder.items;
	client.on(event => recorder.add(event));
	const waitFor = (match: (event: ClientEvent) => boolean, ms = 5000, what = 'a matching event'): Promise<ClientEvent> => recorder.waitFor(match, ms, what);
	const messages = (room: string) =>
		events.filter((e): e is Extract<ClientEvent, {type: 'message'}> => e.type === 'message' && e.room === room);
	client.start();
	return {
		client,
		events,
		waitFor: waitFor,
		contents: room => messages(room).map(e => e.message.content),
		sequences: room => messages(room).map(e => e.message.sequence),
	};
}
