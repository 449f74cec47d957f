import {NO_CHARACTERS, intersects, union, type CharSet} from './char-set.js';
import {FilterError} from './filter-error.js';
import type {RegexNode} from './parse-regex.js';
import {MAX_REGEX_INPUT} from './to-predicate.js';

/**
 * Most work a pattern may cost per start position, in steps per character of text (plus a
 * constant, counted here per 4096 characters). The engine retries at every start, so a match
 * costs about n times this: `a*b` prices at 2 and `.*x` at 3, and each takes about 13 ms on
 * 4096 hostile characters in V8. The prices are rough; what they guarantee is the shape
 * (never worse than quadratic in the text), the budget keeps the constant small.
 */
const BUDGET = 8;
/** V8 unrolls `x{1,3}`; larger counted repeats run as a loop about ten times slower per step. */
const COUNTED_LOOP_OVERHEAD = 10;
/** A lazy repeat costs about twice as much per step as a greedy one. */
const LAZY_OVERHEAD = 2;
/** Each plain character after the first in a run like `timeout` costs a quarter step. */
const PLAIN_RUN_STEP = 0.25;

const CATASTROPHIC = 'regular expression could backtrack catastrophically';

type Cost = {readonly linear: number; readonly constant: number};
/** What comes after a step: the characters that can start it and the worst-case work it costs. */
type Follow = {readonly first: CharSet; readonly cost: Cost};

const FREE: Cost = {linear: 0, constant: 0};
const add = (a: Cost, b: Cost): Cost => ({linear: a.linear + b.linear, constant: a.constant + b.constant});
const max = (a: Cost, b: Cost): Cost => ({linear: Math.max(a.linear, b.linear), constant: Math.max(a.constant, b.constant)});
const plus = (a: Cost, steps: number): Cost => ({linear: a.linear, constant: a.constant + steps});

/**
 * Refuse a pattern whose backtracking could blow up, throwing FilterError at the quantifier
 * or alternation to blame. Two shapes are exponential and refused outright: a quantifier with
 * a variable count inside a repeated group (`(a+)+`, `(a?){20}`, `(.*a){20}`), and a repeated
 * group whose alternatives can start with the same character (`(a|aa)+`). Everything else is
 * priced by worst-case steps: a choice the engine cannot settle from the next character
 * (`.*` before `x`, which `.*` also matches) multiplies the cost of what follows it, so
 * `.*.*x` or `a.*b.*c` (cubic in the text) and `.*a{16}x` (too many steps) are refused.
 */
export function checkBacktracking(tree: RegexNode, position: number): void {
	checkRepeatedGroups(tree, undefined);
	const perStart = price(tree, {first: NO_CHARACTERS, cost: FREE});
	if (perStart.linear + perStart.constant / MAX_REGEX_INPUT > BUDGET) {
		throw new FilterError('regular expression could be too slow on long text', position, 'too many ways to match the same characters');
	}
}

function checkRepeatedGroups(node: RegexNode, repeatedAt: number | undefined): void {
	switch (node.kind) {
		case 'character':
		case 'assertion':
			return;
		case 'sequence':
			for (const item of node.items) checkRepeatedGroups(item, repeatedAt);
			return;
		case 'alternation': {
			const starts = node.branches.map(branch => (nullable(branch) ? null : first(branch)));
			if (repeatedAt !== undefined && !disjoint(starts)) throw new FilterError(`${CATASTROPHIC} (repeated alternatives that can match alike)`, repeatedAt);
			for (const branch of node.branches) checkRepeatedGroups(branch, repeatedAt);
			return;
		}
		case 'repeat':
			if (node.max > node.min && repeatedAt !== undefined) throw new FilterError(`${CATASTROPHIC} (nested quantifier)`, repeatedAt);
			checkRepeatedGroups(node.body, node.max > 1 ? repeatedAt ?? node.position : repeatedAt);
			return;
	}
}

/** Worst-case steps to match the node and then what follows it. Throws where it turns cubic. */
function price(node: RegexNode, follow: Follow): Cost {
	switch (node.kind) {
		case 'character':
			return plus(follow.cost, 1);
		case 'assertion':
			return follow.cost;
		case 'sequence': {
			let rest = follow;
			for (let index = node.items.length - 1; index >= 0; index--) {
				const item = node.items[index]!;
				// V8 compares runs of plain characters several at a time.
				const cost = isPlain(item) && isPlain(node.items[index + 1]) ? plus(rest.cost, PLAIN_RUN_STEP) : price(item, rest);
				rest = {first: nullable(item) ? union(first(item), rest.first) : first(item), cost};
			}
			return rest.cost;
		}
		case 'alternation': {
			const starts = node.branches.map(branch => (nullable(branch) ? union(first(branch), follow.first) : first(branch)));
			const costs = node.branches.map(branch => price(branch, follow));
			// When the next character picks the branch, the others fail at once.
			return disjoint(starts) ? plus(costs.reduce(max), costs.length) : costs.reduce(add);
		}
		case 'repeat':
			return priceRepeat(node, follow);
	}
}

function priceRepeat(node: RegexNode & {kind: 'repeat'}, follow: Follow): Cost {
	if (node.max === 0) return follow.cost;
	const ambiguous = nullable(node.body) || intersects(first(node.body), follow.first);
	if (node.max === 1) {
		const taken = price(node.body, follow);
		if (node.min === 1) return taken;
		return ambiguous ? add(taken, follow.cost) : plus(max(taken, follow.cost), 1);
	}
	// checkRepeatedGroups has made the body choice-free, so one pass through it costs a constant.
	const body = price(node.body, {first: NO_CHARACTERS, cost: FREE}).constant;
	const variable = node.max > node.min;
	const unbounded = node.max > MAX_REGEX_INPUT; // more than the text can hold
	const overhead = !unbounded && node.max > 3 ? COUNTED_LOOP_OVERHEAD : 1;
	// A variable count also tests, at each step, whether to stop.
	// A lazy quantifier tries what follows before each further step, which V8 does slowly.
	const step = (body * overhead + (variable ? 1 : 0)) * (node.lazy ? LAZY_OVERHEAD : 1);
	const iterations: Cost = unbounded ? {linear: step, constant: 0} : {linear: 0, constant: step * node.max};
	if (!variable || !ambiguous) return add(iterations, follow.cost);
	// Every count the quantifier could stop at may go on to try all that follows.
	if (!unbounded) {
		const stops = node.max - node.min + 1;
		return add(iterations, {linear: follow.cost.linear * stops, constant: follow.cost.constant * stops});
	}
	if (follow.cost.linear > 0) {
		throw new FilterError(`${CATASTROPHIC} (a quantifier overlaps a later one)`, node.position, 'the text between them can be split many ways');
	}
	return add(iterations, {linear: follow.cost.constant, constant: 0});
}

/** One character that could only be a letter in either case, or less. */
function isPlain(node: RegexNode | undefined): boolean {
	return node?.kind === 'character' && node.set.length <= 6 && node.set.every((bound, i) => i % 2 === 1 || bound === node.set[i + 1]);
}

/** True when no two sets share a character; `null` (a branch that can match nothing) overlaps everything. */
function disjoint(sets: ReadonlyArray<CharSet | null>): boolean {
	return sets.every((a, i) => sets.every((b, j) => j <= i || (a !== null && b !== null && !intersects(a, b))));
}

function nullable(node: RegexNode): boolean {
	switch (node.kind) {
		case 'character': return false;
		case 'assertion': return true;
		case 'sequence': return node.items.every(nullable);
		case 'alternation': return node.branches.some(nullable);
		case 'repeat': return node.min === 0 || nullable(node.body);
	}
}

/** The characters that can start a match of the node (its own, not what follows it). */
function first(node: RegexNode): CharSet {
	switch (node.kind) {
		case 'character': return node.set;
		case 'assertion': return NO_CHARACTERS;
		case 'sequence': {
			const sets: CharSet[] = [];
			for (const item of node.items) {
				sets.push(first(item));
				if (!nullable(item)) break;
			}
			return union(...sets);
		}
		case 'alternation': return union(...node.branches.map(first));
		case 'repeat': return node.max === 0 ? NO_CHARACTERS : first(node.body);
	}
}
