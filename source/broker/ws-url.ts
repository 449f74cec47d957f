/**
 * `ws://HOST:PORT` for an address a broker is bound to: IPv6 addresses in brackets, and a
 * wildcard bind (0.0.0.0, ::) shown as `wildcardAs` when given (it names no host to connect to).
 */
export function wsUrl(host: string, port: number, wildcardAs?: string): string {
	const shown = wildcardAs !== undefined && (host === '0.0.0.0' || host === '::') ? wildcardAs : host;
	return `ws://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}
