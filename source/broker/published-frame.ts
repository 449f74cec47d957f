import type {PublishedFrame} from '../protocol/messages.js';
import type {PublishResult} from './engines/engine.js';
import {defined} from '../defined.js';

/** The answer to a publish (or a topic change) that carried `clientId`: what the engine stored, or the original a retry repeats. */
export function publishedFrame(room: string, clientId: string, result: PublishResult, recipient?: PublishedFrame['recipient']): PublishedFrame {
	return {
		type: 'published',
		room,
		clientId,
		id: result.message.id,
		sequence: result.message.sequence,
		timestamp: result.message.timestamp,
		duplicate: result.duplicate,
		...defined({recipient}),
	};
}
