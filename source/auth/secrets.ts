import {randomBytes} from 'node:crypto';

/** Shortest secret we accept: HS256 is only as strong as its key. */
export const MIN_SECRET_LENGTH = 16;

/** Bits a secret must carry by the estimate below (letters by how often they occur). */
const MIN_SECRET_BITS = 32;

/** How to make a good secret, for the sentence that refuses a weak one. */
export const GOOD_SECRET_HINT = 'make one with `natter token --new-secret` or `openssl rand -base64 32`';

/** A fresh secret: 32 random bytes, base64url (43 characters, 256 bits). */
export function newSecret(): string {
	return randomBytes(32).toString('base64url');
}

/**
 * Why `secret` is too easy to guess, or undefined when it is fine. Catches what people type
 * when asked for a secret: too short, one character repeated (16 spaces, `aaaa…`), a short
 * piece repeated (`abcabcabc…`, `secretsecret…`), a run (`abcdefgh…`, `12345678…`), or too
 * few distinct letters. It cannot recognise a dictionary word, so the advice stays: use a
 * random one.
 */
export function weakSecretReason(secret: string): string | undefined {
	const chars = [...secret];
	if (chars.length < MIN_SECRET_LENGTH) return `it has ${chars.length} characters, and at least ${MIN_SECRET_LENGTH} are needed`;
	if (new Set(chars).size === 1) return 'it is one character repeated';
	const period = smallestPeriod(chars);
	if (period <= chars.length / 2) return `it repeats the same ${period} characters`;
	if (isRun(chars)) return 'it is mostly a run like "aaaa" or "abcd"';
	if (estimatedBits(chars) < MIN_SECRET_BITS) return 'it uses too few different characters';
	return undefined;
}

/** The shortest p such that chars[i] === chars[i - p] for every i ≥ p (the length when none). */
function smallestPeriod(chars: readonly string[]): number {
	for (let p = 1; p < chars.length; p++) {
		let repeats = true;
		for (let i = p; i < chars.length && repeats; i++) repeats = chars[i] === chars[i - p];
		if (repeats) return p;
	}
	return chars.length;
}

/** Most steps between neighbours are the same (`abcdef…`, `987654…`, `acegik…`). */
function isRun(chars: readonly string[]): boolean {
	const steps = new Map<number, number>();
	for (let i = 1; i < chars.length; i++) {
		const step = chars[i]!.codePointAt(0)! - chars[i - 1]!.codePointAt(0)!;
		steps.set(step, (steps.get(step) ?? 0) + 1);
	}
	return Math.max(...steps.values()) * 2 > chars.length - 1;
}

/** Length times the Shannon entropy of the secret's own letter frequencies, in bits. */
function estimatedBits(chars: readonly string[]): number {
	const counts = new Map<string, number>();
	for (const c of chars) counts.set(c, (counts.get(c) ?? 0) + 1);
	let bits = 0;
	for (const count of counts.values()) bits -= count * Math.log2(count / chars.length);
	return bits;
}
