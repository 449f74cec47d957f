import type {NatterClient} from '../../client/types.js';
import type {TimedEvent} from './reduce.js';

/** What a client emitted before the chat window subscribed to it, taken over once. */
export type EarlyEvents = {
	/** The events recorded so far, in order; recording stops (a second call returns none). */
	take(): TimedEvent[];
};

/**
 * Record `client`'s events until the chat window takes them over. The chat command starts the
 * client while the window's modules load and its first frame renders, so the connection is
 * made meanwhile rather than after; the window (useChat) subscribes and then applies these
 * first, so nothing emitted in between is lost or applied out of order.
 *
 * @example
 * const early = recordEarlyEvents(client);
 * client.start();
 * render(<App client={client} early={early} serverUrl={url} />);
 */
export function recordEarlyEvents(client: NatterClient): EarlyEvents {
	let events: TimedEvent[] | undefined = [];
	const stop = client.on(event => {
		events?.push({event, at: Date.now()});
	});
	return {
		take() {
			const taken = events ?? [];
			events = undefined;
			stop();
			return taken;
		},
	};
}
