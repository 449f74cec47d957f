import {spawn, type ChildProcess} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {Redis} from 'ioredis';
import {freePort} from './free-port.js';

const DEFAULT_URL = 'redis://127.0.0.1:6379';

/** The URL the Redis suites use: test/run.js passes REDIS_URL on as NATTER_TEST_REDIS (hidden from spawned brokers); else the local default. */
export const REDIS_URL = process.env.NATTER_TEST_REDIS ?? process.env.REDIS_URL ?? DEFAULT_URL;

/** What a skipped Redis suite says, so nobody mistakes a skip for a pass. */
export const REDIS_SKIP = `no Redis at ${REDIS_URL}: start redis-server or set REDIS_URL to run the Redis suites`;

/**
 * The Redis URL if a Redis answers PING there within ~500 ms, else undefined. Suites call it
 * once and skip with REDIS_SKIP when it is undefined; they never fall back to a mock.
 */
export async function findRedis(url = REDIS_URL): Promise<string | undefined> {
	const redis = new Redis(url, {lazyConnect: true, connectTimeout: 500, commandTimeout: 500, maxRetriesPerRequest: 0, retryStrategy: () => null});
	redis.on('error', () => {});
	try {
		await redis.connect();
		return (await redis.ping()) === 'PONG' ? url : undefined;
	} catch {
		return undefined;
	} finally {
		redis.disconnect();
	}
}

/** A key prefix nobody else uses (`natter-test:<random>:`), so a run never touches other keys. */
export function uniquePrefix(): string {
	return `natter-test:${randomBytes(6).toString('hex')}:`;
}

/** Delete every key under `prefix` (only ours: the prefix is random per run). */
export async function deleteKeys(url: string, prefix: string): Promise<void> {
	const redis = new Redis(url, {maxRetriesPerRequest: 1, retryStrategy: () => null});
	redis.on('error', () => {});
	try {
		let cursor = '0';
		do {
			const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
			cursor = next;
			if (keys.length > 0) await redis.unlink(...keys);
		} while (cursor !== '0');
	} finally {
		redis.disconnect();
	}
}

/**
 * Kill this engine's connections with CLIENT KILL, picked by the name the engine gives them
 * (`natter:<nodeId>:cmd` / `:sub`): a dropped link without touching anyone else's.
 */
export async function killClients(url: string, name: string): Promise<number> {
	const redis = new Redis(url, {maxRetriesPerRequest: 1});
	redis.on('error', () => {});
	try {
		const list = (await redis.client('LIST')) as string;
		let killed = 0;
		for (const line of list.split('\n')) {
			const id = /(?:^|\s)id=(\d+)/.exec(line)?.[1];
			const client = /(?:^|\s)name=(\S*)/.exec(line)?.[1];
			if (id && client === name) {
				await redis.client('KILL', 'ID', id);
				killed++;
			}
		}
		return killed;
	} finally {
		redis.disconnect();
	}
}

/** A redis-server of the test's own, in a temp dir, that can be killed and started again on the same data. */
export type OwnRedis = {
	readonly url: string;
	readonly port: number;
	/** SIGKILL: no SHUTDOWN, no final save; only what the AOF already holds survives. */
	kill(): Promise<void>;
	/** Start again on the same port and data dir; resolves when it answers PING. */
	start(): Promise<void>;
	/** Kill it and delete its data. */
	stop(): Promise<void>;
};

/**
 * Start a private redis-server (default binary /usr/bin/redis-server or REDIS_SERVER) on a free
 * port with `extraArgs` (e.g. `--appendonly yes --appendfsync always`). Undefined when no
 * redis-server binary can be started.
 */
export async function startOwnRedis(extraArgs: string[]): Promise<OwnRedis | undefined> {
	const binary = process.env.REDIS_SERVER ?? 'redis-server';
	const dir = mkdtempSync(join(tmpdir(), 'natter-redis-'));
	const port = await freePort();
	const url = `redis://127.0.0.1:${port}`;
	let child: ChildProcess | undefined;

	const start = async (): Promise<void> => {
		const proc = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...extraArgs], {stdio: 'ignore'});
		child = proc;
		const failed = new Promise<never>((_, reject) => {
			proc.once('error', reject);
			proc.once('exit', code => reject(new Error(`redis-server exited with ${code}`)));
		});
		failed.catch(() => {});
		const deadline = Date.now() + 5000;
		while (Date.now() < deadline) {
			if (await Promise.race([findRedis(url), failed])) return;
			await new Promise(resolve => setTimeout(resolve, 50));
		}
		throw new Error(`redis-server on port ${port} did not answer within 5 s`);
	};
	const kill = async (): Promise<void> => {
		const proc = child;
		child = undefined;
		if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
		const exited = new Promise(resolve => proc.once('exit', resolve));
		proc.kill('SIGKILL');
		await exited;
	};

	try {
		await start();
	} catch {
		await kill();
		rmSync(dir, {recursive: true, force: true});
		return undefined;
	}
	return {
		url,
		port,
		kill,
		start,
		async stop() {
			await kill();
			rmSync(dir, {recursive: true, force: true});
		},
	};
}
