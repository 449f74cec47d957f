// natter's client against the seed chapter's own reference server, which knows none of
// natter's extensions: it must still join, send, receive and see presence.
import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import type {ClientEvent} from '../source/client/types.js';
import {recordClient, type RecordedClient} from './helpers/client-events.js';
import {seedServerUnavailable, startSeedServer, type SeedServer} from './helpers/seed-server.js';

const skip = seedServerUnavailable();
let seed: SeedServer;
const clients: RecordedClient[] = [];
before(async () => {
	if (!skip) seed = await startSeedServer();
});
after(async () => {
	await Promise.all(clients.map(c => c.client.close(0)));
	await seed?.stop();
});

const joined = (room: string) => (e: ClientEvent) => e.type === 'joined' && e.room === room;
const hasMessage = (room: string, content: string) => (e: ClientEvent) =>
	e.type === 'message' && e.room === room && e.message.content === content;

test('against the seed server, natter clients join, chat in order and see each other arrive and leave', {skip}, async () => {
	const ana = recordClient({urls: [seed.url], name: 'ana', rooms: ['general']});
	clients.push(ana);
	await ana.waitFor(joined('general'), 10_000);
	assert.equal(ana.client.flavour, 'seed');
	const bo = recordClient({urls: [seed.url], name: 'bo', rooms: ['general']});
	clients.push(bo);
	await bo.waitFor(joined('general'), 10_000);
	await ana.waitFor(e => e.type === 'presence' && e.userId === 'bo' && e.action === 'join');
	for (const text of ['one', 'two', 'three']) ana.client.publish('general', text);
	await bo.waitFor(hasMessage('general', 'three'));
	assert.deepEqual(bo.contents('general'), ['one', 'two', 'three']);
	// The seed has no acks: natter settles its outbox on seeing its own echo.
	await ana.waitFor(e => e.type === 'sent' && e.sequence === 3);
	assert.equal(ana.client.pending.length, 0);
	await bo.client.close();
	await ana.waitFor(e => e.type === 'presence' && e.userId === 'bo' && e.action === 'leave');
});

test("against the seed server, setting a topic answers that this broker has no room topics, and nothing is sent", {skip}, async () => {
	const ana = recordClient({urls: [seed.url], name: 'ana-topic', rooms: ['topics']});
	clients.push(ana);
	await ana.waitFor(joined('topics'), 10_000);
	ana.client.setTopic('topics', 'anything');
	const refused = await ana.waitFor(e => e.type === 'error' && e.room === 'topics');
	assert.ok(refused.type === 'error' && refused.message === "this broker (the seed's reference server) has no room topics");
	assert.equal(ana.client.topicOf('topics'), undefined);
});
