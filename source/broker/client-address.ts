import type {IncomingMessage} from 'node:http';
import proxyAddr from 'proxy-addr';

/**
 * Which socket peers are proxies whose `X-Forwarded-For` is believed. Matching and the header's
 * parsing are proxy-addr's (the library Express uses for `trust proxy`): it walks the header from
 * the right and stops at the first address that is not a trusted proxy, so a client cannot
 * pick its own address by sending the header itself.
 */
export type TrustedProxies = {
	/** Whether a socket's peer address is a trusted proxy. */
	trusts(address: string): boolean;
	/** The address the per-address limits count for this request. */
	clientOf(request: IncomingMessage): string;
};

/**
 * Compile `--trust-proxy` entries: addresses, CIDR ranges, or loopback / linklocal / uniquelocal.
 * Throws a TypeError naming the entry when one does not parse; with none, nothing is trusted and
 * every request counts as its socket's address.
 */
export function trustedProxies(entries: readonly string[]): TrustedProxies {
	let trust: (address: string, hop: number) => boolean;
	try {
		trust = entries.length === 0 ? () => false : proxyAddr.compile([...entries]);
	} catch (error) {
		throw new TypeError(`trustProxy: ${(error as Error).message}`);
	}
	return {
		trusts: address => trust(address, 0),
		clientOf(request) {
			const peer = request.socket.remoteAddress ?? '';
			if (!trust(peer, 0)) return normalizeAddress(peer);
			return normalizeAddress(proxyAddr(request, trust));
		},
	};
}

/** One spelling per address: an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) counts as its IPv4 address. */
export function normalizeAddress(address: string): string {
	const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
	return mapped ? mapped[1]! : address.toLowerCase();
}
