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
	/** Add the heavy scenarios: a 5,000-subscriber room and 10,000 idle connections. */
	big: boolean;
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

  --quick              ~1 minute smoke: 1 repetition, smaller sizes, shorter phases
  --scenario NAME      run only this scenario (repeatable; a prefix such as "room" works)
  --reps N             repetitions per scenario and server (default 3, quick 1)
  --big                add the heavy scenarios: room-5000 and 10,000 idle connections
  --connections N      idle connections in the capacity scenario (default 2000, --big 10000)
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
			big: {type: 'boolean', default: false},
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
		big: values.big,
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
