import assert from 'node:assert/strict';
import {setTimeout as sleep} from 'node:timers/promises';
import type {FrameClient} from './frame-client.js';

/** A publisher that keeps going through outages, as natter's client outbox does. */
export type RetryingPublisher = {
	/** The contents (= clientIds) acknowledged with `published`, in order. */
	readonly acked: string[];
	/** How many answers were `unavailable` (each was retried with the same clientId). */
	unavailable(): number;
	/** Stop after the publish in flight is answered; rejects if an answer was neither `published` nor `unavailable`. */
	stop(): Promise<void>;
};

/**
 * Publish `<tag>0`, `<tag>1`, … to `room` one at a time, each with its content as clientId; an
 * `unavailable` answer is retried with the same clientId after 50 ms, so the broker's dedupe
 * decides whether it was stored. Any other error fails the run.
 */
export function startPublishing(writer: FrameClient, room: string, tag: string): RetryingPublisher {
	const acked: string[] = [];
	let refused = 0;
	let stopping = false;
	const run = (async () => {
		for (let i = 0; !stopping; i++) {
			const clientId = `${tag}${i}`;
			for (;;) {
				const answer = writer.next(f => f.clientId === clientId && (f.type === 'published' || f.type === 'error'), 15_000, `answer to ${clientId}`);
				writer.send({type: 'publish', room, content: clientId, clientId});
				const frame = await answer;
				if (frame.type === 'published') {
					acked.push(clientId);
					break;
				}
				assert.equal(frame.code, 'unavailable', JSON.stringify(frame));
				refused++;
				await sleep(50);
			}
		}
	})();
	return {
		acked,
		unavailable: () => refused,
		stop: async () => {
			stopping = true;
			await run;
		},
	};
}
