import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {call, clusterAvailable, distinctFreePorts, redisProcess, type ClusterNode} from './redis-cluster.js';

/** A private Redis master + replica watched by three sentinels, on free ports of 127.0.0.1. */
export type RedisSentinel = {
	/** `redis+sentinel://127.0.0.1:s1,127.0.0.1:s2,127.0.0.1:s3/natter`. */
	readonly url: string;
	/** The master name the sentinels monitor. */
	readonly name: string;
	/** The two data nodes (the first starts as master). */
	readonly servers: readonly ClusterNode[];
	readonly sentinels: readonly ClusterNode[];
	/** The data node the sentinels now name as master. */
	master(): Promise<ClusterNode>;
	/** Resolves once every live sentinel names `node` as master and `node` says role:master. */
	promoted(node: ClusterNode, ms?: number): Promise<void>;
	/** Kill every process and delete every dir. Safe to call twice. */
	stop(): Promise<void>;
};

/** What a skipped Sentinel suite says, so nobody mistakes a skip for a pass. */
export const SENTINEL_SKIP = 'redis-server (7 or later, which runs as a sentinel with --sentinel) not found: install redis-server (or set REDIS_SERVER) to run the Redis Sentinel suites';

/** Whether redis-server 7+ can run here (the same binary runs the sentinels). */
export const sentinelAvailable = clusterAvailable;

/** How long a silent master counts as down before the sentinels fail it over; low, so failover tests take seconds. */
export const DOWN_AFTER_MS = 1000;

const NAME = 'natter';

/**
 * Start a master, its replica and three sentinels (quorum 2, down-after 1 s, failover-timeout
 * 3 s); resolves once every sentinel knows the replica and the other sentinels. No persistence,
 * 127.0.0.1 only, own temp dirs; never touches the shared Redis on 6379. `stop()` in an `after`.
 */
export async function startRedisSentinel(): Promise<RedisSentinel> {
	const root = mkdtempSync(join(tmpdir(), 'natter-sentinel-'));
	const [masterPort, replicaPort, ...sentinelPorts] = await distinctFreePorts(5);
	const data = ['--save', '', '--appendonly', 'no'];
	const servers = [
		redisProcess(join(root, String(masterPort)), masterPort!, () => data),
		// After a failover the sentinels rewrite who replicates whom; a restarted node is told again.
		redisProcess(join(root, String(replicaPort)), replicaPort!, () => [...data, '--replicaof', '127.0.0.1', String(masterPort)]),
	];
	const sentinels = sentinelPorts.map(port => {
		const dir = join(root, String(port));
		const file = join(dir, 'sentinel.conf');
		mkdirSync(dir, {recursive: true});
		// The config must be a file the sentinel may rewrite (it records what it learns there).
		writeFileSync(
			file,
			[
				`sentinel monitor ${NAME} 127.0.0.1 ${masterPort} 2`,
				`sentinel down-after-milliseconds ${NAME} ${DOWN_AFTER_MS}`,
				`sentinel failover-timeout ${NAME} 3000`,
				`sentinel parallel-syncs ${NAME} 1`,
				'',
			].join('\n'),
		);
		return redisProcess(dir, port, () => [file, '--sentinel']);
	});
	const all = [...servers, ...sentinels];
	const killAll = (): void => {
		for (const node of all) node.child?.kill('SIGKILL');
	};
	process.once('exit', killAll);
	let stopped = false;
	const stop = async (): Promise<void> => {
		if (stopped) return;
		stopped = true;
		await Promise.all(all.map(node => node.kill()));
		process.off('exit', killAll);
		rmSync(root, {recursive: true, force: true});
	};
	const master = async (): Promise<ClusterNode> => {
		for (const sentinel of sentinels) {
			if (!sentinel.alive()) continue;
			try {
				const [, port] = (await call(sentinel.port, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', NAME])) as [string, string];
				const node = servers.find(server => server.port === Number(port));
				if (node) return node;
			} catch {
				// Ask the next one.
			}
		}
		throw new Error('no sentinel named a master');
	};
	try {
		await Promise.all(servers.map(node => node.start()));
		await Promise.all(sentinels.map(node => node.start()));
		await waitFor(async () => {
			for (const sentinel of sentinels) {
				const [info] = (await call(sentinel.port, ['SENTINEL', 'MASTERS'])) as Array<string[]>;
				const field = (key: string): number => Number(info![info!.indexOf(key) + 1]);
				if (field('num-slaves') < 1 || field('num-other-sentinels') < 2) return false;
			}
			return /master_link_status:up/.test(String(await call(replicaPort!, ['INFO', 'replication'])));
		}, 20_000, 'the sentinels to know the replica and each other');
		return {
			url: `redis+sentinel://${sentinels.map(node => node.address).join(',')}/${NAME}`,
			name: NAME,
			servers,
			sentinels,
			master,
			promoted: (node, ms = 20_000) =>
				waitFor(async () => (await master()) === node && /role:master/.test(String(await call(node.port, ['INFO', 'replication']))), ms, `${node.address} promoted`),
			stop,
		};
	} catch (error) {
		await stop();
		throw error;
	}
}

async function waitFor(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
	const deadline = Date.now() + ms;
	let last = '';
	for (;;) {
		try {
			if (await check()) return;
		} catch (error) {
			last = ` (${String(error)})`;
		}
		if (Date.now() > deadline) throw new Error(`waited ${ms} ms for ${what}${last}`);
		await new Promise(resolve => setTimeout(resolve, 100));
	}
}
