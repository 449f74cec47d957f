/**
 * `npm run bench`: every scenario against natter's broker and the seed's reference server,
 * interleaved (natter, seed, then seed, natter, …) so that drift in a shared machine's load
 * hits both alike; each run gets a fresh server process. Prints the medians as a table with
 * ratios and targets, writes bench/results/latest.json, and exits 1 when any run lost,
 * duplicated or reordered a message, or failed.
 */
import {loadavg} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {checksPass, formatChecks} from './checks.js';
import {describeMachine, machineInfo} from './machine.js';
import {parseOptions, USAGE, type BenchOptions} from './options.js';
import {requireOpenFiles} from './proc.js';
import {buildRows, formatReasons, formatTable, sideKinds, writeJson, type RunRecord, type ScenarioRecord} from './report.js';
import {selectScenarios, SCENARIOS, type BenchScenario} from './scenarios/index.js';
import {checkNatterBuilt, prepareSeedPeer, startServer, type RunningServer, type ServerKind} from './servers.js';
import {median} from './stats.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const RESULTS_DIR = join(BENCH_DIR, 'results');

async function main(): Promise<number> {
	let options: BenchOptions;
	try {
		options = parseOptions(process.argv.slice(2), join(RESULTS_DIR, 'latest.json'));
	} catch (error) {
		console.error(`bench: ${(error as Error).message}\n\n${USAGE}`);
		return 2;
	}
	// The worker pool reads its size from the environment (it is also how the workers inherit it).
	if (options.genThreads !== undefined) process.env.NATTER_BENCH_GEN_THREADS = String(options.genThreads);
	if (options.help) {
		console.log(USAGE);
		return 0;
	}
	if (options.list) {
		for (const s of SCENARIOS) console.log(`${s.name.padEnd(16)} ${s.title}${s.skip?.(options) ? `  [skipped: ${s.skip(options)}]` : ''}`);
		return 0;
	}
	const scenarios = selectScenarios(options.scenarios);
	if (options.servers.includes('natter')) checkNatterBuilt(options.natter);
	if (options.exp !== undefined) checkNatterBuilt(options.exp);
	if (options.servers.includes('seed')) prepareSeedPeer(log);

	const machine = machineInfo();
	const started = performance.now();
	log(describeMachine(machine));
	log(`mode: ${options.quick ? 'quick' : 'full'}; servers: ${options.servers.join(', ')}; content ${options.bytes} bytes\n`);

	const records: ScenarioRecord[] = [];
	for (const scenario of scenarios) records.push(await runScenario(scenario, options, records));

	const rows = buildRows(records);
	const failed = records.some(r => r.error !== undefined || r.runs.some(run => run.error !== undefined || (run.checks && !checksPass(run.checks))));
	const exitCode = failed ? 1 : 0;
	const durationSeconds = Math.round((performance.now() - started) / 1000);
	console.log(`\n${formatTable(rows)}\n`);
	const reasons = formatReasons(records);
	if (reasons !== '') console.log(`${reasons}\n`);
	console.log(describeMachine(machine));
	const loads = records.flatMap(r => r.runs.map(run => run.loadAverage));
	if (loads.length > 0) console.log(`machine load average during the runs: ${Math.min(...loads)} to ${Math.max(...loads)} (${machine.cpuCount} cores)`);
	if (options.quick) console.log(`quick mode: reduced sizes and ${options.repetitions === undefined ? 'one repetition' : `${options.repetitions} repetitions (--reps)`}; the targets are indicative only`);
	const missed = rows.filter(r => r.result === 'FAIL' && r.target !== 'all 0').length;
	const ties = rows.filter(r => r.result === 'tie').length;
	const verdict = missed > 0 ? `${missed} target(s) missed` : ties > 0 ? 'every target met or tied' : 'every target met';
	const tied = ties === 0 ? '' : ` (${ties} tied: missed by the medians, but the runs cannot tell the servers apart)`;
	console.log(
		`${durationSeconds} s; ${verdict}${tied}; ` +
			`${failed ? 'CORRECTNESS OR RUN FAILURE: exit 1' : 'no loss, duplication or reordering in any run'}`,
	);
	writeJson(options.out, {machine, options, durationSeconds, scenarios: records, rows, exitCode});
	console.log(`results: ${options.out}`);
	return exitCode;
}

async function runScenario(scenario: BenchScenario, options: BenchOptions, done: ScenarioRecord[]): Promise<ScenarioRecord> {
	const record: ScenarioRecord = {name: scenario.name, title: scenario.title, ...(scenario.sides ? {sides: scenario.sides} : {}), metrics: scenario.metrics, runs: [], medians: {}};
	// The servers it runs on: natter and the seed (as --server/--exp say), or the scenario's own sides (the cluster).
	const kinds = scenario.sides ? sideKinds(scenario.sides) : options.servers;
	const needed = scenario.needs === undefined ? undefined : done.find(r => r.name === scenario.needs);
	const skip =
		scenario.skip?.(options) ??
		(scenario.needs !== undefined && (!needed || needed.skipped !== undefined || needed.error !== undefined) ? `needs ${scenario.needs} earlier in the same run` : undefined);
	if (skip !== undefined) {
		record.skipped = skip;
		log(`- ${scenario.name}: skipped (${skip})`);
		return record;
	}
	try {
		requireOpenFiles(scenario.sockets(options), scenario.name);
	} catch (error) {
		record.error = (error as Error).message;
		log(`- ${scenario.name}: ${record.error}`);
		return record;
	}
	const repetitions = options.repetitions ?? scenario.repetitions?.(options) ?? (options.quick ? 1 : 3);
	log(`- ${scenario.name}: ${scenario.title} (${repetitions} x ${kinds.join(' + ')})`);
	const earlier = (name: string, metric: string): {natter: number; seed: number} | undefined => {
		const found = done.find(r => r.name === name);
		if (!found) return undefined;
		return {natter: found.medians.natter?.[metric] ?? Number.NaN, seed: found.medians.seed?.[metric] ?? Number.NaN};
	};
	for (let repetition = 0; repetition < repetitions; repetition++) {
		// Alternate who goes first, so a trend in the machine's load does not favour one server.
		// With three servers, rotate instead, so each goes first once every three repetitions.
		const order = kinds.length > 2 ? kinds.map((_, i) => kinds[(i + repetition) % kinds.length]!) : repetition % 2 === 0 ? kinds : [...kinds].reverse();
		for (const kind of order) record.runs.push(await runOnce(scenario, kind, repetition, options, earlier));
	}
	for (const kind of kinds) {
		const runs = record.runs.filter(run => run.server === kind && run.error === undefined);
		if (runs.length === 0) continue;
		const medians: Record<string, number> = {};
		for (const metric of scenario.metrics) medians[metric.key] = median(runs.map(run => run.values[metric.key] ?? Number.NaN));
		record.medians[kind] = medians;
	}
	return record;
}

async function runOnce(
	scenario: BenchScenario,
	kind: ServerKind,
	repetition: number,
	options: BenchOptions,
	earlier: (scenario: string, metric: string) => {natter: number; seed: number} | undefined,
): Promise<RunRecord> {
	const profileDir = options.cpuProfile && kind !== 'seed' ? join(RESULTS_DIR, 'profiles', scenario.name, kind) : undefined;
	const loadAverage = Math.round(loadavg()[0]! * 100) / 100;
	let server: RunningServer;
	try {
		server = await startServer(kind, {
			...(profileDir === undefined ? {} : {natterCpuProfileDir: profileDir}),
			...(options.exp === undefined ? {} : {expCli: options.exp}),
			...(options.natter === undefined ? {} : {natterCli: options.natter}),
		});
	} catch (error) {
		// A server that does not start (a broken build, a missing redis-server) fails this run, not the whole bench.
		const message = (error as Error).message;
		log(`    ${kind.padEnd(8)} #${repetition + 1}  FAILED to start: ${message}`);
		return {server: kind, repetition, values: {}, checks: undefined, notes: [], loadAverage, error: message};
	}
	const startedAt = performance.now();
	try {
		const output = await scenario.run({server, options, log, earlier});
		const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
		const summary = scenario.metrics
			.slice(0, 3)
			.map(m => `${m.key} ${formatValue(output.values[m.key])}`)
			.join(', ');
		log(`    ${kind.padEnd(8)} #${repetition + 1}  ${summary}; checks ${formatChecks(output.checks)} (${seconds} s)${output.notes.length > 0 ? `; ${output.notes.join('; ')}` : ''}`);
		return {server: kind, repetition, ...output, loadAverage};
	} catch (error) {
		const message = (error as Error).message;
		log(`    ${kind.padEnd(8)} #${repetition + 1}  FAILED: ${message}`);
		return {server: kind, repetition, values: {}, checks: undefined, notes: [], loadAverage, error: message};
	} finally {
		await server.stop();
	}
}

function formatValue(value: number | undefined): string {
	if (value === undefined || !Number.isFinite(value)) return '-';
	return Math.abs(value) >= 100 ? Math.round(value).toLocaleString('en') : value.toFixed(2);
}

function log(line: string): void {
	console.log(line);
}

// Interrupted: exit, so the servers' exit hook (servers.ts) kills every server this run started.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
process.exit(await main());
