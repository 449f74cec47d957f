import type {ServeSettings} from './parse-flags.js';
import {wsUrl} from '../broker/ws-url.js';
import {serveBroker} from './serve-broker.js';

/**
 * `natter --serve --headless`: the broker alone. Prints one line once it accepts connections,
 * and closes cleanly on SIGINT/SIGTERM. Resolves with the process exit code.
 */
export async function runHeadless(settings: ServeSettings): Promise<number> {
	const started = await serveBroker(settings, line => process.stderr.write(`${line}\n`));
	if (!started.ok) {
		process.stderr.write(`natter: ${started.error}\n`);
		return 1;
	}
	const {broker} = started;
	process.stdout.write(`natter broker listening on ${wsUrl(broker.host, broker.port)}\n`);
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
