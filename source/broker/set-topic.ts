import type {ClientFrame} from '../protocol/messages.js';
import {TOPIC_DATA_KEY, topicContent} from '../protocol/topic.js';
import type {Connection} from './connection.js';
import type {Engine} from './engines/engine.js';
import {publishedFrame} from './published-frame.js';

/**
 * A `topic` frame (already validated: a room, not a direct conversation, a topic within
 * MAX_TOPIC_LENGTH): the connection must be named and subscribed to the room. The engine stores
 * the topic and publishes the change as one ordinary message (content in words, `data.topic`) in
 * one atomic step, so every subscriber sees it in the room's order, and `subscribed.topic` tells
 * whoever joins later. With a clientId the sender gets `published`, and a retry changes nothing.
 * Returns whether a new message entered the room (for the published counter).
 */
export async function setTopic(engine: Engine, connection: Connection, frame: Extract<ClientFrame, {type: 'topic'}>): Promise<boolean> {
	const clientId = frame.clientId === undefined ? {} : {clientId: frame.clientId};
	const userId = connection.userId;
	if (userId === undefined) {
		connection.error('name_required', 'say who you are first: send hello, or subscribe with a userId', {room: frame.room, ...clientId});
		return false;
	}
	// Only a member sets a room's topic, admins included: the change is said in the room as them.
	const key = connection.engineKey(frame.room);
	if (!connection.subs.has(key)) {
		connection.error('not_subscribed', `join ${frame.room} before you set its topic`, {room: frame.room, ...clientId});
		return false;
	}
	const result = await engine.publish({
		room: key,
		sender: userId,
		content: topicContent(userId, frame.topic),
		data: {[TOPIC_DATA_KEY]: frame.topic},
		topic: frame.topic,
		...clientId,
		timestamp: Date.now(),
	});
	if (frame.clientId !== undefined) {
		connection.send(publishedFrame(frame.room, frame.clientId, result));
	}
	return !result.duplicate;
}
