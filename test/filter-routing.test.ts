// Content-based routing on the broker: a subscription's filter decides what crosses the wire,
// and ordering survives it (filtered out is never mistaken for lost).
import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import type {Broker} from '../source/broker/create-broker.js';
import type {ClientEvent} from '../source/client/types.js';
import {connectAs, subscribe} from './helpers/broker-session.js';
import {recordClient, type RecordedClient} from './helpers/client-events.js';
import {FrameClient, sleep, type Frame} from './helpers/frame-client.js';
import {startBroker} from './helpers/start-broker.js';
import {startTcpProxy} from './helpers/tcp-proxy.js';

const brokers: Broker[] = [];
const frames: FrameClient[] = [];
const cores: RecordedClient[] = [];
after(async () => {
	for (const c of frames) c.kill();
	await Promise.all(cores.map(c => c.client.close(0)));
	await Promise.all(brokers.map(b => b.close()));
});

async function broker(): Promise<Broker> {
	const b = await startBroker({historySize: 1000});
	brokers.push(b);
	return b;
}

const orders = [
	{content: 'order 1', data: {type: 'order', value: 150}},
	{content: 'order 2', data: {type: 'order', value: 50}},
	{content: 'refund', data: {type: 'refund', value: 500}},
	{content: 'order 3', data: {type: 'order', value: 101}},
	{content: 'hello', data: undefined},
	{content: 'order 4', data: {type: 'order', value: 100}},
];

test("the seed's scenario: high-value handler, order logger and low-value handler each get exactly what their filter admits", async () => {
	const b = await broker();
	const handlers = {
		high: 'data.type == "order" and data.value > 100',
		logger: 'data.type == "order"',
		low: 'data.type == "order" and data.value <= 100',
	};
	const clients: Record<string, FrameClient> = {};
	for (const [name, filter] of Object.entries(handlers)) {
		const {client} = await connectAs(b.url, name);
		frames.push(client);
		const answer = await subscribe(client, 'orders', {filter});
		assert.equal(answer.filter, filter);
		clients[name] = client;
	}
	const {client: shop} = await connectAs(b.url, 'shop');
	frames.push(shop);
	for (const order of orders) shop.send({type: 'publish', room: 'orders', content: order.content, ...(order.data ? {data: order.data} : {})});
	await clients.logger!.waitFor(f => f.type === 'message' && f.content === 'order 4');
	await clients.low!.waitFor(f => f.type === 'message' && f.content === 'order 4');
	await clients.high!.waitFor(f => f.type === 'message' && f.content === 'order 3');
	await sleep(100);
	const got = (name: string) => clients[name]!.ofType('message').map(f => [f.content, f.sequence, f.prev]);
	assert.deepEqual(got('high'), [['order 1', 1, 0], ['order 3', 4, 1]]);
	assert.deepEqual(got('logger'), [['order 1', 1, 0], ['order 2', 2, 1], ['order 3', 4, 2], ['order 4', 6, 4]]);
	assert.deepEqual(got('low'), [['order 2', 2, 0], ['order 4', 6, 2]]);
});

test('a filter that does not parse is refused with invalid_filter and the position of the problem', async () => {
	const b = await broker();
	const {client} = await connectAs(b.url, 'typo');
	frames.push(client);
	client.send({type: 'subscribe', room: 'x', filter: 'data.value >> 3'});
	const error = await client.waitFor(f => f.type === 'error');
	assert.equal(error.code, 'invalid_filter');
	assert.equal(error.room, 'x');
	assert.equal(typeof error.position, 'number');
	assert.equal(client.ofType('subscribed').length, 0);
});

test('history honours the filter: only admitted messages, chained by prev, with through', async () => {
	const b = await broker();
	const {client: shop} = await connectAs(b.url, 'shop2');
	frames.push(shop);
	for (const order of orders) shop.send({type: 'publish', room: 'h', content: order.content, ...(order.data ? {data: order.data} : {}), clientId: order.content});
	await shop.waitFor(f => f.type === 'published' && f.clientId === 'order 4');
	const {client: reader} = await connectAs(b.url, 'reader');
	frames.push(reader);
	await subscribe(reader, 'h', {filter: 'data.value > 100'});
	reader.send({type: 'get_history', room: 'h', since: 0});
	const page = await reader.waitFor(f => f.type === 'history');
	assert.deepEqual((page.messages as Frame[]).map(m => [m.content, m.prev]), [['order 1', 0], ['refund', 1], ['order 3', 3]]);
	assert.equal(page.through, 6);
});

test('a filtered subscriber behind a flaky connection gets every matching message once, in order, with no false gap', async () => {
	const b = await broker();
	const proxy = await startTcpProxy(b.port);
	try {
		const reader = recordClient({urls: [proxy.url], name: 'picky', rooms: ['stream']});
		cores.push(reader);
		await reader.waitFor(e => e.type === 'joined');
		reader.client.setFilter('stream', 'data.n % 1 == 0 and data.keep == true');
		await reader.waitFor(e => e.type === 'error' && e.code === 'invalid_filter');
		reader.client.setFilter('stream', 'data.keep == true');
		await reader.waitFor((e: ClientEvent) => e.type === 'joined' && e.filter === 'data.keep == true');
		const writer = recordClient({urls: [b.url], name: 'firehose', rooms: ['stream']});
		cores.push(writer);
		await writer.waitFor(e => e.type === 'joined');
		const total = 200;
		for (let i = 1; i <= total; i++) {
			writer.client.publish('stream', `n${i}`, {n: i, keep: i % 3 === 0});
			if (i % 40 === 0) {
				await sleep(30);
				proxy.cutAll();
			}
		}
		await writer.waitFor(e => e.type === 'sent' && e.sequence === total, 10_000);
		const expected = Array.from({length: total}, (_, i) => i + 1).filter(i => i % 3 === 0).map(i => `n${i}`);
		await reader.waitFor(e => e.type === 'message' && e.message.content === expected.at(-1), 10_000);
		await sleep(300);
		assert.deepEqual(reader.contents('stream'), expected);
		assert.equal(reader.events.some(e => e.type === 'gap'), false, 'filtered-out sequences were reported as lost');
	} finally {
		await proxy.close();
	}
});

test("one connection holds several filtered views of a room, like the seed's two handlers, each tagged and chained on its own", async () => {
	const b = await broker();
	const {client: handlers} = await connectAs(b.url, 'handlers');
	frames.push(handlers);
	const high = await subscribe(handlers, 'shop', {sub: 'high-value', filter: 'data.type == "order" and data.value > 100'});
	assert.equal(high.sub, 'high-value');
	await subscribe(handlers, 'shop', {sub: 'logger', filter: 'data.type == "order"'});
	const {client: shop} = await connectAs(b.url, 'till');
	frames.push(shop);
	for (const order of orders) shop.send({type: 'publish', room: 'shop', content: order.content, ...(order.data ? {data: order.data} : {})});
	await handlers.waitFor(f => f.type === 'message' && f.sub === 'logger' && f.content === 'order 4');
	await sleep(100);
	const view = (name: string) => handlers.ofType('message').filter(f => f.sub === name).map(f => [f.content, f.prev]);
	assert.deepEqual(view('high-value'), [['order 1', 0], ['order 3', 1]]);
	assert.deepEqual(view('logger'), [['order 1', 0], ['order 2', 1], ['order 3', 2], ['order 4', 4]]);
	assert.equal(handlers.ofType('message').filter(f => f.sub === undefined).length, 0, 'no unnamed copies');
	// History through one view's filter; then dropping one view leaves the other running.
	handlers.send({type: 'get_history', room: 'shop', since: 0, sub: 'high-value'});
	const page = await handlers.waitFor(f => f.type === 'history');
	assert.deepEqual((page.messages as Frame[]).map(m => m.content), ['order 1', 'order 3']);
	handlers.send({type: 'unsubscribe', room: 'shop', sub: 'high-value'});
	await handlers.waitFor(f => f.type === 'unsubscribed' && f.sub === 'high-value');
	shop.send({type: 'publish', room: 'shop', content: 'order 5', data: {type: 'order', value: 999}});
	await handlers.waitFor(f => f.type === 'message' && f.content === 'order 5' && f.sub === 'logger');
	await sleep(100);
	assert.equal(handlers.ofType('message').filter(f => f.content === 'order 5').length, 1);
});
