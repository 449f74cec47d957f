/**
 * The content-routing filter language: a subscription's filter string is compiled once,
 * when the client subscribes, into closures the broker runs on each message. Filters come
 * from untrusted clients, so compiling never throws, never evaluates code, and refuses
 * anything that could cost unbounded time or memory. docs/filters.md is the reference.
 */
import {checkDepth} from './check-depth.js';
import {FilterError} from './filter-error.js';
import {tokenize} from './lexer.js';
import {parse} from './parser.js';
import {toPredicate} from './to-predicate.js';

/** What a filter looks at in a message. */
export type FilterInput = {sender: string; content: string; data?: Record<string, unknown>};

/** A filter ready to run. */
export type CompiledFilter = {
	/** The source text, normalised as given. */
	readonly source: string;
	/** True when the message is admitted. Never throws. */
	matches(message: FilterInput): boolean;
};

/** How long and how deeply nested a filter may be. */
export type FilterLimits = {maxLength: number; maxDepth: number};

/** The limits compileFilter applies unless told otherwise. */
export const DEFAULT_FILTER_LIMITS: Readonly<FilterLimits> = Object.freeze({maxLength: 512, maxDepth: 16});

/** A compiled filter, or why the source was refused and the 0-based position to blame. */
export type CompileResult = {ok: true; filter: CompiledFilter} | {ok: false; error: string; position: number};

/** Parse and check an untrusted filter expression once; the result evaluates without eval. */
export function compileFilter(source: string, limits?: Partial<FilterLimits>): CompileResult {
	const maxLength = limits?.maxLength ?? DEFAULT_FILTER_LIMITS.maxLength;
	const maxDepth = limits?.maxDepth ?? DEFAULT_FILTER_LIMITS.maxDepth;
	if (typeof source !== 'string') return {ok: false, error: 'filter is not a string at position 0', position: 0};
	try {
		if (source.length > maxLength) throw new FilterError(`filter is too long (more than ${maxLength} characters)`, maxLength);
		const tree = parse(tokenize(source), maxDepth);
		checkDepth(tree, maxDepth);
		const predicate = toPredicate(tree);
		const filter: CompiledFilter = Object.freeze({
			source,
			matches(message: FilterInput): boolean {
				// Only a malformed message (not an object, a throwing proxy) can make a test throw.
				try {
					return predicate(message);
				} catch {
					return false;
				}
			},
		});
		return {ok: true, filter};
	} catch (error) {
		if (error instanceof FilterError) return {ok: false, error: error.message, position: error.position};
		// Only limits raised far past the defaults can get here (say, by exhausting the stack).
		return {ok: false, error: 'filter could not be compiled at position 0', position: 0};
	}
}
