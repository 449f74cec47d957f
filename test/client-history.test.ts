// History requests through the client core: each answer reaches the request it answers, by the
// id the broker echoes, or in order per room against a broker that echoes none.
import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import type {AddressInfo} from 'node:net';
import WebSocket, {WebSocketServer} from 'ws';
import type {Broker} from '../source/broker/create-broker.js';
import type {ChatMessage} from '../source/protocol/messages.js';
import type {ClientEvent} from '../source/client/types.js';
import {recordClient, type RecordedClient} from './helpers/client-events.js';
import {Recorder} from './helpers/recorder.js';
import {startBroker} from './helpers/start-broker.js';

const clients: RecordedClient[] = [];
const closers: Array<() => Promise<unknown> | void> = [];
after(async () => {
	await Promise.all(clients.map(c => c.client.close(0)));
	for (const close of closers.reverse()) await close();
});

function client(...args: Parameters<typeof recordClient>): RecordedClient {
	const c = recordClient(...args);
	clients.push(c);
	return c;
}

/**
 * A broker played frame by frame over a real WebSocket: it welcomes, answers `subscribe`, and
 * hands every `get_history` to the test, which answers as it likes (out of order, in pages).
 */
async function scriptedBroker(): Promise<{url: string; requests: Recorder<Record<string, unknown>>; answer(frame: Record<string, unknown>): void}> {
	const server = new WebSocketServer({port: 0, host: '127.0.0.1'});
	await new Promise(resolve => server.once('listening', resolve));
	closers.push(() => new Promise(resolve => server.close(resolve)));
	const requests = new Recorder<Record<string, unknown>>(() => 'get_history frames');
	let socket: WebSocket | undefined;
	server.on('connection', ws => {
		socket = ws;
		ws.on('message', data => {
			const frame = JSON.parse(String(data)) as Record<string, unknown>;
			if (frame.type === 'hello') ws.send(JSON.stringify({type: 'welcome', userId: frame.userId, resume: 'r', admin: false, heartbeat: 30_000, server: 'scripted'}));
			if (frame.type === 'subscribe') ws.send(JSON.stringify({type: 'subscribed', room: frame.room, sequence: 30, epoch: 'e', since: 30, first: 1, lost: 0, members: []}));
			if (frame.type === 'get_history') requests.add(frame);
		});
	});
	return {
		url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
		requests,
		answer(frame) {
			socket!.send(JSON.stringify(frame));
		},
	};
}

const page = (room: string, from: number, to: number): ChatMessage[] =>
	Array.from({length: to - from + 1}, (_, i) => ({id: `m${from + i}`, room, sender: 'bo', content: `m${from + i}`, sequence: from + i, timestamp: 1}));
const histories = (c: RecordedClient) => c.events.filter((e): e is Extract<ClientEvent, {type: 'history'}> => e.type === 'history');

test('answers carrying the request id reach their own request whatever their order, pages gathered until one without more', async () => {
	const broker = await scriptedBroker();
	const ana = client({urls: [broker.url], name: 'ana', rooms: ['general']});
	await ana.waitFor(e => e.type === 'joined');
	const older = ana.client.fetchHistory('general', 21, 20, 'scrollback');
	const last = ana.client.fetchHistory('general', Number.MAX_SAFE_INTEGER, 5, 'print');
	await broker.requests.waitFor(f => f.id === last, 2000, 'the second get_history');
	assert.deepEqual(broker.requests.items.map(f => f.id), [older, last], 'every get_history carries its id');
	assert.ok(typeof older === 'string' && older.length <= 64);
	// The later request is answered first; the earlier one in two pages.
	broker.answer({type: 'history', room: 'general', id: last, messages: page('general', 26, 30), first: 1});
	broker.answer({type: 'history', room: 'general', id: older, messages: page('general', 1, 10), first: 1, more: true});
	broker.answer({type: 'history', room: 'general', id: older, messages: page('general', 11, 20), first: 1});
	await ana.waitFor(e => e.type === 'history' && e.query.id === older);
	const [print, scroll] = histories(ana);
	assert.deepEqual({purpose: print!.query.purpose, sequences: print!.messages.map(m => m.sequence)}, {purpose: 'print', sequences: [26, 27, 28, 29, 30]});
	assert.deepEqual({purpose: scroll!.query.purpose, sequences: scroll!.messages.map(m => m.sequence)}, {purpose: 'scrollback', sequences: page('general', 1, 20).map(m => m.sequence)});
	assert.equal(histories(ana).length, 2, 'one event per request, not one per page');
});

test('an error naming a history request refuses that request; an error in the room that names none leaves it waiting', async () => {
	const broker = await scriptedBroker();
	const ana = client({urls: [broker.url], name: 'ana', rooms: ['general']});
	await ana.waitFor(e => e.type === 'joined');
	const waiting = ana.client.fetchHistory('general', 31, 10);
	const refused = ana.client.fetchHistory('general', 11, 10);
	await broker.requests.waitFor(f => f.id === refused, 2000, 'the second get_history');
	broker.answer({type: 'error', code: 'forbidden', error: 'only admins may clear history', room: 'general'});
	broker.answer({type: 'error', code: 'unavailable', error: 'try again', room: 'general', id: refused});
	const error = await ana.waitFor(e => e.type === 'error' && e.message === 'try again');
	assert.equal(error.type === 'error' && error.query?.id, refused);
	const forbidden = ana.events.find(e => e.type === 'error' && e.code === 'forbidden');
	assert.equal(forbidden?.type === 'error' && forbidden.query, undefined, 'the unrelated refusal answers no request');
	broker.answer({type: 'history', room: 'general', id: waiting, messages: page('general', 21, 30), first: 1});
	const answer = await ana.waitFor(e => e.type === 'history');
	assert.equal(answer.type === 'history' && answer.query.id, waiting);
});

test('a page no longer wanted (its room was left) and a page for an unknown id are dropped', async () => {
	const broker = await scriptedBroker();
	const ana = client({urls: [broker.url], name: 'ana', rooms: ['general', 'ops']});
	await ana.waitFor(e => e.type === 'joined' && e.room === 'ops');
	const gone = ana.client.fetchHistory('ops', 31, 10);
	ana.client.leave('ops');
	broker.answer({type: 'history', room: 'ops', id: gone, messages: page('ops', 21, 30), first: 1});
	broker.answer({type: 'history', room: 'general', id: 'h999', messages: page('general', 21, 30), first: 1});
	const wanted = ana.client.fetchHistory('general', 31, 10);
	broker.answer({type: 'history', room: 'general', id: wanted, messages: page('general', 21, 30), first: 1});
	await ana.waitFor(e => e.type === 'history');
	assert.deepEqual(histories(ana).map(e => e.query.id), [wanted]);
});

test('a broker that echoes no ids answers each room in order: a scrollback page and a /history print each get theirs', async () => {
	const broker = await scriptedBroker();
	const ana = client({urls: [broker.url], name: 'ana', rooms: ['general']});
	await ana.waitFor(e => e.type === 'joined');
	const scroll = ana.client.fetchHistory('general', 4, 2);
	const print = ana.client.fetchHistory('general', Number.MAX_SAFE_INTEGER, 3, 'print');
	await broker.requests.waitFor(f => f.id === print, 2000, 'both get_history frames');
	// Answered as the seed's server does: in order, with no id.
	broker.answer({type: 'history', room: 'general', messages: page('general', 2, 3)});
	broker.answer({type: 'history', room: 'general', messages: page('general', 6, 8)});
	await ana.waitFor(e => e.type === 'history' && e.query.id === print);
	assert.deepEqual(histories(ana).map(e => [e.query.id, e.messages.map(m => m.content)]), [[scroll, ['m2', 'm3']], [print, ['m6', 'm7', 'm8']]]);
	assert.equal(ana.client.dialect.historyIds, false, 'this broker echoes no ids');
});

test("natter's broker echoes each request's id, so its answers are matched by id", async () => {
	const b: Broker = await startBroker();
	closers.push(() => b.close());
	const bo = client({urls: [b.url], name: 'bo', rooms: ['general']});
	await bo.waitFor(e => e.type === 'joined');
	for (let i = 1; i <= 8; i++) bo.client.publish('general', `n${i}`);
	await bo.waitFor(e => e.type === 'sent' && e.sequence === 8);
	const ana = client({urls: [b.url], name: 'ana', rooms: ['general']});
	await ana.waitFor(e => e.type === 'joined');
	const scroll = ana.client.fetchHistory('general', 4, 2);
	const print = ana.client.fetchHistory('general', Number.MAX_SAFE_INTEGER, 3, 'print');
	await ana.waitFor(e => e.type === 'history' && e.query.id === print);
	await ana.waitFor(e => e.type === 'history' && e.query.id === scroll);
	const answers = new Map(histories(ana).map(e => [e.query.id, e.messages.map(m => m.content)]));
	assert.deepEqual(answers.get(scroll!), ['n2', 'n3']);
	assert.deepEqual(answers.get(print!), ['n6', 'n7', 'n8']);
	assert.equal(ana.client.dialect.historyIds, true, 'the broker echoed the ids');
});

test('pages past what a request asked for cannot grow its answer: it holds at most its limit', async () => {
	const broker = await scriptedBroker();
	const ana = client({urls: [broker.url], name: 'ana', rooms: ['general']});
	await ana.waitFor(e => e.type === 'joined');
	const id = ana.client.fetchHistory('general', Number.MAX_SAFE_INTEGER, 5, 'print');
	await broker.requests.waitFor(f => f.id === id, 2000, 'the get_history');
	for (let i = 0; i < 50; i++) broker.answer({type: 'history', room: 'general', id, messages: page('general', 1, 30), first: 1, more: true});
	broker.answer({type: 'history', room: 'general', id, messages: page('general', 1, 30), first: 1});
	const answer = await ana.waitFor(e => e.type === 'history');
	assert.equal(answer.type === 'history' && answer.messages.length, 5);
});
