/**
 * The broker URL a user gives (--url, NATTER_URL, the config file's urls), checked and written
 * out in full. Its own file: parse-flags.ts and config-file.ts both check URLs, and
 * parse-flags.ts reads the config file's types.
 */
import {BROKER_DEFAULTS} from '../broker/broker-defaults.js';
import {FlagError} from './flag-error.js';

/** The port a `ws://` URL without one means: natter's own default, not the scheme's 80. */
export const DEFAULT_BROKER_PORT = BROKER_DEFAULTS.port;

/**
 * A broker URL as the client will use and show it, in full: `http(s)://` is taken as
 * `ws(s)://` (the broker serves WebSockets on its HTTP port), and `ws://host` without a port
 * means natter's 8080 (`ws://host:8080`). `wss://host` keeps 443: TLS comes from a proxy in
 * front of the broker (see SECURITY.md), which listens there.
 */
export function checkUrl(raw: string): string {
	let url: URL;
	try {
		url = new URL(raw);
	} catch {
		throw new FlagError(`--url ${JSON.stringify(raw)} is not a URL; expected something like ws://host:8080`);
	}
	if (url.protocol === 'http:' || url.protocol === 'https:') url.protocol = url.protocol === 'http:' ? 'ws:' : 'wss:';
	if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
		throw new FlagError(`--url ${JSON.stringify(raw)} must start with ws:// or wss://`);
	}
	if (url.hostname === '') throw new FlagError(`--url ${JSON.stringify(raw)} names no host; expected something like ws://host:8080`);
	// URL drops a port equal to the scheme's default, so ask the text whether one was written.
	const written = /^[a-z]+:\/\/(?:[^@/?#]*@)?(?:\[[^\]]*\]|[^:/?#]*):(\d+)/i.exec(raw)?.[1];
	if (written === undefined && url.protocol === 'ws:') url.port = String(DEFAULT_BROKER_PORT);
	const text = url.toString().replace(/\/$/, '');
	// A written default port (ws://host:80) is kept in sight: the user asked for it.
	return written !== undefined && url.port === '' ? text.replace(`//${url.host}`, `//${url.host}:${Number(written)}`) : text;
}
