import {BrokerStartError, createBroker, type Broker} from '../broker/create-broker.js';
import type {Engine} from '../broker/engines/engine.js';
import {importNeeding, MissingPackageError} from '../broker/optional-package.js';
import type {ServeSettings} from './parse-flags.js';
import {defined} from '../defined.js';

/**
 * The outcome of starting the broker for `--serve`: the broker, or one sentence for the user and
 * the exit code (2 when a package the flags need is not installed: a usage problem, as a bad flag).
 */
export type ServeResult = {ok: true; broker: Broker} | {ok: false; error: string; exitCode: 1 | 2};

/**
 * Start the broker that `--serve` asks for (headless or under a chat window), with the engine
 * the settings choose. The one place where flags become a broker, so both modes agree.
 */
export async function serveBroker(settings: ServeSettings, log: (line: string) => void): Promise<ServeResult> {
	let engine: Engine | undefined;
	try {
		engine = await engineFor(settings, log);
	} catch (error) {
		return {ok: false, error: (error as Error).message, exitCode: error instanceof MissingPackageError ? 2 : 1};
	}
	try {
		const broker = await createBroker({
			// An engine brings its own history limits (engineFor gave them); only the memory engine
			// that createBroker builds takes them here (it refuses both at once).
			...(engine === undefined
				? {historySize: settings.historySize, historyTtl: settings.historyTtl, maxHistoryBytes: settings.maxHistoryBytes}
				: {engine}),
			port: settings.port,
			...defined({host: settings.host}),
			maxPayload: settings.maxPayload,
			heartbeatMs: settings.heartbeatMs,
			graceMs: settings.graceMs,
			keepNamesDays: settings.keepNamesDays,
			maxKeptNames: settings.maxKeptNames,
			maxBufferedBytes: settings.maxBufferedBytes,
			...defined({secret: settings.secret}),
			rate: settings.rate,
			burst: settings.burst,
			identifyTimeoutMs: settings.identifyTimeoutMs,
			maxConnectionsPerIp: settings.maxConnectionsPerIp,
			allowOrigins: settings.allowOrigins,
			trustProxy: settings.trustProxy,
			compress: settings.compress,
			log,
		});
		return {ok: true, broker};
	} catch (error) {
		await engine?.close();
		return {ok: false, error: error instanceof BrokerStartError ? error.message : `could not start the broker: ${(error as Error).message}`, exitCode: 1};
	}
}

/**
 * The engine the settings ask for (`--data`: SQLite, `--redis`: Redis); undefined lets the broker
 * make its memory engine. Each engine's driver is imported only when chosen (ioredis alone
 * costs a chat window about 100 ms and 10 MiB), and is an optional package: when it is not
 * installed, the user reads which one to install instead of a resolver error.
 */
async function engineFor(settings: ServeSettings, log: (line: string) => void): Promise<Engine | undefined> {
	const limits = {historySize: settings.historySize, historyTtl: settings.historyTtl};
	if (settings.dataPath !== undefined) {
		const {createSqliteEngine} = await importNeeding('--data', 'better-sqlite3', () => import('../broker/engines/sqlite/sqlite-engine.js'));
		try {
			return createSqliteEngine(settings.dataPath, limits);
		} catch (error) {
			// Installed without its native part (--ignore-scripts, or built for another Node).
			if (/bindings file|NODE_MODULE_VERSION|compiled against a different/.test((error as Error).message)) {
				throw new Error('--data needs better-sqlite3 built for this Node: npm rebuild better-sqlite3');
			}
			throw error;
		}
	}
	if (settings.redisUrl !== undefined) {
		const {createRedisEngine} = await importNeeding('--redis', 'ioredis', () => import('../broker/engines/redis/redis-engine.js'));
		return createRedisEngine(settings.redisUrl, {...limits, log, ...defined({presenceTtlMs: settings.presenceTtlMs, waitReplicas: settings.redisWait})});
	}
	return undefined;
}
