import type {ComparisonOperator} from './ast.js';
import {FilterError} from './filter-error.js';

/** One token of a filter; positions are 0-based offsets into the source. */
export type Token =
	| {readonly kind: 'word'; readonly text: string; readonly position: number}
	| {readonly kind: 'string'; readonly value: string; readonly position: number}
	| {readonly kind: 'number'; readonly value: number; readonly position: number}
	| {readonly kind: 'regex'; readonly pattern: string; readonly flags: string; readonly position: number}
	| {readonly kind: 'operator'; readonly operator: ComparisonOperator | '~'; readonly position: number}
	| {readonly kind: 'punctuation'; readonly text: '(' | ')' | '[' | ']' | ',' | '.'; readonly position: number}
	| {readonly kind: 'end'; readonly position: number};

// Sticky scanners: each is linear and anchored at the current offset.
const WHITESPACE = /\s+/y;
const WORD = /[A-Za-z_$][A-Za-z0-9_$]*/y;
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const AFTER_NUMBER = /[A-Za-z0-9_$.]/;
const REGEX_FLAGS = 'imsu';
const PUNCTUATION = new Set(['(', ')', '[', ']', ',', '.']);

// Characters people reach for from other languages, with the word this language uses instead.
const HINTS: Record<string, string> = {
	'=': 'did you mean "=="?',
	'!': 'use "not", or "!=" to compare',
	'&': 'use "and"',
	'|': 'use "or"',
};

/** Split a filter into tokens, ending with an `end` token; throws FilterError on malformed text. */
export function tokenize(source: string): Token[] {
	const tokens: Token[] = [];
	let at = 0;
	while (true) {
		at = skip(WHITESPACE, source, at);
		if (at >= source.length) break;
		const c = source[at]!;
		const wordEnd = skip(WORD, source, at);
		if (wordEnd > at) {
			tokens.push({kind: 'word', text: source.slice(at, wordEnd), position: at});
			at = wordEnd;
		} else if (c === '"' || c === '\'') {
			const {value, end} = readString(source, at);
			tokens.push({kind: 'string', value, position: at});
			at = end;
		} else if (c === '/') {
			const {pattern, flags, end} = readRegex(source, at);
			tokens.push({kind: 'regex', pattern, flags, position: at});
			at = end;
		} else if (skip(NUMBER, source, at) > at) {
			const end = skip(NUMBER, source, at);
			if (end < source.length && AFTER_NUMBER.test(source[end]!)) throw new FilterError('malformed number', at);
			const value = Number(source.slice(at, end));
			if (!Number.isFinite(value)) throw new FilterError('number is out of range', at);
			tokens.push({kind: 'number', value, position: at});
			at = end;
		} else if (PUNCTUATION.has(c)) {
			tokens.push({kind: 'punctuation', text: c as '(' | ')' | '[' | ']' | ',' | '.', position: at});
			at += 1;
		} else {
			const operator = readOperator(source, at);
			if (operator === undefined) throw new FilterError(`unexpected character ${describeCharacter(source, at)}`, at, HINTS[c]);
			tokens.push({kind: 'operator', operator, position: at});
			at += operator.length;
		}
	}
	tokens.push({kind: 'end', position: source.length});
	return tokens;
}

function skip(scanner: RegExp, source: string, at: number): number {
	scanner.lastIndex = at;
	return scanner.test(source) ? scanner.lastIndex : at;
}

function readOperator(source: string, at: number): ComparisonOperator | '~' | undefined {
	const two = source.slice(at, at + 2);
	if (two === '==' || two === '!=' || two === '<=' || two === '>=') return two;
	const one = source[at];
	if (one === '<' || one === '>' || one === '~') return one;
	return undefined;
}

const ESCAPES: Record<string, string> = {'"': '"', '\'': '\'', '\\': '\\', '/': '/', n: '\n', t: '\t', r: '\r'};

function readString(source: string, start: number): {value: string; end: number} {
	const quote = source[start];
	let value = '';
	let at = start + 1;
	while (at < source.length) {
		const c = source[at]!;
		if (c === quote) return {value, end: at + 1};
		if (c !== '\\') {
			value += c;
			at += 1;
			continue;
		}
		const escape = source[at + 1];
		if (escape === undefined) break;
		if (escape === 'u') {
			const hex = source.slice(at + 2, at + 6);
			if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new FilterError('bad \\u escape', at, 'expected four hex digits, as in \\u00e9');
			value += String.fromCharCode(Number.parseInt(hex, 16));
			at += 6;
			continue;
		}
		const replacement = Object.hasOwn(ESCAPES, escape) ? ESCAPES[escape] : undefined;
		if (replacement === undefined) {
			throw new FilterError(`unknown escape "\\${escape}" in string`, at, 'escapes are \\" \\\' \\\\ \\n \\t \\r \\uXXXX');
		}
		value += replacement;
		at += 2;
	}
	throw new FilterError('unterminated string', start);
}

function readRegex(source: string, start: number): {pattern: string; flags: string; end: number} {
	let inClass = false;
	for (let at = start + 1; at < source.length; at++) {
		const c = source[at];
		if (c === '\n' || c === '\r') break;
		if (c === '\\') at += 1;
		else if (c === '[') inClass = true;
		else if (c === ']') inClass = false;
		else if (c === '/' && !inClass) {
			const pattern = source.slice(start + 1, at);
			if (pattern.length === 0) throw new FilterError('empty regular expression', start);
			let flags = '';
			let end = at + 1;
			for (; end < source.length && /[A-Za-z0-9_$]/.test(source[end]!); end++) {
				const flag = source[end]!;
				if (!REGEX_FLAGS.includes(flag)) throw new FilterError(`unknown regular expression flag "${flag}"`, end, 'allowed flags are i, m, s and u');
				if (flags.includes(flag)) throw new FilterError(`repeated regular expression flag "${flag}"`, end);
				flags += flag;
			}
			return {pattern, flags, end};
		}
	}
	throw new FilterError('unterminated regular expression', start);
}

/** A character for an error message: quoted when printable, as U+XXXX when it would not show. */
export function describeCharacter(source: string, at: number): string {
	const code = source.codePointAt(at) ?? 0;
	const text = String.fromCodePoint(code);
	return /^[\p{L}\p{N}\p{P}\p{S}]$/u.test(text) ? `"${text}"` : `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}
