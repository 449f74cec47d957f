// The client's heartbeat on one real socket: an answering peer is kept and timed, a silent one is dropped.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import type {AddressInfo} from 'node:net';
import WebSocket, {WebSocketServer} from 'ws';
import {LinkProbe} from '../source/client/link-probe.js';

async function serverAndSocket(autoPong: boolean): Promise<{server: WebSocketServer; socket: WebSocket}> {
	const server = new WebSocketServer({port: 0, host: '127.0.0.1', autoPong});
	await new Promise(resolve => server.once('listening', resolve));
	const socket = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
	await new Promise(resolve => socket.once('open', resolve));
	return {server, socket};
}

async function shutdown(server: WebSocketServer, socket: WebSocket): Promise<void> {
	socket.terminate();
	for (const peer of server.clients) peer.terminate();
	await new Promise(resolve => server.close(resolve));
}

test('a peer that answers every ping keeps its link, and each pong gives the round trip', async () => {
	const {server, socket} = await serverAndSocket(true);
	const probe = new LinkProbe(50);
	const rtts: number[] = [];
	socket.on('pong', () => rtts.push(probe.pong()));
	try {
		probe.start(socket);
		await new Promise(resolve => setTimeout(resolve, 400));
		assert.equal(socket.readyState, WebSocket.OPEN);
		// About 8 are due; a loaded machine may delay a few timers, not most of them.
		assert.ok(rtts.length >= 3, `only ${rtts.length} pongs in 400 ms at one ping per 50 ms`);
		for (const rtt of rtts) assert.ok(rtt >= 0 && rtt < 1000, `round trip ${rtt} ms`);
	} finally {
		probe.stop();
		await shutdown(server, socket);
	}
});

test('a peer that stops answering is terminated at the next ping, not left to TCP', async () => {
	const {server, socket} = await serverAndSocket(false);
	const probe = new LinkProbe(100);
	const closed = new Promise<number>((resolve, reject) => {
		socket.once('close', code => resolve(code));
		setTimeout(() => reject(new Error('the silent peer was never dropped')), 3000).unref();
	});
	const started = Date.now();
	try {
		probe.start(socket);
		assert.equal(await closed, 1006);
		const took = Date.now() - started;
		assert.ok(took >= 90 && took < 1000, `terminated after ${took} ms with one ping per 100 ms`);
	} finally {
		probe.stop();
		await shutdown(server, socket);
	}
});

test('stop ends the pings: a silent peer is then left alone', async () => {
	const {server, socket} = await serverAndSocket(false);
	const probe = new LinkProbe(50);
	try {
		probe.start(socket);
		probe.stop();
		await new Promise(resolve => setTimeout(resolve, 300));
		assert.equal(socket.readyState, WebSocket.OPEN);
	} finally {
		await shutdown(server, socket);
	}
});
