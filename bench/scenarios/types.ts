/** What a scenario is: a named measurement run once per server and repetition. */
import type {CheckTotals} from '../checks.js';
import type {BenchOptions} from '../options.js';
import type {RunningServer} from '../servers.js';

/** A goal from issue 8, checked against the medians. */
export type Target =
	/** natter / seed must be at least this. */
	| {kind: 'ratio-min'; value: number}
	/** natter / seed must be at most this. */
	| {kind: 'ratio-max'; value: number}
	/** natter's own value must be at most this. */
	| {kind: 'max'; value: number}
	/** natter's own value must be at least this. */
	| {kind: 'min'; value: number};

/** One number a scenario reports per run. */
export type Metric = {
	key: string;
	label: string;
	unit: string;
	/** Decimal places in the table. */
	digits: number;
	target?: Target | undefined;
};

/** What one run of a scenario against one server produced. */
export type RunOutput = {
	values: Record<string, number>;
	checks: CheckTotals;
	notes: string[];
};

/** What a run gets to work with. */
export type ScenarioContext = {
	server: RunningServer;
	options: BenchOptions;
	log: (line: string) => void;
	/** Median of a metric from an earlier scenario of this bench run, per server (for derived loads). */
	earlier: (scenario: string, metric: string) => {natter: number; seed: number} | undefined;
};

/** A named measurement. Register it in scenarios/index.ts. */
export type Scenario = {
	name: string;
	/** One line: what it measures. */
	title: string;
	metrics: Metric[];
	/** Runs only when named with --scenario (it takes too long for the default run). */
	optIn?: boolean;
	/** Why it does not run (not built yet, or behind a flag); undefined = it runs. */
	skip?: (options: BenchOptions) => string | undefined;
	/** A scenario whose medians this one reads (via `earlier`): it must run first, in the same bench run. */
	needs?: string;
	/** Sockets the generator opens at once (checked against `ulimit -n`). */
	sockets: (options: BenchOptions) => number;
	/** Repetitions when --reps is not given (default 3, quick 1). */
	repetitions?: (options: BenchOptions) => number;
	run: (context: ScenarioContext) => Promise<RunOutput>;
};
