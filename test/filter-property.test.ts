import {test} from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {compileFilter, type FilterInput} from '../source/filter/compile-filter.js';

// A model of the language, independent of the module: a tree, a printer that leans on
// precedence (parentheses only where needed, plus some redundant ones), and a plain evaluator.
type Literal = string | number | boolean | null;
type Field = {root: 'sender' | 'content' | 'data'; path: string[]; brackets: boolean};
type Expr =
	| {kind: 'and' | 'or'; left: Expr; right: Expr}
	| {kind: 'not'; operand: Expr}
	| {kind: 'paren'; inner: Expr}
	| {kind: 'compare'; field: Field; operator: '==' | '!=' | '<' | '<=' | '>' | '>='; value: Literal}
	| {kind: 'contains'; field: Field; text: string}
	| {kind: 'regex'; field: Field; source: string; flags: string}
	| {kind: 'in'; field: Field; values: Literal[]}
	| {kind: 'exists' | 'truthy'; field: Field};

const KEYS = ['a', 'b', 'n', 'x y', 'in', '__proto__', 'constructor', "it's"];
const STRINGS = ['', 'a', 'b', 'order', 'say "hi"', "it's", 'é', 'line\nbreak', 'tab\t', 'back\\slash', 'A'];
const NUMBERS = [0, 1, -1, 2.5, 100, 1e3, -0.5, 150, 1e21, 1e-7];

const string = fc.constantFrom(...STRINGS);
const number = fc.oneof(fc.constantFrom(...NUMBERS), fc.integer({min: -3, max: 3}));
const literal: fc.Arbitrary<Literal> = fc.oneof(string, number, fc.boolean(), fc.constant(null));
const field: fc.Arbitrary<Field> = fc.oneof(
	fc.constantFrom<Field>({root: 'sender', path: [], brackets: false}, {root: 'content', path: [], brackets: false}),
	fc.record({root: fc.constant('data' as const), path: fc.array(fc.constantFrom(...KEYS), {maxLength: 3}), brackets: fc.boolean()}),
);
const leaf: fc.Arbitrary<Expr> = fc.oneof(
	fc.record({kind: fc.constant('compare' as const), field, operator: fc.constantFrom('==' as const, '!=' as const), value: literal}),
	fc.record({kind: fc.constant('compare' as const), field, operator: fc.constantFrom('<' as const, '<=' as const, '>' as const, '>=' as const), value: fc.oneof(string, number)}),
	fc.record({kind: fc.constant('contains' as const), field, text: string}),
	fc.record({kind: fc.constant('regex' as const), field, source: fc.constantFrom('^a', 'b$', 'o.d', 'r\\b', '\\d'), flags: fc.constantFrom('', 'i', 's', 'im')}),
	fc.record({kind: fc.constant('in' as const), field, values: fc.array(literal, {maxLength: 4})}),
	fc.record({kind: fc.constantFrom('exists' as const, 'truthy' as const), field}),
);
const {expr} = fc.letrec<{expr: Expr}>(tie => ({
	expr: fc.oneof(
		{depthSize: 'small', maxDepth: 6},
		leaf,
		fc.record({kind: fc.constantFrom('and' as const, 'or' as const), left: tie('expr'), right: tie('expr')}),
		fc.record({kind: fc.constant('not' as const), operand: tie('expr')}),
		fc.record({kind: fc.constant('paren' as const), inner: tie('expr')}),
	),
}));

const value: fc.Arbitrary<unknown> = fc.letrec<{value: unknown}>(tie => ({
	value: fc.oneof(
		{depthSize: 'small', maxDepth: 3},
		literal,
		fc.array(fc.tuple(fc.constantFrom(...KEYS), tie('value')), {maxLength: 4}).map(entries => Object.fromEntries(entries)),
		fc.array(tie('value'), {maxLength: 3}),
	),
})).value;
const message: fc.Arbitrary<FilterInput> = fc.record(
	{
		sender: fc.constantFrom('alice', 'bob', 'a', '', 'order'),
		content: fc.oneof(string, fc.constantFrom('hello world', 'Order 150', 'a nod', 'bar')),
		data: fc.array(fc.tuple(fc.constantFrom(...KEYS), value), {maxLength: 6}).map(entries => Object.fromEntries(entries) as Record<string, unknown>),
	},
	{requiredKeys: ['sender', 'content']},
);

function quote(text: string, mark: '"' | '\''): string {
	const escaped = text.replace(/[\\"'\n\t]/g, c => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : c === mark || c === '\\' ? `\\${c}` : c));
	return `${mark}${escaped}${mark}`;
}

function printLiteral(value: Literal): string {
	if (typeof value === 'string') return quote(value, value.includes('"') ? '\'' : '"');
	return String(value);
}

function printField(f: Field): string {
	return f.root + f.path.map(key => (!f.brackets && /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${quote(key, '"')}]`)).join('');
}

const PRECEDENCE = {or: 1, and: 2, not: 3, leaf: 4} as const;

function precedence(e: Expr): number {
	return e.kind === 'or' || e.kind === 'and' || e.kind === 'not' ? PRECEDENCE[e.kind] : PRECEDENCE.leaf;
}

function print(e: Expr, needs = 0): string {
	const text = printBare(e);
	return precedence(e) < needs ? `(${text})` : text;
}

function printBare(e: Expr): string {
	switch (e.kind) {
		case 'or':
		case 'and':
			return `${print(e.left, PRECEDENCE[e.kind])} ${e.kind} ${print(e.right, PRECEDENCE[e.kind])}`;
		case 'not': return `not ${print(e.operand, PRECEDENCE.not)}`;
		case 'paren': return `(${print(e.inner)})`;
		case 'compare': return `${printField(e.field)} ${e.operator} ${printLiteral(e.value)}`;
		case 'contains': return `${printField(e.field)} ~ ${printLiteral(e.text)}`;
		case 'regex': return `${printField(e.field)} ~ /${e.source}/${e.flags}`;
		case 'in': return `${printField(e.field)} in [${e.values.map(printLiteral).join(', ')}]`;
		case 'exists': return `${printField(e.field)} exists`;
		case 'truthy': return printField(e.field);
	}
}

function lookup(m: FilterInput, f: Field): unknown {
	let current: unknown = f.root === 'sender' ? m.sender : f.root === 'content' ? m.content : m.data;
	for (const key of f.path) {
		if (current === null || typeof current !== 'object' || !Object.prototype.hasOwnProperty.call(current, key)) return undefined;
		current = (current as Record<string, unknown>)[key];
	}
	return current;
}

function evaluate(e: Expr, m: FilterInput): boolean {
	switch (e.kind) {
		case 'and': return evaluate(e.left, m) && evaluate(e.right, m);
		case 'or': return evaluate(e.left, m) || evaluate(e.right, m);
		case 'not': return !evaluate(e.operand, m);
		case 'paren': return evaluate(e.inner, m);
		case 'compare': {
			const v = lookup(m, e.field);
			if (e.operator === '==') return v === e.value;
			if (e.operator === '!=') return v !== e.value;
			if (typeof v !== typeof e.value) return false;
			const [a, b] = [v as number, e.value as number];
			return e.operator === '<' ? a < b : e.operator === '<=' ? a <= b : e.operator === '>' ? a > b : a >= b;
		}
		case 'contains': {
			const v = lookup(m, e.field);
			return typeof v === 'string' && v.includes(e.text);
		}
		case 'regex': {
			const v = lookup(m, e.field);
			return typeof v === 'string' && new RegExp(e.source, e.flags).test(v.slice(0, 512));
		}
		case 'in': return e.values.includes(lookup(m, e.field) as Literal);
		case 'exists': return lookup(m, e.field) !== undefined && lookup(m, e.field) !== null;
		case 'truthy': return lookup(m, e.field) === true;
	}
}

test('random filters, printed with minimal parentheses, evaluate like the reference model', () => {
	fc.assert(
		fc.property(expr, fc.array(message, {minLength: 1, maxLength: 8}), (tree, messages) => {
			const source = print(tree);
			const result = compileFilter(source, {maxLength: 100_000, maxDepth: 1000, maxRegexes: 100_000, maxRegexSize: 1_000_000});
			if (!result.ok) throw new Error(`${source}\nrefused: ${result.error}`);
			for (const m of messages) assert.equal(result.filter.matches(m), evaluate(tree, m), `${source}\non ${JSON.stringify(m)}`);
		}),
		{numRuns: 2000},
	);
});

test('compileFilter never throws on arbitrary text', () => {
	fc.assert(
		fc.property(fc.string(), source => {
			const result = compileFilter(source);
			if (!result.ok) assert.ok(Number.isInteger(result.position) && result.position >= 0 && result.position <= Math.max(source.length, 512));
		}),
		{numRuns: 5000},
	);
});

const PIECES = ['data.a', 'data["b"]', 'sender', 'content', 'data', '.', '[', ']', '(', ')', ',', '==', '!=', '<', '>=', '~', 'in', 'exists', 'and', 'or', 'not', '"x', '"x"', "'y'", '1', '-2.5e3', 'true', 'null', '/a+/', '/(a+)+/', '/[/', '\\', ' '];

test('near-miss filters never make compileFilter or matches throw', () => {
	fc.assert(
		fc.property(fc.array(fc.constantFrom(...PIECES), {maxLength: 20}), fc.array(fc.constantFrom(' ', ''), {minLength: 20, maxLength: 20}), message, (pieces, gaps, m) => {
			const source = pieces.map((piece, i) => piece + gaps[i]).join('');
			const result = compileFilter(source);
			if (result.ok) assert.equal(typeof result.filter.matches(m), 'boolean');
			else assert.match(result.error, / at position \d+/);
		}),
		{numRuns: 3000},
	);
});
