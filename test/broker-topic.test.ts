// Room topics over real sockets: a `topic` frame stores the topic with the room and says the
// change in the room as an ordinary message; `subscribed.topic` tells whoever joins later; what
// the broker refuses (too long, a direct conversation, not subscribed, a forged data.topic) and
// that topic frames count against the rate limit like every frame.
import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import type {Broker} from '../source/broker/create-broker.js';
import {MAX_TOPIC_LENGTH} from '../source/protocol/topic.js';
import {FrameClient, type Frame} from './helpers/frame-client.js';
import {startBroker} from './helpers/start-broker.js';
import {closeAll, connectAs, request, subscribe, sync} from './helpers/broker-session.js';

let broker: Broker;
before(async () => {
	broker = await startBroker();
});
after(async () => {
	await broker.close();
});

const topicChange = (topic: string) => (f: Frame) => f.type === 'message' && (f.data as Frame | undefined)?.topic === topic;

test('a topic set in a room reaches every member as a sequenced message, and whoever joins later gets it in subscribed.topic', async () => {
	const {client: ana} = await connectAs(broker.url, 'ana');
	const {client: bo} = await connectAs(broker.url, 'bo');
	let cy: FrameClient | undefined;
	try {
		const before = await subscribe(ana, 'release');
		assert.equal('topic' in before, false, 'a room without a topic says none');
		await subscribe(bo, 'release');
		await request(ana, {type: 'publish', room: 'release', content: 'morning'}, 'message');

		const published = await request(ana, {type: 'topic', room: 'release', topic: 'deploy at 5', clientId: 't-1'}, 'published');
		assert.equal(published.sequence, 2);
		assert.equal(published.duplicate, false);
		for (const member of [ana, bo]) {
			const change = await member.waitFor(topicChange('deploy at 5'));
			assert.deepEqual(
				{sender: change.sender, content: change.content, sequence: change.sequence, data: change.data},
				{sender: 'ana', content: 'ana set the topic: deploy at 5', sequence: 2, data: {topic: 'deploy at 5'}},
			);
		}
		// A retry of the same clientId is a duplicate: nothing new in the room.
		const retry = await request(ana, {type: 'topic', room: 'release', topic: 'deploy at 5', clientId: 't-1'}, 'published');
		assert.deepEqual([retry.duplicate, retry.sequence], [true, 2]);

		({client: cy} = await connectAs(broker.url, 'cy'));
		const joined = await subscribe(cy, 'release');
		assert.equal(joined.topic, 'deploy at 5');
		const history = await request(cy, {type: 'get_history', room: 'release'}, 'history');
		assert.deepEqual((history.messages as Frame[]).map(m => m.content), ['morning', 'ana set the topic: deploy at 5'], 'the change is in history, in order');

		// Clearing: an empty topic, said in the room; a later joiner hears of none.
		bo.send({type: 'topic', room: 'release', topic: ''});
		const cleared = await cy.waitFor(topicChange(''));
		assert.deepEqual([cleared.sender, cleared.content, cleared.sequence], ['bo', 'bo cleared the topic', 3]);
		cy.send({type: 'unsubscribe', room: 'release'});
		await sync(cy);
		const again = await subscribe(cy, 'release');
		assert.equal('topic' in again, false);
	} finally {
		closeAll(ana, bo, ...(cy ? [cy] : []));
	}
});

test("the seed's clients see a topic change as an ordinary message with its content in words", async () => {
	// A seed client names itself in subscribe and knows no topics.
	const seed = await FrameClient.connect(broker.url);
	const {client: ana} = await connectAs(broker.url, 'ana2');
	try {
		seed.send({type: 'subscribe', room: 'seedroom', userId: 'learner'});
		await seed.waitFor(f => f.type === 'subscribed');
		await subscribe(ana, 'seedroom');
		ana.send({type: 'topic', room: 'seedroom', topic: 'pub/sub chapter'});
		const message = await seed.waitFor(f => f.type === 'message');
		assert.equal(message.content, 'ana2 set the topic: pub/sub chapter');
		for (const field of ['id', 'room', 'sender', 'content', 'sequence', 'timestamp']) assert.ok(field in message, `the seed's field ${field}`);
	} finally {
		closeAll(seed, ana);
	}
});

test('refused: a topic too long, in a direct conversation, without a topic string, outside the room, unnamed, and a data.topic in a publish', async () => {
	const {client: ana} = await connectAs(broker.url, 'ana3');
	const stranger = await FrameClient.connect(broker.url);
	try {
		await subscribe(ana, 'ops');
		const refusals: Array<[Record<string, unknown>, string, RegExp]> = [
			[{type: 'topic', room: 'ops', topic: 'x'.repeat(MAX_TOPIC_LENGTH + 1), clientId: 'long'}, 'invalid_field', new RegExp(`topic is longer than ${MAX_TOPIC_LENGTH} characters`)],
			[{type: 'topic', room: '@bo', topic: 'hi'}, 'invalid_field', /a direct conversation has no topic/],
			[{type: 'topic', room: 'ops'}, 'invalid_field', /topic needs a "topic" string/],
			[{type: 'topic', room: 'ops', topic: 42}, 'invalid_field', /topic needs a "topic" string/],
			[{type: 'topic', room: 'elsewhere', topic: 'mine now'}, 'not_subscribed', /join elsewhere before you set its topic/],
			[{type: 'publish', room: 'ops', content: 'forged', data: {topic: 'fake'}, clientId: 'forge'}, 'invalid_field', /"data.topic" is reserved for topic changes/],
		];
		for (const [frame, code, text] of refusals) {
			const answer = await request(ana, frame, 'never');
			assert.equal(answer.type, 'error', JSON.stringify(frame));
			assert.equal(answer.code, code, JSON.stringify(frame));
			assert.match(String(answer.error), text);
			if (typeof frame.clientId === 'string') assert.equal(answer.clientId, frame.clientId, 'a refusal names the clientId, so the sender can settle it');
		}
		const unnamed = await request(stranger, {type: 'topic', room: 'ops', topic: 'who am I'}, 'never');
		assert.equal(unnamed.code, 'name_required');
		// Nothing changed: the room has no topic and no message.
		const {client: later} = await connectAs(broker.url, 'later3');
		const joined = await subscribe(later, 'ops');
		assert.equal('topic' in joined, false);
		assert.equal(joined.sequence, 0);
		later.close();
	} finally {
		closeAll(ana, stranger);
	}
});

test('topic frames count against the rate limit like every frame: a flood is refused with rate_limited and stores only what was allowed', async () => {
	const limited = await startBroker({rate: 2, burst: 3});
	const {client: ana} = await connectAs(limited.url, 'ana4');
	try {
		await subscribe(ana, 'flood');
		for (let i = 0; i < 20; i++) ana.send({type: 'topic', room: 'flood', topic: `t${i}`, clientId: `c${i}`});
		const refused = await ana.waitFor(f => f.type === 'error' && f.code === 'rate_limited');
		assert.equal(refused.room, 'flood');
		await new Promise(resolve => setTimeout(resolve, 300));
		const accepted = ana.frames.filter(f => f.type === 'published').length;
		assert.ok(accepted >= 1 && accepted <= 4, `${accepted} topic changes got through a burst of 3`);
	} finally {
		ana.close();
		await limited.close();
	}
});
