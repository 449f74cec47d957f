import type {ComparisonOperator, Field, FilterNode, Literal} from './ast.js';
import type {FilterInput} from './filter-input.js';

/**
 * The most characters of a field a regular expression is run on: with the program size, this
 * bounds what one test can cost (RE2 is linear in both).
 */
export const MAX_REGEX_INPUT = 512;

/** A compiled filter condition. */
export type Predicate = (message: FilterInput) => boolean;
type Getter = (message: FilterInput) => unknown;

/** Turn a checked tree into nested closures, so each message costs only the tests themselves. */
export function toPredicate(node: FilterNode): Predicate {
	switch (node.kind) {
		case 'or': {
			const operands = node.operands.map(toPredicate);
			return message => {
				for (const operand of operands) if (operand(message)) return true;
				return false;
			};
		}
		case 'and': {
			const operands = node.operands.map(toPredicate);
			return message => {
				for (const operand of operands) if (!operand(message)) return false;
				return true;
			};
		}
		case 'not': {
			const operand = toPredicate(node.operand);
			return message => !operand(message);
		}
		case 'group':
			return toPredicate(node.expression);
		case 'compare':
			return comparison(getter(node.field), node.operator, node.value);
		case 'contains': {
			const get = getter(node.field);
			const text = node.text;
			return message => {
				const value = get(message);
				return typeof value === 'string' && value.includes(text);
			};
		}
		case 'regex': {
			const get = getter(node.field);
			const regex = node.regex;
			return message => {
				const value = get(message);
				// RE2 bounds the work per character by the program's size; this bounds the characters.
				return typeof value === 'string' && regex.test(value.length > MAX_REGEX_INPUT ? value.slice(0, MAX_REGEX_INPUT) : value);
			};
		}
		case 'in': {
			// Set membership is SameValueZero, which differs from === only for NaN, and literals are never NaN.
			const values = new Set<unknown>(node.values);
			const get = getter(node.field);
			return message => values.has(get(message));
		}
		case 'exists': {
			const get = getter(node.field);
			return message => {
				const value = get(message);
				return value !== undefined && value !== null;
			};
		}
		case 'truthy': {
			const get = getter(node.field);
			return message => get(message) === true;
		}
	}
}

const ORDERINGS: Record<Exclude<ComparisonOperator, '==' | '!='>, (a: number | string, b: number | string) => boolean> = {
	'<': (a, b) => a < b,
	'<=': (a, b) => a <= b,
	'>': (a, b) => a > b,
	'>=': (a, b) => a >= b,
};

function comparison(get: Getter, operator: ComparisonOperator, literal: Literal): Predicate {
	if (operator === '==') return message => get(message) === literal;
	if (operator === '!=') return message => get(message) !== literal;
	const order = ORDERINGS[operator];
	const type = typeof literal;
	// The parser only lets numbers and strings reach an ordering.
	const bound = literal as number | string;
	return message => {
		const value = get(message);
		return typeof value === type && order(value as number | string, bound);
	};
}

function getter(field: Field): Getter {
	if (field.root === 'sender') return message => message.sender;
	if (field.root === 'content') return message => message.content;
	const path = field.path;
	if (path.length === 0) return message => message.data;
	if (path.length === 1) {
		const key = path[0]!;
		return message => ownProperty(message.data, key);
	}
	return message => {
		let value: unknown = message.data;
		for (const key of path) {
			value = ownProperty(value, key);
			if (value === undefined) return undefined;
		}
		return value;
	};
}

/** Own properties only: `__proto__`, `constructor` and friends must never reach a prototype. */
function ownProperty(value: unknown, key: string): unknown {
	return typeof value === 'object' && value !== null && Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}
