import {lookup} from 'node:dns/promises';
import {hostname, networkInterfaces, type NetworkInterfaceInfo} from 'node:os';
import {setTimeout as delay} from 'node:timers/promises';
import {wsUrl} from '../broker/ws-url.js';

/** Where the addresses come from; the real machine by default, a fixed one in tests. */
export type MachineView = {
	interfaces: () => NodeJS.Dict<NetworkInterfaceInfo[]>;
	hostname: () => string;
	/** Resolve a host name to one address; rejects when it does not resolve. */
	resolve: (name: string) => Promise<string>;
};

const realMachine: MachineView = {
	interfaces: networkInterfaces,
	hostname,
	resolve: async name => (await lookup(name)).address,
};

/** How long the host name may take to resolve before it is left out (start-up waits for it). */
const RESOLVE_MS = 500;

/**
 * The URLs other machines can join a broker bound to `host`:`port` with, best first: for a
 * wildcard bind (`::`, `0.0.0.0`) this machine's non-loopback interface addresses (IPv4 first;
 * IPv6 link-local ones are left out: they only work with a zone that differs per machine), then
 * the host name if it resolves to an address that is not loopback; for a bind to one address,
 * that address. Empty when only loopback can reach the broker. Never a wildcard.
 */
export async function joinAddresses(host: string, port: number, machine: MachineView = realMachine): Promise<string[]> {
	if (host !== '::' && host !== '0.0.0.0') return isLoopback(host) ? [] : [wsUrl(host, port)];
	const v4: string[] = [];
	const v6: string[] = [];
	for (const entries of Object.values(machine.interfaces())) {
		for (const entry of entries ?? []) {
			if (entry.internal || isLoopback(entry.address)) continue;
			if (entry.family === 'IPv4') v4.push(entry.address);
			else if (host === '::' && !/^fe[89ab]/i.test(entry.address)) v6.push(entry.address);
		}
	}
	const urls = [...new Set([...v4, ...v6])].map(address => wsUrl(address, port));
	const name = machine.hostname();
	if (urls.length > 0 && name !== '' && (await resolvesOutward(name, machine))) urls.push(wsUrl(name, port));
	return urls;
}

/** One line per address others can use, or what to do when there is none (the headless banner). */
export function joinLines(urls: readonly string[], local: string): string[] {
	if (urls.length === 0) return [`loopback only: other machines cannot join (this one can: natter --url ${local})`];
	return ['others join with:', ...urls.map(url => `  natter --url ${url}`)];
}

/** Whether `address` is a loopback address or name (127.0.0.0/8, ::1, localhost). */
export function isLoopback(address: string): boolean {
	return /^(127\.|::ffff:127\.)/.test(address) || address === '::1' || address === 'localhost';
}

async function resolvesOutward(name: string, machine: MachineView): Promise<boolean> {
	const stop = new AbortController();
	const timeout = delay(RESOLVE_MS, undefined, {signal: stop.signal}).catch(() => undefined);
	try {
		const address = await Promise.race([machine.resolve(name).catch(() => undefined), timeout]);
		return address !== undefined && !isLoopback(address);
	} finally {
		stop.abort();
	}
}
