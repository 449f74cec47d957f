import {RE2JS, RE2JSSyntaxException} from 're2js';
import {FilterError} from './filter-error.js';

/** Longest regular-expression pattern a filter may hold, in UTF-16 code units. */
export const MAX_REGEX_LENGTH = 200;

/**
 * Memory each pattern's lazily built DFA may use (re2js's estimate), instead of re2js's 8 MiB.
 * Everyday patterns need a few dozen states and stay within it; a pattern that needs more falls
 * back, for that text, to RE2's other linear-time matchers, which cost at most the program's size
 * per character. So a kept pattern holds at most this much besides its program, and a pattern
 * whose DFA would explode does not pay for building one on every message.
 */
const DFA_BYTES = 16 * 1024;

/** A regular expression that runs in time linear in its text (RE2: no backtracking). */
export type FilterRegex = {
	/** True when the pattern matches somewhere in `text`. Never throws. */
	test(text: string): boolean;
	/** Size of the compiled program in instructions: matching costs at most this much per character. */
	readonly size: number;
	/** Most memory (re2js's estimate) its DFA may keep between messages. */
	readonly dfaBytes: number;
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
	const dfaBytes = limitDfa(compiled);
	return Object.freeze({
		size: compiled.programSize(),
		dfaBytes,
		test: (text: string): boolean => compiled.test(text),
	});
}

type DfaInternals = {readonly maxMem: number; readonly numClasses: number; failed: boolean};
type Internals = {readonly dfa: DfaInternals; readonly prog: unknown; lazyDFA: unknown};
const internals = (compiled: RE2JS) => compiled.re2() as unknown as Internals;
/** re2js's DFA class (not exported), from a pattern built for the purpose. */
const Dfa = internals(RE2JS.compile('a')).dfa.constructor as new (prog: unknown, maxMem: number) => DfaInternals;
/** A DFA state's transition table holds one 8-byte slot per character class (re2js's estimate). */
const MIN_DFA_STATES = 16;

/**
 * Give the pattern a DFA of DFA_BYTES. re2js builds one lazily with 8 MiB and has no option for
 * less, so this replaces it through fields that its typings declare but its API does not offer;
 * package.json pins the version, and test/filter-regex.test.ts checks the limit took.
 */
function limitDfa(compiled: RE2JS): number {
	const re2 = internals(compiled);
	const dfa = new Dfa(re2.prog, DFA_BYTES);
	// Large Unicode classes split characters into hundreds of classes: when fewer than a handful
	// of states fit, the DFA would thrash (rebuild itself every few characters, far slower than
	// not having one), so such a pattern goes straight to RE2's bit-state and NFA matchers.
	if ((dfa.numClasses + 1) * 8 * MIN_DFA_STATES > DFA_BYTES) dfa.failed = true;
	re2.lazyDFA = dfa;
	// Read back through the getter matching uses: a re2js that no longer reads lazyDFA shows here.
	return re2.dfa.maxMem;
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
