import {test} from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {rankSumHigherP} from '../bench/stats.js';

/** The same p-value by brute force: every way of choosing a.length of the pooled values as "a". */
function bruteForceHigherP(a: number[], b: number[]): number {
	const pooled = [...a, ...b];
	const sorted = [...pooled].sort((x, y) => x - y);
	const rankOf = (value: number): number => {
		const first = sorted.indexOf(value) + 1;
		const last = sorted.lastIndexOf(value) + 1;
		return (first + last) / 2;
	};
	const ranks = pooled.map(rankOf);
	const observed = a.reduce((sum, value) => sum + rankOf(value), 0);
	let atLeast = 0;
	let total = 0;
	const choose = (from: number, left: number, sum: number): void => {
		if (left === 0) {
			total++;
			if (sum >= observed - 1e-9) atLeast++;
			return;
		}
		for (let i = from; i <= ranks.length - left; i++) choose(i + 1, left - 1, sum + ranks[i]!);
	};
	choose(0, a.length, 0);
	return atLeast / total;
}

test('runs that are all higher than the other side are significant only with enough of them', () => {
	// 3 against 3: one arrangement in C(6,3) = 20 puts all of a on top.
	assert.equal(rankSumHigherP([30, 31, 32], [20, 21, 22]), 1 / 20);
	// 6 against 6: one in C(12,6) = 924.
	assert.equal(rankSumHigherP([30, 31, 32, 33, 34, 35], [20, 21, 22, 23, 24, 25]), 1 / 924);
	// One run each can never show anything.
	assert.equal(rankSumHigherP([30], [20]), 0.5);
});

test('runs that are lower, or the same, are never called higher', () => {
	assert.equal(rankSumHigherP([20, 21, 22], [30, 31, 32]), 1);
	assert.equal(rankSumHigherP([25, 25, 25], [25, 25, 25]), 1);
});

test('interleaved runs, as two servers of equal speed give, are far from significant', () => {
	// Equal rank sums (39 each): as likely as not to look higher.
	const p = rankSumHigherP([21, 24, 25, 28, 29, 32], [22, 23, 26, 27, 30, 31]);
	assert.ok(p > 0.45 && p < 0.6, `p = ${p}`);
});

test('the p-value equals a brute-force count over every split, ties included', () => {
	// Values from a small range, so ties are frequent.
	const runs = fc.array(fc.integer({min: 0, max: 6}), {minLength: 1, maxLength: 7});
	fc.assert(
		fc.property(runs, runs, (a, b) => {
			const expected = bruteForceHigherP(a, b);
			assert.ok(Math.abs(rankSumHigherP(a, b) - expected) < 1e-12, `${rankSumHigherP(a, b)} vs ${expected}`);
		}),
		{numRuns: 500},
	);
});

test('no runs on either side gives no answer', () => {
	assert.ok(Number.isNaN(rankSumHigherP([], [1, 2])));
	assert.ok(Number.isNaN(rankSumHigherP([1], [])));
});
