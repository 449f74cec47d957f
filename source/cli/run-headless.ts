import {joinAddresses, joinLines} from './join-addresses.js';
import type {ServeSettings} from './parse-flags.js';
import {serveBroker} from './serve-broker.js';

/**
 * `natter --serve --headless`: the broker alone. Once it accepts connections, prints where
 * (`natter broker listening on ws://…`, a URL this machine can use: never a wildcard) and then
 * the addresses other machines join with, one per line; `ps` shows it as `natter serve :PORT`.
 * Closes cleanly on SIGINT/SIGTERM. Resolves with the process exit code.
 */
export async function runHeadless(settings: ServeSettings): Promise<number> {
	const started = await serveBroker(settings, line => process.stderr.write(`${line}\n`));
	if (!started.ok) {
		process.stderr.write(`natter: ${started.error}\n`);
		return started.exitCode;
	}
	const {broker} = started;
	process.title = `natter serve :${broker.port}`;
	const others = await joinAddresses(broker.host, broker.port);
	process.stdout.write([`natter broker listening on ${broker.url}`, ...joinLines(others, broker.url)].map(line => `${line}\n`).join(''));
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
