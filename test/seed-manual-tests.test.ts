// The seed chapter's "Testing the Pub/Sub System" tests 1-4, replayed over real WebSockets
// using only the seed's message shapes, exactly as its reference clients send them.
import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import type {Broker} from '../source/broker/create-broker.js';
import {FrameClient, sleep} from './helpers/frame-client.js';
import {startBroker} from './helpers/start-broker.js';

let broker: Broker;
before(async () => {
	broker = await startBroker({graceMs: 200});
});
after(async () => {
	await broker.close();
});

const isMessage = (room: string, content: string) => (f: Record<string, unknown>) =>
	f.type === 'message' && f.room === room && f.content === content;

test('test 1: a message published in a room reaches its subscribers, and a later joiner reads it in history', async () => {
	const c1 = await FrameClient.connect(broker.url);
	const c2 = await FrameClient.connect(broker.url);
	c1.send({type: 'subscribe', room: 't1', userId: 'seed-1'});
	await c1.waitFor(f => f.type === 'subscribed' && f.room === 't1');
	c2.send({type: 'subscribe', room: 't1', userId: 'seed-2'});
	const subscribed = await c2.waitFor(f => f.type === 'subscribed' && f.room === 't1');
	assert.equal(subscribed.sequence, 0);
	c1.send({type: 'publish', room: 't1', sender: 'seed-1', content: 'Hello everyone!'});
	const got = await c2.waitFor(isMessage('t1', 'Hello everyone!'));
	assert.deepEqual(Object.keys(got).slice(0, 7), ['type', 'id', 'room', 'sender', 'content', 'sequence', 'timestamp']);
	assert.equal(got.sender, 'seed-1');
	assert.equal(got.sequence, 1);
	assert.equal(typeof got.id, 'string');
	assert.equal(typeof got.timestamp, 'number');
	// The sender receives its own message, as in the seed.
	await c1.waitFor(isMessage('t1', 'Hello everyone!'));

	const c3 = await FrameClient.connect(broker.url);
	c3.send({type: 'subscribe', room: 't1', userId: 'seed-3'});
	const s3 = await c3.waitFor(f => f.type === 'subscribed' && f.room === 't1');
	assert.equal(s3.sequence, 1);
	c3.send({type: 'get_history', room: 't1'});
	const history = await c3.waitFor(f => f.type === 'history');
	assert.equal(history.room, 't1');
	const messages = history.messages as Array<Record<string, unknown>>;
	assert.equal(messages.length, 1);
	assert.equal(messages[0]!.content, 'Hello everyone!');
	assert.equal(messages[0]!.sequence, 1);
	for (const c of [c1, c2, c3]) c.close();
});

test('test 2: messages stay in their room; a client in both rooms receives both', async () => {
	const c1 = await FrameClient.connect(broker.url);
	const c2 = await FrameClient.connect(broker.url);
	const c3 = await FrameClient.connect(broker.url);
	c1.send({type: 'subscribe', room: 'sports', userId: 'fan-1'});
	c2.send({type: 'subscribe', room: 'news', userId: 'fan-2'});
	c3.send({type: 'subscribe', room: 'sports', userId: 'fan-3'});
	c3.send({type: 'subscribe', room: 'news', userId: 'fan-3'});
	await c1.waitFor(f => f.type === 'subscribed');
	await c2.waitFor(f => f.type === 'subscribed');
	await c3.waitFor(f => f.type === 'subscribed' && f.room === 'news');
	c1.send({type: 'publish', room: 'sports', sender: 'fan-1', content: 'Game starting!'});
	c2.send({type: 'publish', room: 'news', sender: 'fan-2', content: 'Breaking news!'});
	await c3.waitFor(isMessage('sports', 'Game starting!'));
	await c3.waitFor(isMessage('news', 'Breaking news!'));
	await c1.waitFor(isMessage('sports', 'Game starting!'));
	await c2.waitFor(isMessage('news', 'Breaking news!'));
	await sleep(100);
	assert.equal(c1.ofType('message').some(f => f.room === 'news'), false, 'sports-only client got news');
	assert.equal(c2.ofType('message').some(f => f.room === 'sports'), false, 'news-only client got sports');
	for (const c of [c1, c2, c3]) c.close();
});

test('test 3: a rapid burst keeps its order with sequence numbers 1, 2, 3', async () => {
	const c = await FrameClient.connect(broker.url);
	c.send({type: 'subscribe', room: 't3', userId: 'rapid'});
	await c.waitFor(f => f.type === 'subscribed');
	for (const content of ['msg1', 'msg2', 'msg3']) c.send({type: 'publish', room: 't3', sender: 'rapid', content});
	await c.waitFor(isMessage('t3', 'msg3'));
	const got = c.ofType('message').map(f => [f.sequence, f.content]);
	assert.deepEqual(got, [
		[1, 'msg1'],
		[2, 'msg2'],
		[3, 'msg3'],
	]);
	c.close();
});

test('test 4: members see each other join, and a client killed with Ctrl+C is announced as leaving', async () => {
	const a = await FrameClient.connect(broker.url);
	const b = await FrameClient.connect(broker.url);
	a.send({type: 'subscribe', room: 't4', userId: 'pres-a'});
	await a.waitFor(f => f.type === 'subscribed');
	b.send({type: 'subscribe', room: 't4', userId: 'pres-b'});
	const join = await a.waitFor(f => f.type === 'presence' && f.userId === 'pres-b');
	assert.equal(join.action, 'join');
	assert.equal(typeof join.timestamp, 'number');
	// Ctrl+C kills the process: the TCP connection drops without a close frame.
	b.kill();
	const leave = await a.waitFor(f => f.type === 'presence' && f.userId === 'pres-b' && f.action === 'leave', 3000);
	assert.equal(leave.action, 'leave');
	a.close();
});
