/**
 * Room topics (/topic): a room's topic is stored with the room and told in `subscribed.topic`;
 * setting it is an ordinary sequenced message whose `data.topic` holds the new topic ('' when
 * cleared) and whose `content` says it in words, so history, replay, filters and the seed's
 * clients all see the change in order. See docs/protocol.md, Topics.
 */
import type {MessageData} from './messages.js';

/** The longest topic, in UTF-16 code units (as `content` is measured); the broker refuses longer ones. */
export const MAX_TOPIC_LENGTH = 300;

/** The `data` key that marks a topic change; the broker refuses it in an ordinary `publish`, so no one can forge one. */
export const TOPIC_DATA_KEY = 'topic';

/** The words a topic change carries as its `content` (what a client without topics shows). */
export function topicContent(sender: string, topic: string): string {
	return topic === '' ? `${sender} cleared the topic` : `${sender} set the topic: ${topic}`;
}

/** The topic a message sets ('' when it clears it), or undefined when it is no topic change. */
export function topicChange(data: MessageData | undefined): string | undefined {
	const value = data?.[TOPIC_DATA_KEY];
	return typeof value === 'string' ? value : undefined;
}
