import {BrokerStartError, createBroker, type Broker} from '../broker/create-broker.js';
import type {Engine} from '../broker/engine.js';
import {wsUrl} from '../broker/ws-url.js';
import type {ServeSettings} from './parse-flags.js';

/** The outcome of starting the broker for `--serve`: the broker, or one sentence for the user. */
export type ServeResult = {ok: true; broker: Broker} | {ok: false; error: string};

/**
 * Start the broker that `--serve` asks for (headless or under a chat window), with the engine
 * the settings choose. The one place where flags become a broker, so both modes agree.
 */
export async function serveBroker(settings: ServeSettings, log: (line: string) => void): Promise<ServeResult> {
	let engine: Engine | undefined;
	try {
		engine = await engineFor(settings, log);
	} catch (error) {
		return {ok: false, error: (error as Error).message};
	}
	try {
		const broker = await createBroker({
			...(engine === undefined ? {} : {engine}),
			port: settings.port,
			...(settings.host === undefined ? {} : {host: settings.host}),
			historySize: settings.historySize,
			historyTtl: settings.historyTtl,
			maxPayload: settings.maxPayload,
			heartbeatMs: settings.heartbeatMs,
			graceMs: settings.graceMs,
			keepNamesDays: settings.keepNamesDays,
			maxKeptNames: settings.maxKeptNames,
			maxBufferedBytes: settings.maxBufferedBytes,
			maxHistoryBytes: settings.maxHistoryBytes,
			...(settings.secret === undefined ? {} : {secret: settings.secret}),
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
		return {ok: false, error: error instanceof BrokerStartError ? error.message : `could not start the broker: ${(error as Error).message}`};
	}
}

/** The address others can use to join: the bound host, or this machine's name for a wildcard bind. */
export function joinAddress(broker: Broker, hostname: string): string {
	return wsUrl(broker.host, broker.port, hostname);
}

/**
 * The engine the settings ask for (`--data`: SQLite, `--redis`: Redis); undefined lets the broker
 * make its memory engine. Each engine's driver is imported only when chosen (ioredis alone
 * costs a chat window about 100 ms and 10 MiB).
 */
async function engineFor(settings: ServeSettings, log: (line: string) => void): Promise<Engine | undefined> {
	const limits = {historySize: settings.historySize, historyTtl: settings.historyTtl};
	if (settings.dataPath !== undefined) {
		const {createSqliteEngine} = await import('../broker/sqlite-engine.js');
		return createSqliteEngine(settings.dataPath, limits);
	}
	if (settings.redisUrl !== undefined) {
		const {createRedisEngine} = await import('../broker/redis-engine.js');
		return createRedisEngine(settings.redisUrl, {...limits, log, ...(settings.presenceTtlMs === undefined ? {} : {presenceTtlMs: settings.presenceTtlMs})});
	}
	return undefined;
}
