/** The bench's command line: `npm run bench -- [--quick] [--scenario NAME …] [--reps N] …`. */
import {parseArgs} from 'node:util';
import {SERVER_KINDS, type ServerKind} from './servers.js';

/** Everything a run can be told. */
export type BenchOptions = {
	/** A ~1 minute smoke: one repetition, smaller sizes and shorter phases. */
	quick: boolean;
	/** Scenario names (or prefixes) to run; empty means every default one. */
	scenarios: string[];
	/** Repetitions per scenario and server; medians are reported. */
	repetitions: number | undefined;
	/** Worker threads of the load generator that hold plain subscribers (0 = all in the main thread). */
	genThreads: number | undefined;
	/** Idle connections in the capacity scenario. */
	connections: number | undefined;
	/** Message content size in bytes. */
	bytes: number;
	/** Servers to run (natter and seed by default; ratios need both; `exp` comes with --exp). */
	servers: ServerKind[];
	/** cli.js of natter (default dist/cli.js of this tree). */
	natter: string | undefined;
	/** cli.js of an experimental natter build, run as server `exp` beside the others. */
	exp: string | undefined;
	/** Write a CPU profile of natter's broker per run into bench/results/profiles. */
	cpuProfile: boolean;
	/** Where the JSON goes. */
	out: string;
	list: boolean;
	help: boolean;
};

export const USAGE = `Usage: npm run bench -- [options]

  Without options: every scenario but capacity-100k (named only: --scenario capacity-100k,
  10-45 minutes), natter and the seed side by side (the cluster: 3 natter
  nodes vs one), 3 repetitions (fewer where costly; room-5000 and capacity at 10,000
  connections: 1): ~20 minutes on a quiet machine (the seed alone needs 4-8 minutes to
  subscribe 5,000), far longer on a busy one.

  --quick              ~1 minute smoke: 1 repetition, smaller sizes (capacity: 500 connections),
                       shorter phases
  --scenario NAME      run only this scenario (repeatable; a prefix such as "room" works)
  --reps N             repetitions per scenario and server (default 3, quick 1)
  --gen-threads N      worker threads of the load generator holding the plain subscribers
                       (default 2, or NATTER_BENCH_GEN_THREADS; 0 = one thread, the old generator)
  --connections N      idle connections in capacity (default 10000, quick 500) and
                       capacity-100k (default 100000, quick 5000)
  --bytes B            message content size (default 100)
  --server KIND        only natter or only seed (repeatable; ratios need both)
  --natter CLI         run natter from this dist/cli.js instead of this tree's
  --exp CLI            also run natter built elsewhere (path to its dist/cli.js) as server "exp",
                       for before/after numbers of a broker change in the same run
  --cpu-prof           write a V8 CPU profile of natter's broker per run to bench/results/profiles/
  --out FILE           JSON results file (default bench/results/latest.json)
  --list               list the scenarios and exit
  --help               this text
`;

/** Parse argv; throws a TypeError with a readable message on a bad flag. */
export function parseOptions(argv: string[], defaultOut: string): BenchOptions {
	const {values} = parseArgs({
		args: argv,
		strict: true,
		allowPositionals: false,
		options: {
			quick: {type: 'boolean', default: false},
			scenario: {type: 'string', multiple: true},
			reps: {type: 'string'},
			'gen-threads': {type: 'string'},
			connections: {type: 'string'},
			bytes: {type: 'string'},
			server: {type: 'string', multiple: true},
			exp: {type: 'string'},
			natter: {type: 'string'},
			'cpu-prof': {type: 'boolean', default: false},
			out: {type: 'string'},
			list: {type: 'boolean', default: false},
			help: {type: 'boolean', default: false},
		},
	});
	const servers = (values.server ?? ['natter', 'seed']).map(kind => {
		if (!SERVER_KINDS.includes(kind as ServerKind)) throw new TypeError(`--server must be one of ${SERVER_KINDS.join(', ')}, not ${kind}`);
		return kind as ServerKind;
	});
	if (values.exp !== undefined && !servers.includes('exp')) servers.push('exp');
	if (servers.includes('exp') && values.exp === undefined) throw new TypeError('--server exp needs --exp path/to/dist/cli.js');
	return {
		quick: values.quick,
		scenarios: values.scenario ?? [],
		repetitions: values.reps === undefined ? undefined : positiveInt('--reps', values.reps),
		genThreads: values['gen-threads'] === undefined ? undefined : wholeNumber('--gen-threads', values['gen-threads']),
		connections: values.connections === undefined ? undefined : positiveInt('--connections', values.connections),
		bytes: values.bytes === undefined ? 100 : positiveInt('--bytes', values.bytes),
		servers,
		exp: values.exp,
		natter: values.natter,
		cpuProfile: values['cpu-prof'],
		out: values.out ?? defaultOut,
		list: values.list,
		help: values.help,
	};
}

function positiveInt(flag: string, text: string): number {
	const n = Number(text);
	if (!Number.isInteger(n) || n < 1) throw new TypeError(`${flag} wants a positive whole number, not ${JSON.stringify(text)}`);
	return n;
}

function wholeNumber(flag: string, text: string): number {
	const n = Number(text);
	if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) throw new TypeError(`${flag} wants a whole number >= 0, not ${JSON.stringify(text)}`);
	return n;
}
