import {createHash, timingSafeEqual} from 'node:crypto';

/**
 * Whether two secrets (resume tokens, keys) are equal, in time that depends on neither's
 * content nor its length: both are hashed to 32 bytes first, so `timingSafeEqual` always
 * compares equal-length buffers and a wrong guess learns nothing from how long it took.
 */
export function constantTimeEqual(a: string, b: string): boolean {
	return timingSafeEqual(digest(a), digest(b));
}

function digest(text: string): Buffer {
	return createHash('sha256').update(text, 'utf8').digest();
}
