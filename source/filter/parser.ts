import type {Field, FilterNode, Literal} from './ast.js';
import {compileRegex} from './compile-regex.js';
import {FilterError} from './filter-error.js';
import type {Token} from './lexer.js';

/** Most values a list after `in` may hold. */
export const MAX_LIST_ITEMS = 64;

const ROOTS = new Set(['sender', 'content', 'data']);
const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'exists', 'true', 'false', 'null']);
const FIELDS_HINT = 'fields are sender, content, data.…';

/** The message for an expression nested deeper than the limit. */
export function tooDeep(maxDepth: number): string {
	return `expression is too deep (more than ${maxDepth} levels)`;
}

/**
 * Parse tokens (ending with `end`) into a filter tree, throwing FilterError at the first
 * problem. Parentheses and `not` are the only recursion, and they stop at `maxDepth`, so
 * hostile input cannot exhaust the stack.
 *
 *   or      := and ("or" and)*
 *   and     := unary ("and" unary)*
 *   unary   := "not" unary | "(" or ")" | test
 *   test    := field (comparison value | "~" (string | regex) | "in" list | "exists")?
 */
export function parse(tokens: readonly Token[], maxDepth: number): FilterNode {
	let index = 0;
	let nesting = 0;

	const peek = (): Token => tokens[index]!;
	const next = (): Token => {
		const token = tokens[index]!;
		if (token.kind !== 'end') index += 1;
		return token;
	};
	const isWord = (token: Token, text: string) => token.kind === 'word' && token.text === text;
	const isPunctuation = (token: Token, text: string) => token.kind === 'punctuation' && token.text === text;

	function parseChain(kind: 'or' | 'and', operand: () => FilterNode): FilterNode {
		const head = operand();
		if (!isWord(peek(), kind)) return head;
		const position = peek().position;
		const operands = [head];
		while (isWord(peek(), kind)) {
			next();
			operands.push(operand());
		}
		return {kind, operands, position};
	}
	const parseOr = (): FilterNode => parseChain('or', parseAnd);
	const parseAnd = (): FilterNode => parseChain('and', parseUnary);

	function parseUnary(): FilterNode {
		const token = peek();
		const opensGroup = isPunctuation(token, '(');
		if (!opensGroup && !isWord(token, 'not')) return parseTest();
		next();
		nesting += 1;
		if (nesting > maxDepth) throw new FilterError(tooDeep(maxDepth), token.position);
		const inner = opensGroup ? parseOr() : parseUnary();
		nesting -= 1;
		if (!opensGroup) return {kind: 'not', operand: inner, position: token.position};
		const close = next();
		if (!isPunctuation(close, ')')) throw new FilterError(`expected ")" but found ${describe(close)}`, close.position, `to close the "(" at position ${token.position}`);
		return {kind: 'group', expression: inner, position: token.position};
	}

	function parseTest(): FilterNode {
		const field = parseField();
		const position = field.position;
		const token = peek();
		if (token.kind === 'operator') {
			next();
			if (token.operator === '~') return parseMatch(field, token);
			const value = parseValue(`after "${token.operator}"`);
			if (token.operator !== '==' && token.operator !== '!=' && typeof value !== 'number' && typeof value !== 'string') {
				throw new FilterError(`"${token.operator}" compares only numbers or strings`, tokens[index - 1]!.position);
			}
			return {kind: 'compare', field, operator: token.operator, value, position};
		}
		if (isWord(token, 'in')) {
			next();
			return {kind: 'in', field, values: parseList(), position};
		}
		if (isWord(token, 'exists')) {
			next();
			return {kind: 'exists', field, position};
		}
		if (token.kind === 'end' || isWord(token, 'and') || isWord(token, 'or') || isPunctuation(token, ')')) {
			return {kind: 'truthy', field, position};
		}
		throw new FilterError(`expected an operator after ${field.text} but found ${describe(token)}`, token.position, lowercaseHint(token));
	}

	function parseField(): Field {
		const token = next();
		if (token.kind !== 'word' || KEYWORDS.has(token.text)) {
			throw new FilterError(`expected a field but found ${describe(token)}`, token.position, FIELDS_HINT);
		}
		if (!ROOTS.has(token.text)) throw new FilterError(`unknown field "${token.text}"`, token.position, lowercaseHint(token) ?? FIELDS_HINT);
		const root = token.text as Field['root'];
		const path: string[] = [];
		let text = root;
		while (isPunctuation(peek(), '.') || isPunctuation(peek(), '[')) {
			const opener = next();
			if (root !== 'data') throw new FilterError(`"${root}" has no fields`, opener.position, 'only data has fields');
			const key = next();
			if (isPunctuation(opener, '.')) {
				if (key.kind !== 'word') throw new FilterError('expected a name after "."', key.position, 'write data["odd key"] for keys that are not plain words');
				path.push(key.text);
				text += `.${key.text}`;
			} else {
				if (key.kind !== 'string') throw new FilterError('expected a quoted key after "["', key.position);
				const close = next();
				if (!isPunctuation(close, ']')) throw new FilterError(`expected "]" but found ${describe(close)}`, close.position);
				path.push(key.value);
				text += `[${JSON.stringify(key.value)}]`;
			}
		}
		return {root, path, text, position: token.position};
	}

	function parseMatch(field: Field, tilde: Token): FilterNode {
		const token = next();
		if (token.kind === 'string') return {kind: 'contains', field, text: token.value, position: field.position};
		if (token.kind === 'regex') return {kind: 'regex', field, regex: compileRegex(token.pattern, token.flags, token.position), position: field.position};
		throw new FilterError(`expected a quoted string or /regex/ after "~" but found ${describe(token)}`, token.position, `"~" is at position ${tilde.position}`);
	}

	function parseValue(where: string): Literal {
		const token = next();
		switch (token.kind) {
			case 'string':
			case 'number':
				return token.value;
			case 'word':
				if (token.text === 'true') return true;
				if (token.text === 'false') return false;
				if (token.text === 'null') return null;
				break;
			case 'regex':
				throw new FilterError('a regular expression can only follow "~"', token.position);
			case 'punctuation':
				if (token.text === '[') throw new FilterError('a list can only follow "in"', token.position);
				break;
		}
		throw new FilterError(`expected a value ${where}`, token.position, token.kind === 'end' ? undefined : `found ${describe(token)}`);
	}

	function parseList(): Literal[] {
		const open = next();
		if (!isPunctuation(open, '[')) throw new FilterError(`expected a list after "in" but found ${describe(open)}`, open.position, 'as in data.type in ["a", "b"]');
		const values: Literal[] = [];
		if (isPunctuation(peek(), ']')) {
			next();
			return values;
		}
		while (true) {
			if (values.length === MAX_LIST_ITEMS) throw new FilterError(`list has more than ${MAX_LIST_ITEMS} items`, peek().position);
			values.push(parseValue('in the list'));
			const separator = next();
			if (isPunctuation(separator, ']')) return values;
			if (!isPunctuation(separator, ',')) throw new FilterError(`expected "," or "]" but found ${describe(separator)}`, separator.position, `the list opens at position ${open.position}`);
		}
	}

	if (peek().kind === 'end') throw new FilterError('filter is empty', 0);
	const tree = parseOr();
	const rest = peek();
	if (rest.kind !== 'end') {
		const hint = isPunctuation(rest, ')') ? 'no "(" is open' : lowercaseHint(rest) ?? 'conditions are joined with "and" or "or"';
		throw new FilterError(`unexpected ${describe(rest)}`, rest.position, hint);
	}
	return tree;
}

/** For `AND`, `Not` and the like: keywords are lowercase. */
function lowercaseHint(token: Token): string | undefined {
	if (token.kind !== 'word' || token.text === token.text.toLowerCase() || !KEYWORDS.has(token.text.toLowerCase())) return undefined;
	return `keywords are lowercase: "${token.text.toLowerCase()}"`;
}

/** A token as an error message names it. */
function describe(token: Token): string {
	switch (token.kind) {
		case 'word': return `"${token.text}"`;
		case 'string': return 'a string';
		case 'number': return `the number ${token.value}`;
		case 'regex': return 'a regular expression';
		case 'operator': return `"${token.operator}"`;
		case 'punctuation': return `"${token.text}"`;
		case 'end': return 'the end of the filter';
	}
}
