import {checkBacktracking} from './check-backtracking.js';
import {FilterError} from './filter-error.js';
import {parseRegex} from './parse-regex.js';

/** Longest regular-expression pattern a filter may hold, in UTF-16 code units. */
export const MAX_REGEX_LENGTH = 200;

/**
 * Build the RegExp for a `/pattern/flags` literal at `position` in a filter, refusing
 * anything too long, malformed, or able to backtrack catastrophically. Throws FilterError.
 */
export function compileRegex(pattern: string, flags: string, position: number): RegExp {
	if (pattern.length > MAX_REGEX_LENGTH) {
		throw new FilterError(`regular expression is too long (more than ${MAX_REGEX_LENGTH} characters)`, position);
	}
	let regex: RegExp;
	try {
		regex = new RegExp(pattern, flags);
	} catch (error) {
		// V8 says "Invalid regular expression: /(/: Unterminated group"; keep the reason only.
		const reason = error instanceof Error ? error.message.replace(/^.*: /s, '') : 'not understood';
		throw new FilterError(`invalid regular expression (${reason})`, position);
	}
	checkBacktracking(parseRegex(pattern, flags, position + 1), position);
	return regex;
}
