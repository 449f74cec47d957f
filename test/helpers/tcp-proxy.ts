import {createServer, connect, type Server, type Socket} from 'node:net';
import type {AddressInfo} from 'node:net';

/** A TCP proxy on 127.0.0.1 that can cut every connection through it, like a flaky network. */
export type TcpProxy = {
	/** ws://127.0.0.1:PORT pointing at the proxy. */
	url: string;
	port: number;
	/** Destroy every open connection (both sides see a reset, no close frame). */
	cutAll(): number;
	/** Stop reading from the broker on every open connection (a client that stops reading); new connections are unaffected. */
	stall(): void;
	/** Refuse new connections until `resume()` (existing ones are cut). */
	pause(): void;
	resume(): void;
	close(): Promise<void>;
};

/** Start a proxy to `targetPort` on 127.0.0.1. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
	const sockets = new Set<Socket>();
	const upstreams = new Set<Socket>();
	let paused = false;
	const server: Server = createServer(client => {
		if (paused) {
			client.destroy();
			return;
		}
		const upstream = connect(targetPort, '127.0.0.1');
		sockets.add(client);
		sockets.add(upstream);
		upstreams.add(upstream);
		const drop = (): void => {
			client.destroy();
			upstream.destroy();
			sockets.delete(client);
			sockets.delete(upstream);
			upstreams.delete(upstream);
		};
		client.on('error', drop).on('close', drop);
		upstream.on('error', drop).on('close', drop);
		client.pipe(upstream);
		upstream.pipe(client);
	});
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	const port = (server.address() as AddressInfo).port;
	const cutAll = (): number => {
		const count = sockets.size / 2;
		for (const socket of sockets) socket.destroy();
		sockets.clear();
		return count;
	};
	return {
		url: `ws://127.0.0.1:${port}`,
		port,
		cutAll,
		stall() {
			for (const upstream of upstreams) {
				upstream.unpipe();
				upstream.pause();
			}
		},
		pause() {
			paused = true;
			cutAll();
		},
		resume() {
			paused = false;
		},
		close() {
			cutAll();
			return new Promise(resolve => server.close(() => resolve()));
		},
	};
}
