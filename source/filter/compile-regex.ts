import {RE2JS, RE2JSSyntaxException} from 're2js';
import {FilterError} from './filter-error.js';

/** Longest regular-expression pattern a filter may hold, in UTF-16 code units. */
export const MAX_REGEX_LENGTH = 200;

/**
 * A lazily built DFA that grew past this many (estimated) bytes is dropped after the test that
 * built it, so a kept pattern holds at most this much besides its program; re2js would otherwise
 * keep up to 8 MiB per pattern for good. The next message rebuilds what it needs, still in
 * linear time.
 */
const KEPT_DFA_BYTES = 64 * 1024;

/** A regular expression that runs in time linear in its text (RE2: no backtracking). */
export type FilterRegex = {
	/** True when the pattern matches somewhere in `text`. Never throws. */
	test(text: string): boolean;
	/** Size of the compiled program in instructions: matching costs at most this much per character. */
	readonly size: number;
};

const FLAGS: Readonly<Record<string, number>> = {
	i: RE2JS.CASE_INSENSITIVE,
	m: RE2JS.MULTILINE,
	s: RE2JS.DOTALL,
	// RE2 always matches by code point and knows \p{…}: `u` is what it does anyway.
	u: 0,
};

/**
 * Compile a `/pattern/flags` literal at `position` in a filter on RE2 (re2js), which matches in
 * time linear in the text whatever the pattern. Refuses, with FilterError, what RE2 cannot run in
 * linear time (backreferences, lookaround) and anything too long or malformed.
 */
export function compileRegex(pattern: string, flags: string, position: number): FilterRegex {
	if (pattern.length > MAX_REGEX_LENGTH) {
		throw new FilterError(`regular expression is too long (more than ${MAX_REGEX_LENGTH} characters)`, position);
	}
	refuseUnsupported(pattern, position + 1);
	let compiled: RE2JS;
	try {
		let bits = 0;
		for (const flag of flags) bits |= FLAGS[flag] ?? 0;
		// translateRegExp rewrites JavaScript spellings RE2 lacks: \uXXXX, \u{…}, \cX, (?<name>…).
		compiled = RE2JS.compile(RE2JS.translateRegExp(pattern), bits);
	} catch (error) {
		// re2js says "error parsing regexp: missing closing ): `(`"; keep the reason only.
		const reason = error instanceof RE2JSSyntaxException ? error.message.replace(/^error parsing regexp: /, '') : 'not understood';
		throw new FilterError(`invalid regular expression (${reason})`, position);
	}
	const re2 = compiled.re2();
	return Object.freeze({
		size: compiled.programSize(),
		test(text: string): boolean {
			const found = compiled.test(text);
			const dfa = re2.lazyDFA as typeof re2.lazyDFA | null;
			if (dfa !== null && dfa.maxMem - dfa.memBudget > KEPT_DFA_BYTES) (re2 as {lazyDFA: unknown}).lazyDFA = null;
			return found;
		},
	});
}

/**
 * Backreferences and lookaround, which RE2 does not run, with the position to blame; re2js
 * would report some of them vaguely and read `\k<name>` as the letters "k<name>".
 * `origin` is the position of the pattern's first character in the filter.
 */
function refuseUnsupported(pattern: string, origin: number): void {
	let inClass = false;
	for (let at = 0; at < pattern.length; at++) {
		const c = pattern[at];
		if (c === '\\') {
			const next = pattern[at + 1] ?? '';
			if (!inClass && (/[1-9]/.test(next) || (next === 'k' && pattern[at + 2] === '<'))) {
				throw new FilterError('backreferences are not supported in filters', origin + at, 'RE2 runs filters in linear time and has none');
			}
			at += 1;
		} else if (c === '[') {
			inClass = true;
		} else if (c === ']') {
			inClass = false;
		} else if (c === '(' && !inClass && /^\?(?:=|!|<=|<!)/.test(pattern.slice(at + 1, at + 4))) {
			throw new FilterError('lookahead and lookbehind are not supported in filters', origin + at, 'RE2 runs filters in linear time and has none');
		}
	}
}
