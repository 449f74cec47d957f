import {WebSocketServer, type WebSocket} from 'ws';
import {freePort} from './free-port.js';

/**
 * A seed-style broker (no `welcome`, so no advertised limits) whose socket takes frames of at most
 * 4,096 bytes: a larger one closes the connection 1009, as ws does. Counts connections.
 */
export async function startSmallSeedServer(): Promise<{url: string; connections(): number; close(): Promise<void>}> {
	const port = await freePort();
	const server = new WebSocketServer({port, host: '127.0.0.1', maxPayload: 4096});
	await new Promise(resolve => server.once('listening', resolve));
	let connections = 0;
	let sequence = 0;
	const sockets = new Set<WebSocket>();
	server.on('connection', socket => {
		connections++;
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
		socket.on('error', () => {});
		socket.on('message', data => {
			const frame = JSON.parse(data.toString()) as {type: string; room: string; content?: string; sender?: string};
			if (frame.type === 'subscribe') socket.send(JSON.stringify({type: 'subscribed', room: frame.room, sequence, members: []}));
			if (frame.type === 'publish') {
				const message = JSON.stringify({type: 'message', id: `m${sequence + 1}`, room: frame.room, sender: frame.sender, content: frame.content, sequence: ++sequence, timestamp: Date.now()});
				for (const peer of sockets) peer.send(message);
			}
		});
	});
	return {
		url: `ws://127.0.0.1:${port}`,
		connections: () => connections,
		close: () => new Promise<void>(resolve => {
			for (const socket of sockets) socket.terminate();
			server.close(() => resolve());
		}),
	};
}

