import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import type {AddressInfo} from 'node:net';
import {WebSocketServer} from 'ws';
import type {Broker} from '../source/broker/create-broker.js';
import type {ClientEvent} from '../source/client/types.js';
import {recordClient, type RecordedClient} from './helpers/client-events.js';
import {freePort} from './helpers/free-port.js';
import {startBroker} from './helpers/start-broker.js';
import {startTcpProxy} from './helpers/tcp-proxy.js';

const brokers: Broker[] = [];
const clients: RecordedClient[] = [];
after(async () => {
	await Promise.all(clients.map(c => c.client.close(0)));
	await Promise.all(brokers.map(b => b.close()));
});

async function broker(options: Parameters<typeof startBroker>[0] = {}): Promise<Broker> {
	const b = await startBroker({graceMs: 300, ...options});
	brokers.push(b);
	return b;
}

function client(...args: Parameters<typeof recordClient>): RecordedClient {
	const c = recordClient(...args);
	clients.push(c);
	return c;
}

const joined = (room: string) => (e: ClientEvent) => e.type === 'joined' && e.room === room;
const hasMessage = (room: string, content: string) => (e: ClientEvent) =>
	e.type === 'message' && e.room === room && e.message.content === content;

test('two clients chat in a room: each message arrives once, in order, and the sender gets its ack', async () => {
	const b = await broker();
	const ana = client({urls: [b.url], name: 'ana', rooms: ['general']});
	const bo = client({urls: [b.url], name: 'bo', rooms: ['general']});
	await ana.waitFor(joined('general'));
	await bo.waitFor(joined('general'));
	const ids = ['one', 'two', 'three'].map(text => ana.client.publish('general', text));
	await bo.waitFor(hasMessage('general', 'three'));
	assert.deepEqual(bo.contents('general'), ['one', 'two', 'three']);
	assert.deepEqual(bo.sequences('general'), [1, 2, 3]);
	for (const id of ids) await ana.waitFor(e => e.type === 'sent' && e.clientId === id);
	assert.equal(ana.client.pending.length, 0);
	assert.equal(ana.client.flavour, 'natter');
	assert.equal(ana.client.status.state, 'online');
});

test('text written while the broker is unreachable waits as pending and is sent exactly once when it comes up', async () => {
	const port = await freePort();
	const ana = client({urls: [`ws://127.0.0.1:${port}`], name: 'ana', rooms: ['later']});
	await ana.waitFor(e => e.type === 'status' && e.status.state === 'reconnecting');
	ana.client.publish('later', 'written offline 1');
	ana.client.publish('later', 'written offline 2');
	assert.equal(ana.client.pending.length, 2);
	const b = await broker({port});
	const watcher = client({urls: [b.url], name: 'watcher', rooms: ['later']});
	await watcher.waitFor(joined('later'));
	await watcher.waitFor(hasMessage('later', 'written offline 2'), 8000);
	await ana.waitFor(e => e.type === 'sent' && e.room === 'later' && e.sequence === 2);
	assert.deepEqual(watcher.contents('later'), ['written offline 1', 'written offline 2']);
	assert.equal(ana.client.pending.length, 0);
});

test('a subscriber whose connection is cut gets every message it missed, once, in order', async () => {
	const b = await broker();
	const proxy = await startTcpProxy(b.port);
	try {
		const reader = client({urls: [proxy.url], name: 'reader', rooms: ['cut']});
		const writer = client({urls: [b.url], name: 'writer', rooms: ['cut']});
		await reader.waitFor(joined('cut'));
		await writer.waitFor(joined('cut'));
		for (let i = 1; i <= 50; i++) {
			writer.client.publish('cut', `m${i}`);
			if (i % 10 === 0) proxy.cutAll();
		}
		await reader.waitFor(hasMessage('cut', 'm50'), 10_000);
		assert.deepEqual(reader.sequences('cut'), Array.from({length: 50}, (_, i) => i + 1));
		assert.equal(reader.events.some(e => e.type === 'gap'), false);
	} finally {
		await proxy.close();
	}
});

test('a publisher whose connection is cut mid-stream gets every message into the room exactly once', async () => {
	const b = await broker();
	const proxy = await startTcpProxy(b.port);
	try {
		const writer = client({urls: [proxy.url], name: 'flaky-writer', rooms: ['dedupe']});
		const reader = client({urls: [b.url], name: 'steady-reader', rooms: ['dedupe']});
		await writer.waitFor(joined('dedupe'));
		await reader.waitFor(joined('dedupe'));
		for (let i = 1; i <= 60; i++) {
			writer.client.publish('dedupe', `p${i}`);
			if (i % 15 === 0) {
				await new Promise(resolve => setImmediate(resolve));
				proxy.cutAll();
			}
		}
		await reader.waitFor(hasMessage('dedupe', 'p60'), 10_000);
		await new Promise(resolve => setTimeout(resolve, 300));
		assert.deepEqual(reader.contents('dedupe'), Array.from({length: 60}, (_, i) => `p${i + 1}`));
		assert.deepEqual(reader.sequences('dedupe'), Array.from({length: 60}, (_, i) => i + 1));
	} finally {
		await proxy.close();
	}
});

test('a user who quits and starts a new process later gets what was said meanwhile', async () => {
	const b = await broker();
	// One user's keyring across both processes, as the CLI's key file is.
	const keys = new Map<string, string>();
	const nameKeys = {get: (broker: string, name: string) => keys.get(`${broker} ${name}`), set: (broker: string, name: string, key: string) => void keys.set(`${broker} ${name}`, key)};
	const first = client({urls: [b.url], name: 'returning', rooms: ['news'], nameKeys});
	const talker = client({urls: [b.url], name: 'talker', rooms: ['news']});
	await first.waitFor(joined('news'));
	await talker.waitFor(joined('news'));
	talker.client.publish('news', 'before');
	await first.waitFor(hasMessage('news', 'before'));
	await first.client.close();
	talker.client.publish('news', 'while away 1');
	talker.client.publish('news', 'while away 2');
	await talker.waitFor(e => e.type === 'sent' && e.sequence === 3);
	const second = client({urls: [b.url], name: 'returning', rooms: ['news'], nameKeys});
	await second.waitFor(hasMessage('news', 'while away 2'));
	assert.deepEqual(second.contents('news'), ['while away 1', 'while away 2']);
});

test('history that no longer holds what a client missed becomes an explicit gap, not a stall', async () => {
	const b = await broker({historySize: 5});
	const proxy = await startTcpProxy(b.port);
	try {
		const reader = client({urls: [proxy.url], name: 'gappy', rooms: ['small']});
		const writer = client({urls: [b.url], name: 'busy', rooms: ['small']});
		await reader.waitFor(joined('small'));
		await writer.waitFor(joined('small'));
		writer.client.publish('small', 'first');
		await reader.waitFor(hasMessage('small', 'first'));
		proxy.pause();
		for (let i = 2; i <= 20; i++) writer.client.publish('small', `n${i}`);
		await writer.waitFor(e => e.type === 'sent' && e.sequence === 20);
		proxy.resume();
		await reader.waitFor(hasMessage('small', 'n20'), 10_000);
		const gap = reader.events.find(e => e.type === 'gap');
		assert.deepEqual(gap && {from: gap.from, to: gap.to, count: gap.count}, {from: 2, to: 15, count: 14});
		assert.deepEqual(reader.sequences('small'), [1, 16, 17, 18, 19, 20]);
	} finally {
		await proxy.close();
	}
});

test('a direct message opens a conversation at its recipient, and a third user never sees it', async () => {
	const b = await broker();
	const ana = client({urls: [b.url], name: 'dm-ana', rooms: ['lobby']});
	const bo = client({urls: [b.url], name: 'dm-bo', rooms: ['lobby']});
	const cy = client({urls: [b.url], name: 'dm-cy', rooms: ['lobby']});
	await Promise.all([ana, bo, cy].map(c => c.waitFor(joined('lobby'))));
	ana.client.publish('@dm-bo', 'psst');
	await bo.waitFor(hasMessage('@dm-ana', 'psst'));
	await ana.waitFor(hasMessage('@dm-bo', 'psst'));
	bo.client.publish('@dm-ana', 'hi back');
	await ana.waitFor(hasMessage('@dm-bo', 'hi back'));
	assert.deepEqual(ana.sequences('@dm-bo'), [1, 2]);
	await new Promise(resolve => setTimeout(resolve, 200));
	assert.equal(cy.events.some(e => e.type === 'message' && e.message.content === 'psst'), false);
});

test('a client moves on to the next URL when one broker is down', async () => {
	const b = await broker();
	const dead = await freePort();
	const ana = client({urls: [`ws://127.0.0.1:${dead}`, b.url], name: 'fallback', rooms: ['x']});
	await ana.waitFor(joined('x'), 5000);
	assert.equal(ana.client.status.state, 'online');
	assert.equal(ana.client.status.state === 'online' && ana.client.status.url, b.url);
});

test('a dead link is noticed by the client heartbeat, not left to TCP', async () => {
	// A server that accepts the socket and then goes silent: it never answers a ping.
	const silent = new WebSocketServer({port: 0, host: '127.0.0.1', autoPong: false});
	await new Promise(resolve => silent.once('listening', resolve));
	const closedByClient = new Promise<number>(resolve => silent.once('connection', ws => ws.once('close', code => resolve(code))));
	try {
		const port = (silent.address() as AddressInfo).port;
		const started = Date.now();
		const ana = client({urls: [`ws://127.0.0.1:${port}`], name: 'hb', rooms: ['hb'], pingMs: 150});
		const status = await ana.waitFor(e => e.type === 'status' && e.status.state === 'reconnecting', 3000);
		assert.ok(Date.now() - started < 2000, 'the dead link took too long to notice');
		assert.equal(status.type === 'status' && status.status.state === 'reconnecting' && status.status.attempt, 1);
		assert.equal(await closedByClient, 1006);
	} finally {
		for (const ws of silent.clients) ws.terminate();
		await new Promise(resolve => silent.close(resolve));
	}
});
