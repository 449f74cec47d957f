// Limits that keep one client from hurting others: rate, identify timeout, connections per
// address, browser origins, and the slow consumer that is cut off and resumes without loss.
import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import {createServer} from 'node:http';
import {connect as tcpConnect, type AddressInfo} from 'node:net';
import WebSocket from 'ws';
import {createBroker, type Broker, type BrokerOptions} from '../source/broker/create-broker.js';
import {FrameClient, sleep} from './helpers/frame-client.js';
import {recordClient, type RecordedClient} from './helpers/client-events.js';
import {startBroker} from './helpers/start-broker.js';
import {startTcpProxy} from './helpers/tcp-proxy.js';

const brokers: Broker[] = [];
const clients: FrameClient[] = [];
const cores: RecordedClient[] = [];
after(async () => {
	for (const c of clients) c.kill();
	await Promise.all(cores.map(c => c.client.close(0)));
	await Promise.all(brokers.map(b => b.close()));
});

async function broker(options: BrokerOptions): Promise<Broker> {
	const b = await startBroker(options);
	brokers.push(b);
	return b;
}

async function connect(url: string, options?: WebSocket.ClientOptions): Promise<FrameClient> {
	const c = await FrameClient.connect(url, options);
	clients.push(c);
	return c;
}

test('frames beyond the rate limit get rate_limited errors, and other rooms keep flowing', async () => {
	const b = await broker({rate: 20, burst: 10});
	const flooder = await connect(b.url);
	flooder.send({type: 'hello', userId: 'flood'});
	const calm = await connect(b.url);
	calm.send({type: 'subscribe', room: 'calm', userId: 'calm'});
	await calm.waitFor(f => f.type === 'subscribed');
	for (let i = 0; i < 40; i++) flooder.send({type: 'publish', room: 'flooded', content: `x${i}`});
	const limited = await flooder.waitFor(f => f.type === 'error' && f.code === 'rate_limited');
	assert.match(String(limited.error), /rate/);
	calm.send({type: 'publish', room: 'calm', content: 'still here'});
	await calm.waitFor(f => f.type === 'message' && f.content === 'still here');
	assert.ok(flooder.ofType('error').filter(f => f.code === 'rate_limited').length >= 20);
});

test('a client that keeps flooding after being told is disconnected with 4008', async () => {
	const b = await broker({rate: 50, burst: 10, floodGraceMs: 300});
	const flooder = await connect(b.url);
	flooder.send({type: 'hello', userId: 'flood2'});
	const closed = flooder.closed(5000);
	const timer = setInterval(() => {
		for (let i = 0; i < 20; i++) if (flooder.ws.readyState === WebSocket.OPEN) flooder.send({type: 'who', room: 'x'});
	}, 20);
	try {
		assert.equal(await closed, 4008);
	} finally {
		clearInterval(timer);
	}
});

test('a connection that never names itself is closed with 4000 after the identify timeout', async () => {
	const b = await broker({identifyTimeoutMs: 200});
	const silent = await connect(b.url);
	const named = await connect(b.url);
	named.send({type: 'hello', userId: 'named'});
	assert.equal(await silent.closed(3000), 4000);
	await sleep(100);
	assert.equal(named.ws.readyState, WebSocket.OPEN);
});

test('connections beyond the per-address limit are refused with 429 at the handshake', async () => {
	const b = await broker({maxConnectionsPerIp: 3});
	for (let i = 0; i < 3; i++) await connect(b.url);
	const status = await new Promise<number>(resolve => {
		const ws = new WebSocket(b.url);
		ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
		ws.once('open', () => resolve(101));
		ws.once('error', () => {});
	});
	assert.equal(status, 429);
	clients.pop()!.close();
	await sleep(100);
	const again = await connect(b.url);
	assert.equal(again.ws.readyState, WebSocket.OPEN);
});

test('a browser origin is refused with 403 unless allowed; clients without an Origin are served', async () => {
	const b = await broker({allowOrigins: ['https://chat.example.com']});
	const statusFor = (origin: string): Promise<number> =>
		new Promise(resolve => {
			const ws = new WebSocket(b.url, {origin});
			ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
			ws.once('open', () => {
				ws.close();
				resolve(101);
			});
			ws.once('error', () => {});
		});
	assert.equal(await statusFor('https://evil.example.net'), 403);
	assert.equal(await statusFor('https://chat.example.com'), 101);
	const plain = await connect(b.url);
	assert.equal(plain.ws.readyState, WebSocket.OPEN);
});

test('a subscriber that stops reading is cut off with 4009, the room does not stall, and it resumes without loss', async () => {
	const b = await broker({maxBufferedBytes: 64 * 1024, graceMs: 200, historySize: 1000, rate: 100_000, burst: 100_000});
	const proxy = await startTcpProxy(b.port);
	try {
		const reader = recordClient({urls: [proxy.url], name: 'sleepy', rooms: ['busy']});
		cores.push(reader);
		const writer = recordClient({urls: [b.url], name: 'chatty', rooms: ['busy']});
		cores.push(writer);
		await reader.waitFor(e => e.type === 'joined');
		await writer.waitFor(e => e.type === 'joined');
		// The reader's side stops reading: kernel buffers fill, then the broker's unsent bytes pile up.
		proxy.stall();
		const big = 'y'.repeat(4000);
		const total = 600;
		for (let i = 1; i <= total; i++) writer.client.publish('busy', `${i} ${big}`);
		// The room does not stall: the writer sees every message come back.
		await writer.waitFor(e => e.type === 'message' && e.message.sequence === total, 20_000);
		// The broker cut the sleeper off (its unsent bytes released), so the client reconnects and resumes.
		await reader.waitFor(e => e.type === 'status' && e.status.state === 'reconnecting', 10_000);
		await reader.waitFor(e => e.type === 'message' && e.message.sequence === total, 20_000);
		assert.deepEqual(reader.sequences('busy'), Array.from({length: total}, (_, i) => i + 1));
		assert.equal(reader.events.some(e => e.type === 'gap'), false);
	} finally {
		await proxy.close();
	}
});

test('on a shared HTTP server, upgrades that ws refuses give their connection slot back', async () => {
	const server = createServer();
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	const b = await createBroker({server, maxConnectionsPerIp: 2});
	try {
		const {port} = server.address() as AddressInfo;
		const keyless = (): Promise<string> =>
			new Promise(resolve => {
				let reply = '';
				const socket = tcpConnect({port, host: '127.0.0.1'}, () =>
					socket.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n'),
				);
				socket.setEncoding('latin1').on('data', (chunk: string) => (reply += chunk));
				socket.on('error', () => {});
				socket.on('close', () => resolve(reply.split('\r\n')[0]!));
			});
		for (let i = 0; i < 4; i++) assert.equal(await keyless(), 'HTTP/1.1 400 Bad Request');
		await sleep(50);
		const first = await connect(`ws://127.0.0.1:${port}`);
		const second = await connect(`ws://127.0.0.1:${port}`);
		assert.equal(first.ws.readyState, WebSocket.OPEN);
		assert.equal(second.ws.readyState, WebSocket.OPEN);
	} finally {
		await b.close();
		server.closeAllConnections();
		await new Promise(resolve => server.close(resolve));
	}
});
