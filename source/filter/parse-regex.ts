import {ANY_CHARACTER, DIGITS, NOT_LINE_TERMINATORS, WHITESPACE, WORD_CHARACTERS, caseInsensitive, charSet, complement, singleCharacter, union, type CharSet} from './char-set.js';
import {FilterError} from './filter-error.js';

/**
 * The shape of a regular expression as the safety check sees it: which characters each
 * step can consume and how steps repeat and branch. Groups vanish (only their contents
 * matter) and zero-width assertions become `assertion`. Offsets are positions in the filter.
 */
export type RegexNode =
	| {readonly kind: 'character'; readonly set: CharSet}
	| {readonly kind: 'assertion'}
	| {readonly kind: 'sequence'; readonly items: readonly RegexNode[]}
	| {readonly kind: 'alternation'; readonly branches: readonly RegexNode[]; readonly position: number}
	| {readonly kind: 'repeat'; readonly body: RegexNode; readonly min: number; readonly max: number; readonly lazy: boolean; readonly position: number};

const QUANTIFIER = /\{(\d+)(?:(,)(\d*))?\}/y;
const HEX = /^[0-9a-fA-F]+$/;
const PROPERTY_SETS = new Map<string, CharSet>();

/**
 * Read a pattern that `new RegExp` has already accepted with these flags. Throws FilterError
 * for the features the filter language refuses: backreferences and lookaround.
 * `origin` is the position of the pattern's first character in the filter.
 */
export function parseRegex(pattern: string, flags: string, origin: number): RegexNode {
	const unicode = flags.includes('u');
	const fold = flags.includes('i') ? caseInsensitive : (set: CharSet) => set;
	let at = 0;

	const character = (set: CharSet): RegexNode => ({kind: 'character', set: fold(set)});
	const refuse = (problem: string, offset: number, hint?: string) => new FilterError(problem, origin + offset, hint);

	function disjunction(): RegexNode {
		const branches = [sequence()];
		const position = origin + at;
		while (pattern[at] === '|') {
			at += 1;
			branches.push(sequence());
		}
		return branches.length === 1 ? branches[0]! : {kind: 'alternation', branches, position};
	}

	function sequence(): RegexNode {
		const items: RegexNode[] = [];
		while (at < pattern.length && pattern[at] !== '|' && pattern[at] !== ')') {
			const body = atom();
			const position = origin + at;
			const bounds = quantifier();
			items.push(bounds === undefined ? body : {kind: 'repeat', body, ...bounds, position});
		}
		return {kind: 'sequence', items};
	}

	function quantifier(): {min: number; max: number; lazy: boolean} | undefined {
		const c = pattern[at];
		let bounds: {min: number; max: number} | undefined;
		if (c === '*') bounds = {min: 0, max: Infinity};
		else if (c === '+') bounds = {min: 1, max: Infinity};
		else if (c === '?') bounds = {min: 0, max: 1};
		if (bounds !== undefined) at += 1;
		else {
			QUANTIFIER.lastIndex = at;
			const match = QUANTIFIER.exec(pattern);
			if (match === null) return undefined;
			const min = Number(match[1]);
			bounds = {min, max: match[2] === undefined ? min : match[3] ? Number(match[3]) : Infinity};
			at = QUANTIFIER.lastIndex;
		}
		const lazy = pattern[at] === '?';
		if (lazy) at += 1;
		return {...bounds, lazy};
	}

	function atom(): RegexNode {
		const c = pattern[at]!;
		if (c === '(') {
			const open = at;
			at += 1;
			if (/^\?(?:=|!|<=|<!)/.test(pattern.slice(at, at + 3))) throw refuse('lookahead and lookbehind are not supported in filters', open);
			if (pattern.startsWith('?:', at)) at += 2;
			else if (pattern.startsWith('?<', at)) at = pattern.indexOf('>', at) + 1;
			const body = disjunction();
			at += 1; // the ")", which RegExp has already checked is there
			return body;
		}
		if (c === '[') return character(characterClass());
		if (c === '.') {
			at += 1;
			return character(flags.includes('s') ? ANY_CHARACTER : NOT_LINE_TERMINATORS);
		}
		if (c === '^' || c === '$') {
			at += 1;
			return {kind: 'assertion'};
		}
		if (c === '\\') {
			const next = pattern[at + 1] ?? '';
			if (/[1-9]/.test(next) || (next === 'k' && pattern[at + 2] === '<')) {
				throw refuse('backreferences are not supported in filters', at);
			}
			if (next === 'b' || next === 'B') {
				at += 2;
				return {kind: 'assertion'};
			}
			return character(escape());
		}
		return character(singleCharacter(literal()));
	}

	function literal(): number {
		const code = unicode ? pattern.codePointAt(at)! : pattern.charCodeAt(at);
		at += code > 0xffff ? 2 : 1;
		return code;
	}

	/** The characters a backslash escape stands for; `at` is on the backslash. */
	function escape(): CharSet {
		const letter = pattern[at + 1] ?? '\\';
		at += 2;
		switch (letter) {
			case 'd': return DIGITS;
			case 'D': return complement(DIGITS);
			case 'w': return WORD_CHARACTERS;
			case 'W': return complement(WORD_CHARACTERS);
			case 's': return WHITESPACE;
			case 'S': return complement(WHITESPACE);
			case 'n': return singleCharacter(0x0a);
			case 'r': return singleCharacter(0x0d);
			case 't': return singleCharacter(0x09);
			case 'f': return singleCharacter(0x0c);
			case 'v': return singleCharacter(0x0b);
			case 'x': return hexEscape(2) ?? singleCharacter(0x78);
			case 'u': return unicodeEscape();
			case 'p':
			case 'P': return propertyEscape(letter);
			case 'c':
			case '0':
				// Control letters and legacy octal escapes: not worth decoding exactly.
				return ANY_CHARACTER;
			default:
				at -= 1;
				return singleCharacter(literal());
		}
	}

	function hexEscape(digits: number): CharSet | undefined {
		const text = pattern.slice(at, at + digits);
		if (text.length !== digits || !HEX.test(text)) return undefined;
		at += digits;
		return singleCharacter(Number.parseInt(text, 16));
	}

	function unicodeEscape(): CharSet {
		if (unicode && pattern[at] === '{') {
			const close = pattern.indexOf('}', at);
			const code = Number.parseInt(pattern.slice(at + 1, close), 16);
			at = close + 1;
			return singleCharacter(code);
		}
		const set = hexEscape(4) ?? singleCharacter(0x75);
		// Surrogate halves may pair up with a neighbouring escape; assume they could be anything.
		return set[0]! >= 0xd800 && set[0]! <= 0xdfff ? ANY_CHARACTER : set;
	}

	/** `\p{…}` and `\P{…}`: the exact ASCII members, found by asking RegExp, plus all of non-ASCII. */
	function propertyEscape(letter: string): CharSet {
		if (!unicode || pattern[at] !== '{') return singleCharacter(letter.charCodeAt(0));
		const close = pattern.indexOf('}', at);
		const text = `\\${letter}${pattern.slice(at, close + 1)}`;
		at = close + 1;
		let set = PROPERTY_SETS.get(text);
		if (set === undefined) {
			const probe = new RegExp(`^[${text}]$`, 'u');
			const ranges: Array<[number, number]> = [[0x80, 0x10ffff]];
			for (let code = 0; code < 0x80; code++) if (probe.test(String.fromCharCode(code))) ranges.push([code, code]);
			set = charSet(...ranges);
			// RegExp has accepted the escape, so the keys are drawn from Unicode's finite list of properties.
			PROPERTY_SETS.set(text, set);
		}
		return set;
	}

	function characterClass(): CharSet {
		at += 1;
		const negated = pattern[at] === '^';
		if (negated) at += 1;
		let set: CharSet = [];
		while (at < pattern.length && pattern[at] !== ']') {
			const low = classAtom();
			if (pattern[at] === '-' && pattern[at + 1] !== ']' && at + 1 < pattern.length) {
				at += 1;
				const high = classAtom();
				const isSingle = (part: CharSet) => part.length === 2 && part[0] === part[1];
				// A range needs a single character at each end; otherwise "-" is itself a member.
				set = isSingle(low) && isSingle(high)
					? union(set, charSet([low[0]!, high[0]!]))
					: union(set, low, high, singleCharacter(0x2d));
			} else {
				set = union(set, low);
			}
		}
		at += 1;
		return negated ? complement(set) : set;
	}

	function classAtom(): CharSet {
		if (pattern[at] !== '\\') return singleCharacter(literal());
		const next = pattern[at + 1];
		if (next === 'b') {
			at += 2;
			return singleCharacter(0x08);
		}
		if (next !== undefined && /[1-9]/.test(next)) {
			at += 2;
			return ANY_CHARACTER; // an octal escape inside a class; harmless but not worth decoding
		}
		return escape();
	}

	const tree = disjunction();
	if (at < pattern.length) throw refuse('unbalanced ")" in regular expression', at);
	return tree;
}
