/**
 * The timeline entries events write into a room: a system line, and a message's entry with its
 * text (structured data shown compactly after it). Shared by the reducers of live messages,
 * history and presence.
 */
import type {ChatMessage} from '../../protocol/messages.js';
import {isAction, withoutAction} from '../../protocol/action.js';
import {topicChange} from '../../protocol/topic.js';
import {mentions, type NewEntry} from './room.js';

/** A system line (the room assigns its key). */
export function system(timestamp: number, tone: Extract<NewEntry, {kind: 'system'}>['tone'], text: string): NewEntry {
	return {kind: 'system', timestamp, tone, text};
}

/** A message's timeline entry, live or from history: its text, whether it is mine, whether it calls me. */
export function messageEntry(msg: ChatMessage, me: string, direct: boolean): NewEntry & {kind: 'message'} {
	const mine = msg.sender === me;
	const topic = topicChange(msg.data);
	// A topic change reads like an action of its sender: `* ana set the topic: deploy at 5`.
	if (topic !== undefined) return {kind: 'message', sequence: msg.sequence, sender: msg.sender, text: topic === '' ? 'cleared the topic' : `set the topic: ${topic}`, timestamp: msg.timestamp, mine, mention: false, action: true};
	const mention = !mine && (direct || mentions(msg.content, me));
	return {kind: 'message', sequence: msg.sequence, sender: msg.sender, text: messageText(msg), timestamp: msg.timestamp, mine, mention, ...(isAction(msg.data) ? {action: true} : {})};
}

/** What a message shows: its text, and its structured data compactly after it (an action's marker aside). */
export function messageText(msg: ChatMessage): string {
	// A topic change's content says it in words already; its data only repeats the topic.
	if (topicChange(msg.data) !== undefined) return msg.content;
	const data = isAction(msg.data) ? withoutAction(msg.data!) : msg.data;
	return data === undefined ? msg.content : `${msg.content} ${compactData(data)}`;
}

/** Structured data shown compactly after the text: `{type: "order", value: 150}`, cut at 80 characters. */
export function compactData(data: Record<string, unknown>): string {
	const text = compact(data, 0);
	return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

function compact(value: unknown, depth: number): string {
	if (Array.isArray(value)) return depth > 3 ? '[…]' : `[${value.map(item => compact(item, depth + 1)).join(', ')}]`;
	if (typeof value === 'object' && value !== null) {
		if (depth > 3) return '{…}';
		const key = (k: string) => (/^[\w$-]+$/.test(k) ? k : JSON.stringify(k));
		return `{${Object.entries(value).map(([k, v]) => `${key(k)}: ${compact(v, depth + 1)}`).join(', ')}}`;
	}
	return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
