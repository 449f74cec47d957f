import {randomBytes} from 'node:crypto';
import type {MessageData} from '../protocol/messages.js';
import type {PendingMessage} from './types.js';
import {defined} from '../defined.js';

/**
 * Messages the user has sent that the broker has not yet acknowledged, oldest first. Each
 * carries a client id that is unique per process, so the broker can deduplicate the resends
 * that follow a reconnect: a message goes out as often as needed and enters the room once.
 */
export class Outbox {
	private readonly entries: PendingMessage[] = [];
	private readonly prefix = randomBytes(6).toString('base64url');
	private counter = 0;

	/** Queue a message and return its entry. */
	add(room: string, content: string, data: MessageData | undefined, now: number): PendingMessage {
		const entry: PendingMessage = {room, clientId: `${this.prefix}-${++this.counter}`, content, queuedAt: now, ...defined({data})};
		this.entries.push(entry);
		return entry;
	}

	/** Everything still pending, oldest first. */
	get all(): readonly PendingMessage[] {
		return this.entries;
	}

	get size(): number {
		return this.entries.length;
	}

	/** The broker acknowledged `clientId`: drop it. Returns the entry, if it was pending. */
	settle(clientId: string): PendingMessage | undefined {
		const index = this.entries.findIndex(entry => entry.clientId === clientId);
		if (index < 0) return undefined;
		return this.entries.splice(index, 1)[0];
	}

	/** For brokers without acks (the seed's): settle the oldest pending message of `room` with this content. */
	settleEcho(room: string, content: string): PendingMessage | undefined {
		const entry = this.entries.find(e => e.room === room && e.content === content);
		return entry ? this.settle(entry.clientId) : undefined;
	}
}
