import {randomBytes} from 'node:crypto';

/** A fresh room epoch: random, so a restarted memory broker never reuses one. */
export function newEpoch(): string {
	return randomBytes(6).toString('hex');
}

/** An unguessable token (resume tokens, admin keys). */
export function newToken(): string {
	return randomBytes(18).toString('base64url');
}

/**
 * Message ids: a random per-process prefix and a counter. Unique without a random draw per
 * message, which keeps id generation off the publish hot path.
 */
export function newMessageIdFactory(): () => string {
	const prefix = randomBytes(5).toString('hex');
	let counter = 0;
	return () => `${prefix}${(++counter).toString(36)}`;
}
