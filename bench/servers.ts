/**
 * The servers under test, each started as its own child process and stopped after every run:
 * natter's headless broker (from dist/) and the seed's reference server (a scratch copy of
 * ../shared/peers/seed-ts, installed once). For the cluster scenario, a "server" is several
 * processes: a private redis-server child and one or three natter nodes sharing it (--redis).
 *
 * The copy lives in node_modules/.cache/natter-bench/seed-peer, not under bench/: `eslint .`
 * (part of npm test) lints dot-folders too and would fail on the seed's verbatim code, while
 * node_modules is ignored by git, ESLint and tsc alike.
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync} from 'node:fs';
import {createServer} from 'node:net';
import {tmpdir} from 'node:os';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {SEED_PEER_DIR} from '../test/helpers/seed-server.js';
import {cpuMs, rssBytes, servingPid} from './proc.js';

/**
 * Which server a run measures. `exp` is natter built from another tree (`--exp path/to/dist/cli.js`),
 * for before/after numbers of a broker change in the same run. `natter` is one node on the memory
 * engine. Only the cluster scenario runs the last two (they cannot be picked with --server):
 * `cluster` is three natter nodes sharing a private redis-server, `one-node` one natter node on
 * its own private redis-server (the same engine, one node).
 */
export type ServerKind = 'natter' | 'seed' | 'exp' | 'cluster' | 'one-node';

/** The kinds --server accepts. */
export const SERVER_KINDS: readonly ServerKind[] = ['natter', 'seed', 'exp'];

/** Nodes in the `cluster` server. */
export const CLUSTER_NODES = 3;

/** A server ready for connections: one child process, or (cluster kinds) natter nodes and their redis-server. */
export type RunningServer = {
	kind: ServerKind;
	/** The first node's URL (the only one, except for `cluster`). */
	url: string;
	/** Every node's URL; a generator spreads its clients over them (`new Load(server.urls)`). */
	urls: string[];
	/** The process that serves (for the seed: tsx's node child, not the tsx launcher); the first node's. */
	pid: number;
	/** Every natter node's serving process (one, except for `cluster`). */
	pids: number[];
	/** The private redis-server's pid, for the cluster kinds. */
	redisPid?: number;
	/** The private redis-server's URL, for the cluster kinds (the bench reads INFO there). */
	redisUrl?: string;
	/** Resident memory of the serving process(es), bytes (summed over the nodes; redis-server not included). */
	rss(): number;
	/** CPU time the serving process(es) have used so far, ms (summed over the nodes; redis-server not included). */
	cpu(): number;
	/**
	 * The serving process's memory after two full garbage collections (the first node's, for the
	 * cluster kinds), read by the bench-only preload probe/mem-probe.mjs; undefined when it does not answer.
	 */
	memory(): Promise<MemorySample | undefined>;
	/** SIGINT, then SIGKILL if it has not gone within 5 s (every node, then redis-server). */
	stop(): Promise<void>;
};

/** process.memoryUsage() of a server after GC, bytes. */
export type MemorySample = {rss: number; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number};

/** How to start the servers. */
export type ServerOptions = {
	/** Write a V8 CPU profile of natter's broker into this directory (node --cpu-prof). */
	natterCpuProfileDir?: string;
	/** Extra arguments for natter's broker (e.g. --max-buffered). */
	natterArgs?: string[];
	/** The cli.js of the `exp` server. */
	expCli?: string;
	/** The cli.js of the `natter` server (default this tree's dist/cli.js). */
	natterCli?: string;
};

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const REPO_DIR = resolve(BENCH_DIR, '..');
// Found where the tests find it: NATTER_SEED_PEER, else ../shared/peers/seed-ts.
const SEED_SOURCE = SEED_PEER_DIR;
const SEED_COPY = process.env.NATTER_BENCH_SEED_DIR ?? join(REPO_DIR, 'node_modules/.cache/natter-bench/seed-peer');
const NATTER_CLI = join(REPO_DIR, 'dist/cli.js');
const MEM_PROBE = pathToFileURL(join(BENCH_DIR, 'probe/mem-probe.mjs')).href;
/** Where the servers' memory probes write their samples (one file per pid, removed when read). */
const MEM_DIR = mkdtempSync(join(tmpdir(), 'natter-bench-mem-'));
process.once('exit', () => rmSync(MEM_DIR, {recursive: true, force: true}));

/**
 * Every server process started and not yet seen to exit: killed (SIGKILL) when the bench exits,
 * also when it is interrupted (run.ts turns SIGINT/SIGTERM into an exit), so no redis-server or
 * node outlives a bench that was stopped halfway.
 */
const live = new Set<ChildProcess>();
/** Scratch folders of redis-servers still running: removed with them. */
const scratch = new Set<string>();
process.once('exit', () => {
	for (const child of live) child.kill('SIGKILL');
	for (const dir of scratch) rmSync(dir, {recursive: true, force: true});
});

function track<T extends ChildProcess>(child: T): T {
	live.add(child);
	child.once('exit', () => live.delete(child));
	return child;
}

/**
 * A server's environment with the memory probe preloaded (NODE_OPTIONS, so the seed's tsx
 * launcher hands it to the node child that serves): `--expose-gc` lets it collect garbage before
 * a sample. Bench-only: natter itself never calls gc().
 */
function probeEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
	return {...env, NODE_OPTIONS: `${env.NODE_OPTIONS ?? ''} --expose-gc --import ${MEM_PROBE}`.trim(), NATTER_BENCH_MEM_DIR: MEM_DIR};
}

/** Ask a probed process for a memory sample (SIGUSR2) and wait up to 10 s for its file. */
export async function memorySample(pid: number): Promise<MemorySample | undefined> {
	const file = join(MEM_DIR, `mem-${pid}.json`);
	rmSync(file, {force: true});
	try {
		process.kill(pid, 'SIGUSR2');
	} catch {
		return undefined;
	}
	for (let waited = 0; waited < 10_000; waited += 50) {
		await new Promise(resolve => setTimeout(resolve, 50));
		if (!existsSync(file)) continue;
		const sample = JSON.parse(readFileSync(file, 'utf8')) as MemorySample;
		rmSync(file, {force: true});
		return sample;
	}
	return undefined;
}

/**
 * natter's abuse limits, lifted for a load test: the seed has none, and a bench client is not an
 * abuser (20 frames/s per connection and 256 connections per address would refuse the load
 * itself). The limits' own cost per frame is still paid. Each flag is passed only if the build
 * knows it (older builds reject unknown flags).
 */
const LOAD_TEST_FLAGS: [string, string][] = [
	['--rate', '100000'],
	['--burst', '1000000'],
	['--max-conns-per-ip', '1000000'],
];
const helpTexts = new Map<string, string>();

function loadTestFlags(cli: string): string[] {
	let help = helpTexts.get(cli);
	if (help === undefined) {
		help = spawnSync(process.execPath, [cli, '--help'], {encoding: 'utf8'}).stdout ?? '';
		helpTexts.set(cli, help);
	}
	return LOAD_TEST_FLAGS.filter(([flag]) => help.includes(flag)).flat();
}

/**
 * Copy the seed's server into its scratch folder and install its dependencies there once
 * (skipped while node_modules exists). The shared original stays untouched.
 */
export function prepareSeedPeer(log: (line: string) => void): void {
	if (!existsSync(join(SEED_SOURCE, 'pubsub-server.ts'))) {
		throw new Error(`the seed's reference server is not at ${SEED_SOURCE} (set NATTER_SEED_PEER to its folder)`);
	}
	mkdirSync(SEED_COPY, {recursive: true});
	for (const name of readdirSync(SEED_SOURCE)) {
		const from = join(SEED_SOURCE, name);
		if (statSync(from).isFile()) copyFileSync(from, join(SEED_COPY, name));
	}
	if (existsSync(join(SEED_COPY, 'node_modules/.bin/tsx'))) return;
	log(`installing the seed server's dependencies in ${SEED_COPY} (once) …`);
	const result = spawnSync('npm', ['install', '--no-audit', '--no-fund'], {cwd: SEED_COPY, stdio: ['ignore', 'inherit', 'inherit']});
	if (result.status !== 0) throw new Error(`npm install in ${SEED_COPY} failed (exit ${result.status ?? result.signal})`);
}

/** Make sure natter is built (npm run bench builds first). */
export function checkNatterBuilt(cli = NATTER_CLI): void {
	if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first (npm run bench does)`);
}

/** Start one server (for the cluster kinds: redis-server, then the nodes) and wait until it listens. */
export async function startServer(kind: ServerKind, options: ServerOptions = {}): Promise<RunningServer> {
	if (kind === 'cluster' || kind === 'one-node') return startCluster(kind, kind === 'cluster' ? CLUSTER_NODES : 1, options);
	if (kind === 'natter' || kind === 'exp') {
		const cli = kind === 'exp' ? resolve(options.expCli ?? '') : resolve(options.natterCli ?? NATTER_CLI);
		const child = spawnNatter(cli, [], options);
		const url = await waitForLine(child, kind, natterListening);
		return running(kind, child, url);
	}
	const port = await freePort();
	const child = track(spawn(join(SEED_COPY, 'node_modules/.bin/tsx'), ['pubsub-server.ts'], {
		cwd: SEED_COPY,
		env: probeEnv({...process.env, PORT: String(port)}),
		stdio: ['ignore', 'pipe', 'pipe'],
	}));
	await waitForLine(child, kind, line => (/running on port (\d+)/.test(line) ? 'ok' : undefined));
	return running(kind, child, `ws://127.0.0.1:${port}`);
}

/**
 * natter's headless broker on a free port. The environment's NATTER_REDIS and REDIS_URL are
 * dropped, so a plain run is the memory engine whatever the shell has set (natter reads them as
 * a default --redis); the cluster kinds pass --redis explicitly.
 */
function spawnNatter(cli: string, extra: string[], options: ServerOptions): ChildProcess {
	if (!existsSync(cli)) throw new Error(`${cli}: no such file (build that tree first)`);
	const profile = options.natterCpuProfileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', options.natterCpuProfileDir];
	const env = {...process.env};
	delete env.NATTER_REDIS;
	delete env.REDIS_URL;
	return track(spawn(
		process.execPath,
		[...profile, cli, '--serve', '--headless', '--port', '0', '--host', '127.0.0.1', ...loadTestFlags(cli), ...extra, ...(options.natterArgs ?? [])],
		{cwd: REPO_DIR, env: probeEnv(env), stdio: ['ignore', 'pipe', 'pipe']},
	));
}

function natterListening(line: string): string | undefined {
	return /listening on (ws:\/\/\S+)/.exec(line)?.[1];
}

/**
 * A private redis-server (a free port, no persistence, its own scratch dir, so the bench never
 * touches anyone's Redis or data) and `nodes` natter nodes on it, started together. Everything is
 * stopped by `stop()`, also when a node fails to start.
 */
export async function startCluster(kind: ServerKind, nodes: number, options: ServerOptions): Promise<RunningServer> {
	const redis = await startRedis();
	const children: ChildProcess[] = [];
	try {
		const cli = resolve(options.natterCli ?? NATTER_CLI);
		for (let i = 0; i < nodes; i++) children.push(spawnNatter(cli, ['--redis', redis.url], options));
		const urls = await Promise.all(children.map((child, i) => waitForLine(child, `${kind} node ${i + 1}`, natterListening)));
		const parts = children.map((child, i) => running(kind, child, urls[i]!));
		return {
			kind,
			url: urls[0]!,
			urls,
			pid: parts[0]!.pid,
			pids: parts.map(part => part.pid),
			redisPid: redis.process.pid,
			redisUrl: redis.url,
			rss: () => parts.reduce((sum, part) => sum + part.rss(), 0),
			cpu: () => parts.reduce((sum, part) => sum + part.cpu(), 0),
			memory: () => memorySample(parts[0]!.pid),
			async stop() {
				await Promise.all(parts.map(part => part.stop()));
				await redis.process.stop();
			},
		};
	} catch (error) {
		for (const child of children) child.kill('SIGKILL');
		await redis.process.stop();
		throw error;
	}
}

/** redis-server on a free port of 127.0.0.1: no RDB snapshots, no AOF, a scratch working dir removed on stop. */
async function startRedis(): Promise<{url: string; process: RunningServer}> {
	const port = await freePort();
	const dir = mkdtempSync(join(tmpdir(), 'natter-bench-redis-'));
	scratch.add(dir);
	const child = track(spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'], {
		cwd: dir,
		stdio: ['ignore', 'pipe', 'pipe'],
	}));
	try {
		await waitForLine(child, 'redis-server', line => (line.includes('Ready to accept connections') ? 'ok' : undefined));
	} catch (error) {
		rmSync(dir, {recursive: true, force: true});
		throw new Error(`${(error as Error).message} (is redis-server installed? the cluster scenario starts its own)`);
	}
	const server = running('one-node', child, `redis://127.0.0.1:${port}`);
	return {
		url: `redis://127.0.0.1:${port}`,
		process: {
			...server,
			async stop() {
				await server.stop();
				rmSync(dir, {recursive: true, force: true});
				scratch.delete(dir);
			},
		},
	};
}

function running(kind: ServerKind, child: ChildProcess, url: string): RunningServer {
	const pid = servingPid(child.pid!);
	const exited = new Promise<void>(done => {
		if (child.exitCode !== null || child.signalCode !== null) done();
		else child.once('exit', () => done());
	});
	return {
		kind,
		url,
		urls: [url],
		pid,
		pids: [pid],
		rss: () => rssBytes(pid),
		cpu: () => cpuMs(pid),
		memory: () => memorySample(pid),
		async stop() {
			child.kill('SIGINT');
			const timer = setTimeout(() => {
				child.kill('SIGKILL');
				if (pid !== child.pid) killQuietly(pid);
			}, 5000);
			await exited;
			clearTimeout(timer);
			// A launcher (tsx) normally takes its child along; make sure the server is gone.
			if (pid !== child.pid) killQuietly(pid);
		},
	};
}

/**
 * Resolve with what `match` finds in a stdout line; keep draining stdout and stderr
 * afterwards (the seed logs every subscribe, and a full pipe would block it).
 */
function waitForLine(child: ChildProcess, kind: string, match: (line: string) => string | undefined): Promise<string> {
	return new Promise((resolveLine, reject) => {
		let buffered = '';
		let stderr = '';
		let found = false;
		const timer = setTimeout(() => fail(new Error(`${kind} server did not start within 20 s\n${stderr}`)), 20_000);
		const fail = (error: Error): void => {
			if (found) return;
			found = true;
			clearTimeout(timer);
			child.kill('SIGKILL');
			reject(error);
		};
		child.stdout!.setEncoding('utf8');
		child.stdout!.on('data', (chunk: string) => {
			if (found) return;
			buffered += chunk;
			for (const line of buffered.split('\n')) {
				const value = match(line);
				if (value !== undefined) {
					found = true;
					clearTimeout(timer);
					buffered = '';
					resolveLine(value);
					return;
				}
			}
			buffered = buffered.slice(buffered.lastIndexOf('\n') + 1);
		});
		child.stderr!.setEncoding('utf8');
		child.stderr!.on('data', (chunk: string) => {
			stderr = (stderr + chunk).slice(-4000);
		});
		child.once('error', error => fail(new Error(`${kind} server failed to start: ${error.message}`)));
		child.once('exit', code => fail(new Error(`${kind} server exited (${code}) before listening\n${stderr}`)));
	});
}

function freePort(): Promise<number> {
	return new Promise((resolvePort, reject) => {
		const probe = createServer();
		probe.once('error', reject);
		probe.listen(0, '127.0.0.1', () => {
			const address = probe.address();
			const port = typeof address === 'object' && address ? address.port : 0;
			probe.close(() => resolvePort(port));
		});
	});
}

/** SIGKILL a server process we started, if it is still the same process (pids get reused). */
function killQuietly(pid: number): void {
	try {
		if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('pubsub-server.ts')) return;
		process.kill(pid, 'SIGKILL');
	} catch {
		// Already gone.
	}
}
