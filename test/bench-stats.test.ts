import {test} from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {emptyChecks} from '../bench/checks.js';
import {buildRows, type RunRecord, type ScenarioRecord} from '../bench/report.js';
import {median, rankSumHigherP} from '../bench/stats.js';

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

/** One scenario with a `<= 1x seed` latency target and these per-run values, as the bench records it. */
function latencyRecord(natter: number[], seed: number[]): ScenarioRecord {
	const runs = (server: 'natter' | 'seed', values: number[]): RunRecord[] =>
		values.map((p99, repetition) => ({server, repetition, values: {p99}, checks: emptyChecks(), notes: [], loadAverage: 0}));
	return {
		name: 'fixed',
		title: 'fixed rate',
		metrics: [{key: 'p99', label: 'latency p99', unit: 'ms', digits: 2, target: {kind: 'ratio-max', value: 1}}],
		runs: [...runs('natter', natter), ...runs('seed', seed)],
		medians: {natter: {p99: median(natter)}, seed: {p99: median(seed)}},
	};
}

const verdictOf = (natter: number[], seed: number[]): {result: string; target: string} => {
	const row = buildRows([latencyRecord(natter, seed)]).find(r => r.metric.startsWith('latency p99'))!;
	return {result: row.result, target: row.target};
};

test('a ratio target the medians meet passes, whatever the spread', () => {
	assert.equal(verdictOf([20, 25, 30], [21, 26, 31]).result, 'pass');
});

test('a ratio target the medians miss is a tie when the runs interleave, and says how likely', () => {
	const verdict = verdictOf([21, 24, 27, 28, 29, 32], [22, 23, 25, 26, 30, 31]);
	assert.equal(verdict.result, 'tie');
	assert.match(verdict.target, /^<= 1x seed \(p 0\.\d{3}\)$/);
});

test('a ratio target the medians miss is a FAIL when every run of natter is worse, given enough runs to show it', () => {
	assert.equal(verdictOf([30, 31, 32], [20, 21, 22]).result, 'FAIL');
	assert.equal(verdictOf([30, 31, 32, 33, 34, 35], [20, 21, 22, 23, 24, 25]).result, 'FAIL');
});

test('too few runs for any arrangement to be significant leave a missed ratio a FAIL, not a tie', () => {
	// 2 against 4: the most extreme arrangement has p = 1/15, above 0.05.
	assert.equal(verdictOf([22, 40], [20, 21, 23, 24]).result, 'FAIL');
	assert.equal(verdictOf([30], [20]).result, 'FAIL');
});
