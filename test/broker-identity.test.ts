// Identity over real sockets: a connection's name is bound once and never changes, a held name
// cannot be taken without its resume token, and a name is free again once its holder is gone.
import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import type {Broker} from '../source/broker/create-broker.js';
import {FrameClient, sleep} from './helpers/frame-client.js';
import {startBroker} from './helpers/start-broker.js';
import {closeAll, connectAs, nameKeyOf, request, subscribe, sync} from './helpers/broker-session.js';

let broker: Broker;
before(async () => {
	broker = await startBroker({graceMs: 300});
});
after(async () => {
	await broker.close();
});

test('the first subscribe binds the name; later userId and sender fields are ignored', async () => {
	const ana = await FrameClient.connect(broker.url);
	try {
		await subscribe(ana, 'id-sub', {userId: 'ana-s'});
		ana.send({type: 'publish', room: 'id-sub', sender: 'mallory', content: 'who am i'});
		const message = await ana.waitFor(f => f.type === 'message' && f.content === 'who am i');
		assert.equal(message.sender, 'ana-s', 'the message carries the bound name, not the sender field');
		const second = await subscribe(ana, 'id-sub-2', {userId: 'eve'});
		assert.deepEqual(second.members, [{userId: 'ana-s', status: 'online'}]);
		ana.send({type: 'hello', userId: 'zed'});
		const welcome = await ana.waitFor(f => f.type === 'welcome');
		assert.equal(welcome.userId, 'ana-s', 'a later hello cannot rename the connection');
	} finally {
		closeAll(ana);
	}
});

test('hello binds the name; a later subscribe userId does not change it', async () => {
	const {client: bo} = await connectAs(broker.url, 'bo-h');
	const {client: ana, welcome} = await connectAs(broker.url, 'ana-h');
	try {
		assert.equal(welcome.userId, 'ana-h');
		assert.equal(typeof welcome.resume, 'string');
		assert.equal(welcome.admin, false);
		await subscribe(bo, 'id-hello');
		await subscribe(ana, 'id-hello', {userId: 'eve'});
		const join = await bo.waitFor(f => f.type === 'presence' && f.action === 'join' && f.userId !== 'bo-h');
		assert.equal(join.userId, 'ana-h');
	} finally {
		closeAll(bo, ana);
	}
});

test('a seed client that publishes before subscribing is named by the sender of that first publish', async () => {
	const {client: bo} = await connectAs(broker.url, 'bo-p');
	const seed = await FrameClient.connect(broker.url);
	try {
		await subscribe(bo, 'id-pub');
		seed.send({type: 'publish', room: 'id-pub', sender: 'seedling', content: 'first words'});
		const message = await bo.waitFor(f => f.type === 'message' && f.content === 'first words');
		assert.equal(message.sender, 'seedling');
		seed.send({type: 'publish', room: 'id-pub', sender: 'somebody-else', content: 'second words'});
		assert.equal((await bo.waitFor(f => f.type === 'message' && f.content === 'second words')).sender, 'seedling');
		await subscribe(seed, 'id-pub', {userId: 'another'});
		const join = await bo.waitFor(f => f.type === 'presence' && f.action === 'join' && f.userId !== 'bo-p');
		assert.equal(join.userId, 'seedling');
	} finally {
		closeAll(bo, seed);
	}
});

test('a name held by a live connection is refused with name_taken by hello, subscribe and publish alike', async () => {
	const {client: holder} = await connectAs(broker.url, 'taken');
	const {client: bo} = await connectAs(broker.url, 'bo-t');
	const thief = await FrameClient.connect(broker.url);
	try {
		await subscribe(bo, 'id-taken');
		thief.send({type: 'hello', userId: 'taken'});
		const byHello = await thief.waitFor(f => f.type === 'error');
		assert.equal(byHello.code, 'name_taken');
		assert.match(String(byHello.error), /in use/);

		const bySubscribe = await request(thief, {type: 'subscribe', room: 'id-taken', userId: 'taken'}, 'subscribed');
		assert.equal(bySubscribe.code, 'name_taken');
		assert.equal(bySubscribe.room, 'id-taken');

		const byPublish = await request(thief, {type: 'publish', room: 'id-taken', sender: 'taken', content: 'impostor', clientId: 'c1'}, 'published');
		assert.equal(byPublish.code, 'name_taken');
		assert.equal(byPublish.clientId, 'c1');

		// The refused connection is still usable under a name of its own.
		thief.send({type: 'hello', userId: 'honest'});
		assert.equal((await thief.next(f => f.type === 'welcome')).userId, 'honest');
		await sync(bo);
		assert.equal(bo.frames.some(f => f.content === 'impostor'), false, 'the impostor message reached the room');
		assert.equal(bo.frames.some(f => f.type === 'presence' && f.userId === 'taken'), false);
	} finally {
		closeAll(holder, bo, thief);
	}
});

test('the resume token from welcome lets a second connection take the same name; a wrong token does not', async () => {
	const {client: first, welcome} = await connectAs(broker.url, 'tokened');
	const second = await FrameClient.connect(broker.url);
	const third = await FrameClient.connect(broker.url);
	try {
		third.send({type: 'hello', userId: 'tokened', resume: `${String(welcome.resume)}x`});
		const refused = await third.waitFor(f => f.type === 'error');
		assert.equal(refused.code, 'name_taken');

		second.send({type: 'hello', userId: 'tokened', resume: welcome.resume});
		const accepted = await second.waitFor(f => f.type === 'welcome');
		assert.equal(accepted.userId, 'tokened');
		assert.equal(accepted.resume, welcome.resume, 'one session, one token');
	} finally {
		closeAll(first, second, third);
	}
});

test('a frame that needs a name on an unnamed connection is refused with name_required', async () => {
	const anon = await FrameClient.connect(broker.url);
	try {
		const publish = await request(anon, {type: 'publish', room: 'id-anon', content: 'hi', clientId: 'a1'}, 'published');
		assert.equal(publish.code, 'name_required');
		assert.equal(publish.room, 'id-anon');
		assert.equal(publish.clientId, 'a1');
		const subscribeFrame = await request(anon, {type: 'subscribe', room: 'id-anon'}, 'subscribed');
		assert.equal(subscribeFrame.code, 'name_required');
		const history = await request(anon, {type: 'get_history', room: 'id-anon'}, 'history');
		assert.equal(history.code, 'name_required');
		const who = await request(anon, {type: 'who', room: 'id-anon'}, 'members');
		assert.equal(who.code, 'name_required');
		const dm = await request(anon, {type: 'publish', room: '@someone', content: 'hi'}, 'message');
		assert.equal(dm.code, 'name_required');
	} finally {
		closeAll(anon);
	}
});

test('a name is free again once its holder closed cleanly, and after the grace period of an abrupt drop', async () => {
	const {client: clean} = await connectAs(broker.url, 'freed');
	clean.close();
	await clean.closed();
	const {client: next} = await connectAs(broker.url, 'freed');
	next.close();

	const {client: dropped} = await connectAs(broker.url, 'ghost');
	dropped.kill();
	// From another address: a tokenless reconnect from the dropped one's address takes the session over.
	const during = await FrameClient.connect(broker.url, {localAddress: '127.0.0.2'});
	const key = nameKeyOf(broker.url, 'ghost');
	try {
		await sleep(50); // let the broker notice the drop
		during.send({type: 'hello', userId: 'ghost', key});
		const held = await during.waitFor(f => f.type === 'error' || f.type === 'welcome');
		assert.equal(held.code, 'name_taken', 'a dropped connection holds its name through the grace period');
		await sleep(450);
		during.send({type: 'hello', userId: 'ghost', key});
		const free = await during.next(f => f.type === 'welcome' || f.type === 'error');
		assert.equal(free.type, 'welcome', 'the name is free once the grace period is over');
	} finally {
		closeAll(during);
	}
});
