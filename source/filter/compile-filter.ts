/**
 * The content-routing filter language: a subscription's filter string is compiled once,
 * when the client subscribes, into closures the broker runs on each message. Filters come
 * from untrusted clients, so compiling never throws, never evaluates code, and refuses
 * anything that could cost unbounded time or memory. docs/filters.md is the reference.
 */
import type {FilterNode} from './ast.js';
import type {FilterInput} from './filter-input.js';
import {checkDepth} from './check-depth.js';
import {FilterError} from './filter-error.js';
import {tokenize} from './lexer.js';
import {parse} from './parser.js';
import {toPredicate} from './to-predicate.js';

// FilterInput has its own file, which to-predicate.ts imports too; importers keep finding it here.
export type {FilterInput} from './filter-input.js';

/** A filter ready to run. */
export type CompiledFilter = {
	/** The source text, normalised as given. */
	readonly source: string;
	/**
	 * True when the message is admitted. Never throws. `pass` names one message's fan-out (the
	 * caller promises a pass number is never reused for another message): asked again within the
	 * same pass, as every subscriber sharing this filter asks, it answers from memory.
	 */
	matches(message: FilterInput, pass?: number): boolean;
	/** The regular expressions' program sizes added up: what one message can cost, per character. */
	readonly regexSize: number;
};

/**
 * How long and how deeply nested a filter may be, how many regular expressions it may hold and
 * how large their programs may be together (RE2 instructions).
 */
export type FilterLimits = {maxLength: number; maxDepth: number; maxRegexes: number; maxRegexSize: number};

/** The limits compileFilter applies unless told otherwise. */
export const DEFAULT_FILTER_LIMITS: Readonly<FilterLimits> = Object.freeze({maxLength: 512, maxDepth: 16, maxRegexes: 16, maxRegexSize: 128});

/** A compiled filter, or why the source was refused and the 0-based position to blame. */
export type CompileResult = {ok: true; filter: CompiledFilter} | {ok: false; error: string; position: number};

/** Parse and check an untrusted filter expression once; the result evaluates without eval. */
export function compileFilter(source: string, limits?: Partial<FilterLimits>): CompileResult {
	const maxLength = limits?.maxLength ?? DEFAULT_FILTER_LIMITS.maxLength;
	const maxDepth = limits?.maxDepth ?? DEFAULT_FILTER_LIMITS.maxDepth;
	const maxRegexes = limits?.maxRegexes ?? DEFAULT_FILTER_LIMITS.maxRegexes;
	const maxRegexSize = limits?.maxRegexSize ?? DEFAULT_FILTER_LIMITS.maxRegexSize;
	if (typeof source !== 'string') return {ok: false, error: 'filter is not a string at position 0', position: 0};
	try {
		if (source.length > maxLength) throw new FilterError(`filter is too long (more than ${maxLength} characters)`, maxLength);
		const tokens = tokenize(source);
		// Counted before any is compiled, so a refused filter costs no compilation.
		const regexes = tokens.filter(token => token.kind === 'regex');
		if (regexes.length > maxRegexes) throw new FilterError(`filter has more than ${maxRegexes} regular expressions`, regexes[maxRegexes]!.position);
		const tree = parse(tokens, maxDepth);
		checkDepth(tree, maxDepth);
		const regexSize = sizeOfRegexes(tree);
		if (regexSize > maxRegexSize) {
			throw new FilterError(`regular expressions are too large together (${regexSize} RE2 instructions, at most ${maxRegexSize})`, 0, 'use fewer or simpler patterns');
		}
		const predicate = toPredicate(tree);
		// A number, not the message: storing a fresh object in a long-lived closure on every call
		// costs a write barrier, which made unshared filters a third slower.
		let lastPass = -1;
		let lastAnswer = false;
		const filter: CompiledFilter = Object.freeze({
			source,
			regexSize,
			matches(message: FilterInput, pass?: number): boolean {
				if (pass !== undefined && pass === lastPass) return lastAnswer;
				// Only a malformed message (not an object, a throwing proxy) can make a test throw.
				let answer: boolean;
				try {
					answer = predicate(message);
				} catch {
					answer = false;
				}
				if (pass !== undefined) {
					lastPass = pass;
					lastAnswer = answer;
				}
				return answer;
			},
		});
		return {ok: true, filter};
	} catch (error) {
		if (error instanceof FilterError) return {ok: false, error: error.message, position: error.position};
		// Only limits raised far past the defaults can get here (say, by exhausting the stack).
		return {ok: false, error: 'filter could not be compiled at position 0', position: 0};
	}
}

/** The program sizes of every regular expression in the tree, added up. */
function sizeOfRegexes(node: FilterNode): number {
	switch (node.kind) {
		case 'or':
		case 'and':
			return node.operands.reduce((sum, operand) => sum + sizeOfRegexes(operand), 0);
		case 'not':
			return sizeOfRegexes(node.operand);
		case 'group':
			return sizeOfRegexes(node.expression);
		case 'regex':
			return node.regex.size;
		default:
			return 0;
	}
}
