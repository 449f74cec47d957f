import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {mkdirSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {Redis} from 'ioredis';
import {createServer} from 'node:net';
import {freePort} from './free-port.js';

/** One redis-server process of a test cluster. */
export type ClusterNode = {
	readonly port: number;
	/** `127.0.0.1:<port>`. */
	readonly address: string;
	/**
	 * End the process and wait for it to exit: SIGKILL (the default; no SHUTDOWN) or SIGTERM (Redis
	 * shuts down cleanly: a master first lets its replicas catch up). Either way a master's replica
	 * takes over after cluster-node-timeout.
	 */
	kill(signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>;
	/** SIGSTOP / SIGCONT: the process keeps its connections open but answers nothing meanwhile. */
	pause(): void;
	resume(): void;
	/** Start it again on the same port and dir (it rejoins from its nodes.conf); resolves when it answers PING. */
	start(): Promise<void>;
	/** Whether the process is running. */
	alive(): boolean;
};

/** A private Redis Cluster of 3 masters and 3 replicas on free ports of 127.0.0.1. */
export type RedisCluster = {
	/** `redis+cluster://127.0.0.1:p1,127.0.0.1:p2,...` with every node as a seed. */
	readonly url: string;
	readonly nodes: readonly ClusterNode[];
	/** The node that currently serves `key`'s slot as master (asks CLUSTER SHARDS/NODES on a live node). */
	masterOf(key: string): Promise<ClusterNode>;
	/** The masters now, by node. */
	masters(): Promise<ClusterNode[]>;
	/** The live nodes that serve no slot as master now: the replicas. */
	replicas(): Promise<ClusterNode[]>;
	/** Resolves once every live node reports cluster_state:ok and every slot has a live master. */
	healthy(ms?: number): Promise<void>;
	/** Kill every process and delete every dir. Safe to call twice. */
	stop(): Promise<void>;
};

/** What a skipped cluster suite says, so nobody mistakes a skip for a pass. */
export const CLUSTER_SKIP = 'redis-server/redis-cli (7 or later) not found: install redis-server (or set REDIS_SERVER, REDIS_CLI) to run the Redis Cluster suites';

/** How long a silent master counts as failed before its replica is promoted; low, so failover tests take a second or two. */
export const NODE_TIMEOUT_MS = 1000;

const SERVER = process.env.REDIS_SERVER ?? 'redis-server';
const CLI = process.env.REDIS_CLI ?? 'redis-cli';

/** Whether redis-server 7+ (sharded pub/sub) and redis-cli can run here. */
export function clusterAvailable(): boolean {
	const server = spawnSync(SERVER, ['--version'], {encoding: 'utf8'});
	const cli = spawnSync(CLI, ['--version'], {encoding: 'utf8'});
	const major = Number(/v=(\d+)\./.exec(server.stdout ?? '')?.[1] ?? 0);
	return server.status === 0 && cli.status === 0 && major >= 7;
}

/**
 * Start 6 `redis-server --cluster-enabled yes` processes (own temp dirs, no persistence,
 * 127.0.0.1 only), join them with `redis-cli --cluster create --cluster-replicas 1`, and wait
 * until every node says `cluster_state:ok` and every replica's link to its master is up (see
 * replicasLinked: before that, a killed master is never replaced). Call `stop()` in an `after`; the processes are
 * also killed if this process exits. Never touches the shared Redis on 6379.
 */
export async function startRedisCluster(): Promise<RedisCluster> {
	const root = mkdtempSync(join(tmpdir(), 'natter-cluster-'));
	const nodes: Array<ClusterNode & {child: ChildProcess | undefined}> = [];
	const killAll = (): void => {
		for (const node of nodes) node.child?.kill('SIGKILL');
	};
	process.once('exit', killAll);
	let stopped = false;
	const stop = async (): Promise<void> => {
		if (stopped) return;
		stopped = true;
		await Promise.all(nodes.map(node => node.kill()));
		process.off('exit', killAll);
		rmSync(root, {recursive: true, force: true});
	};

	try {
		const ports = await distinctFreePorts(6, true);
		for (const port of ports) nodes.push(makeNode(root, port));
		await Promise.all(nodes.map(node => node.start()));
		const create = spawnSync(CLI, ['--cluster', 'create', ...nodes.map(node => node.address), '--cluster-replicas', '1', '--cluster-yes'], {
			encoding: 'utf8',
			timeout: 30_000,
		});
		if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
		const cluster: RedisCluster = {
			url: `redis+cluster://${nodes.map(node => node.address).join(',')}`,
			nodes,
			masterOf: async key => {
				const slot = Number(await ask(nodes, ['CLUSTER', 'KEYSLOT', key]));
				for (const [from, to, port] of await slotMap(nodes)) if (slot >= from && slot <= to) return byPort(nodes, port);
				throw new Error(`no master serves slot ${slot}`);
			},
			masters: async () => [...new Set((await slotMap(nodes)).map(([, , port]) => port))].map(port => byPort(nodes, port)),
			replicas: async () => {
				const masters = new Set((await slotMap(nodes)).map(([, , port]) => port));
				return nodes.filter(node => node.alive() && !masters.has(node.port));
			},
			healthy: ms => healthy(nodes, ms),
			stop,
		};
		await cluster.healthy(20_000);
		await replicasLinked(nodes, 20_000);
		return cluster;
	} catch (error) {
		await stop();
		throw error;
	}
}

function makeNode(root: string, port: number): ClusterNode & {child: ChildProcess | undefined} {
	// Redis 7 holds a diskless full sync back 5 s for more replicas to join it; the replicas here
	// all attach within a second, so start at once (startRedisCluster waits for the links).
	const args = ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', String(NODE_TIMEOUT_MS), '--save', '', '--appendonly', 'no', '--repl-diskless-sync-delay', '0'];
	return redisProcess(join(root, String(port)), port, () => args);
}

/**
 * One redis-server process on 127.0.0.1:`port`, run in `dir` with the arguments `args()` gives at
 * each start (a Sentinel's config file is written there first). Not started until `start()`.
 */
export function redisProcess(dir: string, port: number, args: () => string[]): ClusterNode & {child: ChildProcess | undefined} {
	const node: ClusterNode & {child: ChildProcess | undefined} = {
		port,
		address: `127.0.0.1:${port}`,
		child: undefined,
		alive: () => node.child !== undefined && node.child.exitCode === null && node.child.signalCode === null,
		async start() {
			mkdirSync(dir, {recursive: true});
			const proc = spawn(SERVER, [...args(), '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--protected-mode', 'no'], {stdio: 'ignore'});
			node.child = proc;
			const failed = new Promise<never>((_, reject) => {
				proc.once('error', reject);
				proc.once('exit', code => reject(new Error(`redis-server on ${port} exited with ${code}`)));
			});
			failed.catch(() => {});
			const deadline = Date.now() + 5000;
			while (Date.now() < deadline) {
				if (await Promise.race([pong(port), failed])) return;
				await new Promise(resolve => setTimeout(resolve, 50));
			}
			throw new Error(`redis-server on port ${port} did not answer within 5 s`);
		},
		async kill(signal = 'SIGKILL') {
			const proc = node.child;
			if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
			const exited = new Promise(resolve => proc.once('exit', resolve));
			proc.kill('SIGCONT');
			proc.kill(signal);
			await exited;
		},
		pause() {
			node.child?.kill('SIGSTOP');
		},
		resume() {
			node.child?.kill('SIGCONT');
		},
	};
	return node;
}

/**
 * `count` different free ports (freePort may hand out one twice in a row). With `bus`, each one's
 * cluster bus port (port + 10000, which a cluster node also listens on) must be a port, and free:
 * free ports come from the ephemeral range, so the bus port of one can be over 65535 or in use,
 * and the node would exit at start.
 */
export async function distinctFreePorts(count: number, bus = false): Promise<number[]> {
	const ports = new Set<number>();
	while (ports.size < count) {
		const port = await freePort();
		if (bus && (port + 10000 > 65535 || ports.has(port + 10000) || ports.has(port - 10000) || !(await isFree(port + 10000)))) continue;
		ports.add(port);
	}
	return [...ports];
}

/** Whether nothing listens on `port` at 127.0.0.1 right now. */
function isFree(port: number): Promise<boolean> {
	return new Promise(resolve => {
		const server = createServer();
		server.once('error', () => resolve(false));
		server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
	});
}

async function pong(port: number): Promise<boolean> {
	try {
		return (await call(port, ['PING'])) === 'PONG';
	} catch {
		return false;
	}
}

/** One command to one node, on a short-lived connection that gives up fast. */
export async function call(port: number, command: string[]): Promise<unknown> {
	const redis = new Redis({host: '127.0.0.1', port, lazyConnect: true, connectTimeout: 500, commandTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null});
	redis.on('error', () => {});
	try {
		await redis.connect();
		return await redis.call(command[0]!, ...command.slice(1));
	} finally {
		redis.disconnect();
	}
}

/** Ask the first live node that answers. */
async function ask(nodes: readonly ClusterNode[], command: string[]): Promise<unknown> {
	let last: unknown;
	for (const node of nodes) {
		if (!node.alive()) continue;
		try {
			return await call(node.port, command);
		} catch (error) {
			last = error;
		}
	}
	throw new Error(`no cluster node answered ${command.join(' ')}: ${String(last)}`);
}

/** [from, to, master port] for every slot range, as a live node sees it now. */
async function slotMap(nodes: readonly ClusterNode[]): Promise<Array<[number, number, number]>> {
	const slots = (await ask(nodes, ['CLUSTER', 'SLOTS'])) as Array<[number, number, [string, number, ...unknown[]], ...unknown[]]>;
	return slots.map(([from, to, master]) => [from, to, Number(master[1])]);
}

function byPort(nodes: readonly ClusterNode[], port: number): ClusterNode {
	const node = nodes.find(candidate => candidate.port === port);
	if (!node) throw new Error(`port ${port} is not one of this cluster's nodes`);
	return node;
}

/**
 * Resolves once every live replica reports `master_link_status:up`. cluster_state:ok comes first,
 * seconds before the replicas' first sync ends; a replica whose link to its master has never been
 * up counts its data as infinitely old and refuses to fail over ("Disconnected from master for
 * longer than allowed"), so a master killed in that window stayed the failed owner of its slots
 * for good: every command to them was MOVED to the dead node and failed as unavailable.
 */
async function replicasLinked(nodes: readonly ClusterNode[], ms: number): Promise<void> {
	const deadline = Date.now() + ms;
	let why = '';
	for (;;) {
		try {
			const infos = await Promise.all(nodes.filter(node => node.alive()).map(async node => ({node, info: String(await call(node.port, ['INFO', 'replication']))})));
			const down = infos.filter(({info}) => /role:slave/.test(info) && !/master_link_status:up/.test(info)).map(({node}) => node.address);
			if (down.length === 0) return;
			why = `link to master down on ${down.join(', ')}`;
		} catch (error) {
			why = String(error);
		}
		if (Date.now() > deadline) throw new Error(`the cluster's replicas did not sync within ${ms} ms (${why})`);
		await new Promise(resolve => setTimeout(resolve, 100));
	}
}

async function healthy(nodes: readonly ClusterNode[], ms = 15_000): Promise<void> {
	const deadline = Date.now() + ms;
	let why = '';
	for (;;) {
		try {
			const live = nodes.filter(node => node.alive());
			const states = await Promise.all(live.map(async node => /cluster_state:ok/.test(String(await call(node.port, ['CLUSTER', 'INFO'])))));
			const masters = await slotMap(nodes);
			const covered = masters.reduce((sum, [from, to]) => sum + to - from + 1, 0);
			const mastersLive = masters.every(([, , port]) => live.some(node => node.port === port));
			if (states.every(Boolean) && covered === 16_384 && mastersLive) return;
			why = `states ${states.join(',')}, ${covered} slots covered, masters live: ${mastersLive}`;
		} catch (error) {
			why = String(error);
		}
		if (Date.now() > deadline) throw new Error(`the cluster did not become healthy within ${ms} ms (${why})`);
		await new Promise(resolve => setTimeout(resolve, 100));
	}
}
