/** Turning medians into the table (terminal) and the JSON file. */
import {mkdirSync, writeFileSync} from 'node:fs';
import {dirname} from 'node:path';
import {checksPass, emptyChecks, formatChecks, type CheckTotals} from './checks.js';
import type {MachineInfo} from './machine.js';
import type {ServerKind} from './servers.js';
import type {Metric, Target} from './scenarios/types.js';
import {rankSumHigherP} from './stats.js';

/**
 * A ratio target missed by the medians is a miss only if the runs show it: at or below this
 * one-sided p-value (rank-sum test of natter's runs against the seed's, scaled by the target).
 * Above it the two servers' runs interleave too much to tell them apart on this machine, and the
 * row says `tie`. Latency at a fixed low rate is such a case: both servers write each message to
 * 1,000 sockets at the kernel's pace, and the generator sharing their two cores takes longer to
 * read them than either takes to write (bench/README.md, "Verdicts").
 */
export const SIGNIFICANCE = 0.05;
/**
 * Whether the runs could show a difference at all: the most extreme arrangement of n and m runs
 * has p = 1 / C(n + m, n) (3 against 3: 0.05; 2 against 4: 0.067). Where even that is above
 * SIGNIFICANCE, a missed ratio stays a miss instead of a tie that no runs could have overturned.
 */
function canBeSignificant(n: number, m: number): boolean {
	let ways = 1;
	for (let i = 1; i <= n; i++) ways = (ways * (m + i)) / i;
	return 1 / ways <= SIGNIFICANCE;
}

/** One run of one scenario against one server. */
export type RunRecord = {
	server: ServerKind;
	repetition: number;
	values: Record<string, number>;
	checks: CheckTotals | undefined;
	notes: string[];
	/** 1-minute load average of the machine when the run started (others' work shows here). */
	loadAverage: number;
	error?: string;
};

/**
 * For a scenario that compares natter with itself in two setups instead of with the seed (the
 * cluster): the server kinds it runs and what its two value columns and ratio are called. Its
 * block in the table starts with a heading row naming them.
 */
export type Sides = {
	/** The kind in the first value column (where natter usually is). */
	first: ServerKind;
	/** The kind in the second value column (where the seed usually is); the ratio is first / second. */
	second: ServerKind;
	/** Headings of the first column, the second, and the ratio, for this scenario's rows. */
	labels: [string, string, string];
	/** A third kind, run too: each of `metrics` gets one more row (`label` appended), its median in the second column. */
	also?: {kind: ServerKind; label: string; metrics: string[]};
};

/** The server kinds a scenario with `sides` runs, in column order. */
export function sideKinds(sides: Sides): ServerKind[] {
	return [sides.first, sides.second, ...(sides.also ? [sides.also.kind] : [])];
}

/** Everything known about one scenario after the bench. */
export type ScenarioRecord = {
	name: string;
	title: string;
	/** Set when the scenario compares other kinds than natter and the seed. */
	sides?: Sides;
	skipped?: string;
	error?: string;
	metrics: Metric[];
	runs: RunRecord[];
	medians: Partial<Record<ServerKind, Record<string, number>>>;
};

/** A table row. */
export type Row = {
	scenario: string;
	metric: string;
	natter: string;
	seed: string;
	ratio: string;
	/** With --exp: the experimental build's value and its ratio to natter's. */
	exp?: string;
	expRatio?: string;
	target: string;
	/**
	 * `tie`: a ratio target the medians miss but the runs cannot confirm (see SIGNIFICANCE).
	 * `heading` for a row that renames the columns for its scenario's rows (a scenario with `sides`).
	 */
	result: 'pass' | 'FAIL' | 'tie' | 'info' | 'skip' | 'error' | 'n/a' | 'heading';
};

/** The table rows of every scenario: one per metric, plus a correctness row. */
export function buildRows(records: ScenarioRecord[]): Row[] {
	const rows: Row[] = [];
	for (const record of records) {
		if (record.skipped !== undefined || record.error !== undefined) {
			const skipped = record.skipped !== undefined;
			rows.push({scenario: record.name, metric: skipped ? 'skipped (why: below)' : 'failed (why: below)', natter: '', seed: '', ratio: '', target: '', result: skipped ? 'skip' : 'error'});
			continue;
		}
		// The two value columns: natter and the seed, or the scenario's own sides.
		const first = record.sides?.first ?? 'natter';
		const second = record.sides?.second ?? 'seed';
		const exps = record.sides === undefined ? record.medians.exp : undefined;
		if (record.sides !== undefined) {
			const [a, b, ratio] = record.sides.labels;
			rows.push({scenario: record.name, metric: '(columns for these rows)', natter: a, seed: b, ratio, target: '', result: 'heading'});
		}
		const metricRow = (metric: Metric, label: string, secondKind: ServerKind): Row => {
			const natter = record.medians[first]?.[metric.key];
			const seed = record.medians[secondKind]?.[metric.key];
			const ratio = natter !== undefined && seed !== undefined && seed !== 0 ? natter / seed : Number.NaN;
			const exp = exps?.[metric.key];
			const expRatio = exp !== undefined && natter !== undefined && natter !== 0 ? exp / natter : Number.NaN;
			const verdict = metric.target ? judge(metric.target, natter, ratio, runValues(record, first, metric.key), runValues(record, secondKind, metric.key)) : undefined;
			return {
				...(exps === undefined ? {} : {exp: formatNumber(exp, metric.digits), expRatio: Number.isFinite(expRatio) ? `${expRatio.toFixed(2)}x` : '-'}),
				scenario: record.name,
				metric: metric.unit === '' || metric.unit === 'x' ? label : `${label} (${metric.unit})`,
				natter: formatNumber(natter, metric.digits),
				seed: formatNumber(seed, metric.digits),
				ratio: Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : '-',
				target: metric.target ? describeTarget(metric.target, metric.unit) + (verdict?.p === undefined ? '' : ` (p ${verdict.p.toFixed(3)})`) : '',
				result: verdict?.result ?? 'info',
			};
		};
		for (const metric of record.metrics) rows.push(metricRow(metric, metric.label, second));
		const also = record.sides?.also;
		if (also !== undefined) {
			for (const metric of record.metrics.filter(m => also.metrics.includes(m.key))) rows.push(metricRow({...metric, target: undefined}, `${metric.label}, ${also.label}`, also.kind));
		}
		const failedRuns = record.runs.filter(run => run.error !== undefined);
		const cell = (kind: ServerKind): string => {
			const runs = record.runs.filter(run => run.server === kind);
			if (runs.length === 0) return '';
			if (runs.some(run => run.error !== undefined)) return 'run failed';
			const sum = emptyChecks();
			for (const run of runs) {
				for (const key of Object.keys(sum) as (keyof CheckTotals)[]) sum[key] += run.checks![key];
			}
			return `${formatChecks(sum)} (${runs.length} run${runs.length === 1 ? '' : 's'})`;
		};
		const ok = failedRuns.length === 0 && record.runs.every(run => run.checks === undefined || checksPass(run.checks));
		rows.push({
			scenario: record.name,
			metric: 'loss/dup/order/errors per run',
			natter: cell(first),
			seed: cell(second),
			ratio: '',
			...(exps === undefined ? {} : {exp: cell('exp'), expRatio: ''}),
			target: 'all 0',
			result: ok ? 'pass' : 'FAIL',
		});
		if (also !== undefined) {
			rows.push({scenario: record.name, metric: `loss/dup/order/errors per run, ${also.label}`, natter: '', seed: cell(also.kind), ratio: '', target: 'all 0', result: ok ? 'pass' : 'FAIL'});
		}
	}
	return rows;
}

/** One line per skipped or failed scenario, saying why. */
export function formatReasons(records: ScenarioRecord[]): string {
	return records
		.filter(r => r.skipped !== undefined || r.error !== undefined)
		.map(r => `${r.name}: ${r.skipped === undefined ? 'FAILED' : 'skipped'}: ${r.skipped ?? r.error}`)
		.join('\n');
}

/** Render rows as an aligned text table. */
export function formatTable(rows: Row[]): string {
	const header: Row = {
		scenario: 'scenario',
		metric: 'metric',
		natter: 'natter',
		seed: 'seed',
		ratio: 'natter/seed',
		exp: 'exp',
		expRatio: 'exp/natter',
		target: 'target',
		result: 'result' as Row['result'],
	};
	const withExp = rows.some(r => r.exp !== undefined);
	const columns: (keyof Row)[] = ['scenario', 'metric', 'natter', 'seed', 'ratio', ...(withExp ? (['exp', 'expRatio'] as const) : []), 'target', 'result'];
	const numeric = new Set<keyof Row>(['natter', 'seed', 'ratio', 'exp', 'expRatio']);
	const cell = (row: Row, c: keyof Row): string => (c === 'result' && row.result === 'heading' ? '' : (row[c] ?? ''));
	const widths = columns.map(c => Math.max(...[header, ...rows].map(r => cell(r, c).length)));
	const line = (row: Row): string =>
		columns
			.map((c, i) => (numeric.has(c) ? cell(row, c).padStart(widths[i]!) : cell(row, c).padEnd(widths[i]!)))
			.join('  ')
			.trimEnd();
	const out = [line(header), widths.map(w => '-'.repeat(w)).join('  ')];
	let previous = '';
	for (const row of rows) {
		if (previous !== '' && row.scenario !== previous) out.push('');
		previous = row.scenario;
		out.push(line(row));
	}
	return out.join('\n');
}

/** Write the JSON results (machine, options, every run, medians, rows). */
export function writeJson(path: string, content: {machine: MachineInfo; options: unknown; durationSeconds: number; scenarios: ScenarioRecord[]; rows: Row[]; exitCode: number}): void {
	mkdirSync(dirname(path), {recursive: true});
	writeFileSync(path, `${JSON.stringify(content, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value), '\t')}\n`);
}

function describeTarget(target: Target, unit: string): string {
	switch (target.kind) {
		case 'ratio-min':
			return `>= ${target.value}x seed`;
		case 'ratio-max':
			return `<= ${target.value}x seed`;
		case 'max':
			return `natter <= ${target.value} ${unit}`.trimEnd();
		case 'min':
			return `natter >= ${target.value}${unit === 'x' ? 'x' : ` ${unit}`}`.trimEnd();
	}
}

/** One metric's value in each successful run of `kind`. */
function runValues(record: ScenarioRecord, kind: ServerKind, key: string): number[] {
	return record.runs.filter(run => run.server === kind && run.error === undefined).map(run => run.values[key] ?? Number.NaN).filter(Number.isFinite);
}

/** Whether a target is met; for a missed ratio, also the p-value that decided between FAIL and tie. */
function judge(target: Target, natter: number | undefined, ratio: number, natterRuns: number[], seedRuns: number[]): {result: Row['result']; p?: number} {
	switch (target.kind) {
		case 'ratio-min':
		case 'ratio-max': {
			if (!Number.isFinite(ratio)) return {result: 'n/a'};
			if (target.kind === 'ratio-min' ? ratio >= target.value : ratio <= target.value) return {result: 'pass'};
			if (!canBeSignificant(natterRuns.length, seedRuns.length)) return {result: 'FAIL'};
			// Are natter's runs measurably on the wrong side of target × the seed's?
			const bound = seedRuns.map(value => value * target.value);
			const p = target.kind === 'ratio-max' ? rankSumHigherP(natterRuns, bound) : rankSumHigherP(bound, natterRuns);
			return {result: p <= SIGNIFICANCE ? 'FAIL' : 'tie', p};
		}
		case 'max':
			return {result: natter === undefined || !Number.isFinite(natter) ? 'n/a' : natter <= target.value ? 'pass' : 'FAIL'};
		case 'min':
			return {result: natter === undefined || !Number.isFinite(natter) ? 'n/a' : natter >= target.value ? 'pass' : 'FAIL'};
	}
}

function formatNumber(value: number | undefined, digits: number): string {
	if (value === undefined) return '';
	if (!Number.isFinite(value)) return '-';
	return value.toLocaleString('en', {minimumFractionDigits: digits, maximumFractionDigits: digits});
}
