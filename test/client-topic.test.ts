// The client core keeps each room's topic: from subscribed.topic when it joins, and from the
// topic-change messages in the room's order (a `message` event, then a `topic` event).
import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import type {Broker} from '../source/broker/create-broker.js';
import type {ClientEvent} from '../source/client/types.js';
import {recordClient, type RecordedClient} from './helpers/client-events.js';
import {startBroker} from './helpers/start-broker.js';

let broker: Broker;
const clients: RecordedClient[] = [];
before(async () => {
	broker = await startBroker();
});
after(async () => {
	await Promise.all(clients.map(c => c.client.close(0)));
	await broker.close();
});

function start(name: string, rooms: string[]): RecordedClient {
	const recorded = recordClient({urls: [broker.url], name, rooms});
	clients.push(recorded);
	return recorded;
}

const joined = (room: string) => (e: ClientEvent) => e.type === 'joined' && e.room === room;
const topicIs = (room: string, topic: string | undefined) => (e: ClientEvent) => e.type === 'topic' && e.room === room && e.topic === topic;

test('a topic set by one member reaches the others as a message then a topic event; a later joiner knows it from joining', async () => {
	const ana = start('ana', ['standup']);
	const bo = start('bo', ['standup']);
	await ana.waitFor(joined('standup'));
	await bo.waitFor(joined('standup'));
	assert.equal(ana.client.topicOf('standup'), undefined);

	ana.client.setTopic('standup', 'blockers first');
	await bo.waitFor(topicIs('standup', 'blockers first'));
	const at = bo.events.findIndex(topicIs('standup', 'blockers first'));
	const before = bo.events[at - 1];
	assert.ok(before?.type === 'message' && before.message.data?.topic === 'blockers first', 'the message comes first, then the topic event');
	assert.equal(bo.client.topicOf('standup'), 'blockers first');
	await ana.waitFor(topicIs('standup', 'blockers first'));

	const cy = start('cy', ['standup']);
	const join = await cy.waitFor(joined('standup'));
	assert.ok(join.type === 'joined' && join.topic === 'blockers first', 'joined carries the topic');
	await cy.waitFor(topicIs('standup', 'blockers first'));
	assert.equal(cy.client.topicOf('standup'), 'blockers first');

	bo.client.setTopic('standup', '');
	await cy.waitFor(topicIs('standup', undefined));
	assert.equal(cy.client.topicOf('standup'), undefined);
	cy.client.leave('standup');
	assert.equal(cy.client.topicOf('standup'), undefined);
});

test('setTopic outside the room, in a direct conversation, or refused by the broker comes back as an error event that says why', async () => {
	const dee = start('dee', ['lobby']);
	await dee.waitFor(joined('lobby'));
	dee.client.setTopic('elsewhere', 'x');
	const outside = await dee.waitFor(e => e.type === 'error' && e.room === 'elsewhere');
	assert.ok(outside.type === 'error' && outside.code === 'not_subscribed' && /join elsewhere before you set its topic/.test(outside.message));
	dee.client.setTopic('@bo', 'x');
	await dee.waitFor(e => e.type === 'error' && /a direct conversation has no topic/.test(e.message));
	dee.client.setTopic('lobby', 'y'.repeat(301));
	const long = await dee.waitFor(e => e.type === 'error' && e.code === 'invalid_field');
	assert.ok(long.type === 'error' && /longer than 300 characters/.test(long.message) && long.room === 'lobby');
});
