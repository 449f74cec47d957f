// Direct messages over real sockets (seed exercise 2): `@name` rooms reach only their two parties.
import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import type {Broker} from '../source/broker/create-broker.js';
import type {FrameClient, Frame} from './helpers/frame-client.js';
import {startBroker} from './helpers/start-broker.js';
import {closeAll, connectAs, request, subscribe, sync} from './helpers/broker-session.js';

let broker: Broker;
before(async () => {
	broker = await startBroker();
});
after(async () => {
	await broker.close();
});

const carrying = (content: string) => (f: Frame) => f.type === 'message' && f.content === content;
const contents = (frame: Frame): unknown[] => (frame.messages as Frame[]).map(m => m.content);

/** Nothing that carol received anywhere mentions `content`: not a message, not history, not an error. */
function assertNeverSaw(client: FrameClient, content: string): void {
	const leaked = client.frames.filter(f => JSON.stringify(f).includes(content));
	assert.deepEqual(leaked, [], `a third party saw "${content}"`);
}

test('a DM reaches the recipient as @sender and echoes to the sender as @recipient, and no one else', async () => {
	const {client: alice} = await connectAs(broker.url, 'alice');
	const {client: bob} = await connectAs(broker.url, 'bob');
	const {client: carol} = await connectAs(broker.url, 'carol');
	try {
		// carol listens everywhere she can, including the rooms named after both parties.
		for (const room of ['general', '@bob', '@alice', 'lobby']) await subscribe(carol, room);
		const published = await request(alice, {type: 'publish', room: '@bob', content: 'psst bob', clientId: 'dm-1'}, 'published');
		assert.equal(published.room, '@bob');
		assert.equal(published.sequence, 1);

		const got = await bob.waitFor(carrying('psst bob'));
		assert.equal(got.room, '@alice', 'the recipient sees the room named after the sender');
		assert.equal(got.sender, 'alice');
		assert.equal(got.sequence, 1);
		const echo = await alice.waitFor(carrying('psst bob'));
		assert.equal(echo.room, '@bob', 'the sender sees the room named after the recipient');
		assert.equal(echo.id, got.id);

		await sync(carol);
		assertNeverSaw(carol, 'psst bob');

		// The reply shares the conversation's sequence.
		bob.send({type: 'publish', room: '@alice', content: 'hi alice'});
		const reply = await alice.waitFor(carrying('hi alice'));
		assert.equal(reply.room, '@bob');
		assert.equal(reply.sequence, 2);
		assert.equal((await bob.waitFor(carrying('hi alice'))).sequence, 2);
		await sync(carol);
		assertNeverSaw(carol, 'hi alice');
		assert.equal(bob.ofType('message').length, 2, 'bob got each message once');
		assert.equal(alice.ofType('message').length, 2, 'alice got each message once');
	} finally {
		closeAll(alice, bob, carol);
	}
});

test('only the two parties can read a conversation history; @bob from a third party is her own conversation', async () => {
	const {client: alice} = await connectAs(broker.url, 'alice2');
	const {client: bob} = await connectAs(broker.url, 'bob2');
	const {client: carol} = await connectAs(broker.url, 'carol2');
	try {
		await request(alice, {type: 'publish', room: '@bob2', content: 'secret-1', clientId: 's1'}, 'published');
		await request(bob, {type: 'publish', room: '@alice2', content: 'secret-2', clientId: 's2'}, 'published');

		const bobs = await request(bob, {type: 'get_history', room: '@alice2'}, 'history');
		assert.equal(bobs.room, '@alice2');
		assert.deepEqual(contents(bobs), ['secret-1', 'secret-2']);
		assert.deepEqual((bobs.messages as Frame[]).map(m => m.room), ['@alice2', '@alice2'], 'history names the room as its reader does');
		const alices = await request(alice, {type: 'get_history', room: '@bob2'}, 'history');
		assert.deepEqual(contents(alices), ['secret-1', 'secret-2']);
		assert.deepEqual((alices.messages as Frame[]).map(m => m.sequence), [1, 2]);

		for (const room of ['@bob2', '@alice2']) {
			const theirs = await request(carol, {type: 'get_history', room}, 'history');
			assert.deepEqual(contents(theirs), [], `carol's ${room} is her own, empty conversation`);
			const sub = await subscribe(carol, room, {since: 0});
			assert.equal(sub.sequence, 0);
		}
		// A subscribe with since replays the conversation to a party, named as that party sees it.
		const replay = await subscribe(bob, '@alice2', {since: 0});
		assert.equal(replay.sequence, 2);
		await sync(bob);
		const replayed = bob.frames.slice(bob.frames.indexOf(replay)).filter(f => f.type === 'message');
		assert.deepEqual(replayed.map(f => [f.room, f.sequence]), [['@alice2', 1], ['@alice2', 2]]);
		await sync(carol);
		assertNeverSaw(carol, 'secret-');
	} finally {
		closeAll(alice, bob, carol);
	}
});

test('the engine key of a conversation cannot be named as a room by anyone', async () => {
	const {client: alice} = await connectAs(broker.url, 'alice3');
	const {client: carol} = await connectAs(broker.url, 'carol3');
	try {
		await request(alice, {type: 'publish', room: '@bob3', content: 'for-bob3-only', clientId: 'k'}, 'published');
		for (const room of ['#dm:alice3:bob3', '#dm:bob3:alice3']) {
			const history = await request(carol, {type: 'get_history', room}, 'history');
			assert.equal(history.type, 'error', `get_history ${room} must be refused`);
			assert.equal(history.code, 'invalid_field');
			const sub = await request(carol, {type: 'subscribe', room, since: 0}, 'subscribed');
			assert.equal(sub.type, 'error', `subscribe ${room} must be refused`);
			const pub = await request(carol, {type: 'publish', room, content: 'injected', clientId: 'x'}, 'published');
			assert.equal(pub.type, 'error', `publish ${room} must be refused`);
		}
		await sync(carol);
		assertNeverSaw(carol, 'for-bob3-only');
		const own = await request(alice, {type: 'get_history', room: '@bob3'}, 'history');
		assert.deepEqual(contents(own), ['for-bob3-only'], 'nothing was injected into the conversation');
	} finally {
		closeAll(alice, carol);
	}
});

test('every connection of the recipient gets the DM, subscribed to the conversation or not, and no presence is announced', async () => {
	const {client: alice} = await connectAs(broker.url, 'alice4');
	const {client: bob1, welcome} = await connectAs(broker.url, 'bob4');
	const {client: bob2} = await connectAs(broker.url, 'bob4', {resume: welcome.resume});
	try {
		await subscribe(bob1, '@alice4');
		await subscribe(alice, '@bob4');
		alice.send({type: 'publish', room: '@bob4', content: 'to both'});
		const one = await bob1.waitFor(carrying('to both'));
		const two = await bob2.waitFor(carrying('to both'));
		assert.equal(one.room, '@alice4');
		assert.equal(two.room, '@alice4');
		await sync(bob1);
		await sync(alice);
		assert.equal(bob1.ofType('message').length, 1, 'a subscribed connection gets a DM once');
		assert.equal(alice.ofType('message').length, 1, 'the echo arrives once');
		assert.deepEqual([...bob1.ofType('presence'), ...alice.ofType('presence')], [], 'no presence in direct conversations');
	} finally {
		closeAll(alice, bob1, bob2);
	}
});
