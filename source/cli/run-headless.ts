import {BrokerStartError, createBroker} from '../broker/create-broker.js';
import type {ServeSettings} from './parse-flags.js';

/**
 * `natter --serve --headless`: the broker alone. Prints one line once it accepts connections,
 * and closes cleanly on SIGINT/SIGTERM. Resolves with the process exit code.
 */
export async function runHeadless(settings: ServeSettings): Promise<number> {
	let broker;
	try {
		broker = await createBroker({
			port: settings.port,
			...(settings.host === undefined ? {} : {host: settings.host}),
			historySize: settings.historySize,
			historyTtl: settings.historyTtl,
			maxPayload: settings.maxPayload,
			heartbeatMs: settings.heartbeatMs,
			graceMs: settings.graceMs,
			maxBufferedBytes: settings.maxBufferedBytes,
			log: line => process.stderr.write(`${line}\n`),
		});
	} catch (error) {
		const message = error instanceof BrokerStartError ? error.message : `could not start the broker: ${(error as Error).message}`;
		process.stderr.write(`natter: ${message}\n`);
		return 1;
	}
	const shown = broker.host.includes(':') ? `[${broker.host}]` : broker.host;
	process.stdout.write(`natter broker listening on ws://${shown}:${broker.port}\n`);
	return new Promise(resolve => {
		const stop = (signal: string): void => {
			process.stderr.write(`natter: ${signal}, closing\n`);
			broker.close().then(
				() => resolve(0),
				() => resolve(1),
			);
		};
		process.once('SIGINT', () => stop('SIGINT'));
		process.once('SIGTERM', () => stop('SIGTERM'));
	});
}
