/**
 * Sets of code points for the regular-expression safety check. The check only ever asks
 * "could these two sets share a character?", so every constructor here may over-approximate
 * (answering yes too often refuses a safe pattern; answering no too often would let a slow one in).
 */

/** Sorted, disjoint, inclusive code-point ranges, flattened: [lo0, hi0, lo1, hi1, ...]. */
export type CharSet = readonly number[];

const MAX_CODE_POINT = 0x10ffff;

/** No characters. */
export const NO_CHARACTERS: CharSet = [];
/** Every character. */
export const ANY_CHARACTER: CharSet = [0, MAX_CODE_POINT];

/** A set from inclusive [lo, hi] ranges in any order, overlapping or not. */
export function charSet(...ranges: ReadonlyArray<readonly [number, number]>): CharSet {
	const sorted = ranges.filter(([lo, hi]) => lo <= hi).sort((a, b) => a[0] - b[0]);
	const out: number[] = [];
	for (const [lo, hi] of sorted) {
		const last = out.length - 1;
		if (last > 0 && lo <= out[last]! + 1) out[last] = Math.max(out[last]!, hi);
		else out.push(lo, hi);
	}
	return out;
}

/** The set holding just one code point. */
export function singleCharacter(code: number): CharSet {
	return [code, code];
}

/** Every character in any of the sets. */
export function union(...sets: readonly CharSet[]): CharSet {
	return charSet(...sets.flatMap(rangesOf));
}

/** Every character not in the set. */
export function complement(set: CharSet): CharSet {
	const ranges: Array<[number, number]> = [];
	let next = 0;
	for (const [lo, hi] of rangesOf(set)) {
		ranges.push([next, lo - 1]);
		next = hi + 1;
	}
	ranges.push([next, MAX_CODE_POINT]);
	return charSet(...ranges);
}

/** True when some character is in both sets. */
export function intersects(a: CharSet, b: CharSet): boolean {
	let i = 0;
	let j = 0;
	while (i < a.length && j < b.length) {
		if (a[i + 1]! < b[j]!) i += 2;
		else if (b[j + 1]! < a[i]!) j += 2;
		else return true;
	}
	return false;
}

const UPPER: readonly [number, number] = [0x41, 0x5a];
const LOWER: readonly [number, number] = [0x61, 0x7a];
const LONG_S_FOLDS = charSet([0x53, 0x53], [0x73, 0x73]);
const KELVIN_FOLDS = charSet([0x4b, 0x4b], [0x6b, 0x6b]);

/**
 * The set widened to everything the `i` flag could make it match. ASCII letters gain their
 * other case; anything beyond ASCII is taken to match every non-ASCII character and letter,
 * which is coarse but never too small.
 */
export function caseInsensitive(set: CharSet): CharSet {
	const extra: Array<readonly [number, number]> = [];
	for (const [lo, hi] of rangesOf(set)) {
		for (const [from, to] of [[UPPER, LOWER], [LOWER, UPPER]] as const) {
			const start = Math.max(lo, from[0]);
			const end = Math.min(hi, from[1]);
			if (start <= end) extra.push([start + to[0] - from[0], end + to[0] - from[0]]);
		}
		// LATIN SMALL LETTER LONG S and KELVIN SIGN fold onto s and k under the `u` flag.
		if (intersects([lo, hi], LONG_S_FOLDS)) extra.push([0x17f, 0x17f]);
		if (intersects([lo, hi], KELVIN_FOLDS)) extra.push([0x212a, 0x212a]);
		if (hi >= 0x80) extra.push([0x80, MAX_CODE_POINT], UPPER, LOWER);
	}
	return union(set, charSet(...extra));
}

function rangesOf(set: CharSet): Array<[number, number]> {
	const ranges: Array<[number, number]> = [];
	for (let i = 0; i < set.length; i += 2) ranges.push([set[i]!, set[i + 1]!]);
	return ranges;
}

/** `\d`. */
export const DIGITS = charSet([0x30, 0x39]);
/** `\w`. */
export const WORD_CHARACTERS = charSet([0x30, 0x39], UPPER, [0x5f, 0x5f], LOWER);
/** `\s`: the ECMAScript WhiteSpace and LineTerminator characters. */
export const WHITESPACE = charSet([0x09, 0x0d], [0x20, 0x20], [0xa0, 0xa0], [0x1680, 0x1680], [0x2000, 0x200a], [0x2028, 0x2029], [0x202f, 0x202f], [0x205f, 0x205f], [0x3000, 0x3000], [0xfeff, 0xfeff]);
/** What `.` matches without the `s` flag. */
export const NOT_LINE_TERMINATORS = complement(charSet([0x0a, 0x0a], [0x0d, 0x0d], [0x2028, 0x2029]));
