// Presence over real sockets: one member per user however many connections, leave on the last,
// the grace period after abnormal drops, clean goodbyes, heartbeat timeouts, and away/back.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import type {Broker, BrokerOptions} from '../source/broker/create-broker.js';
import {FrameClient, sleep, type Frame} from './helpers/frame-client.js';
import {startBroker} from './helpers/start-broker.js';
import {closeAll, connectAs, request, subscribe, sync} from './helpers/broker-session.js';

const presenceOf = (client: FrameClient, userId: string, action?: string): Frame[] =>
	client.frames.filter(f => f.type === 'presence' && f.userId === userId && (action === undefined || f.action === action));

const waitPresence = (client: FrameClient, userId: string, action: string, ms = 3000): Promise<Frame> =>
	client.waitFor(f => f.type === 'presence' && f.userId === userId && f.action === action, ms, `${action} of ${userId}`);

async function withBroker(options: BrokerOptions, body: (broker: Broker) => Promise<void>): Promise<void> {
	const broker = await startBroker(options);
	try {
		await body(broker);
	} finally {
		await broker.close();
	}
}

test('two connections of one user make one member: one join, listed once, and leave only when the last goes', async () => {
	await withBroker({graceMs: 5000}, async broker => {
		const {client: bo} = await connectAs(broker.url, 'bo');
		const {client: ana1, welcome} = await connectAs(broker.url, 'ana');
		const {client: ana2} = await connectAs(broker.url, 'ana', {resume: welcome.resume});
		try {
			await subscribe(bo, 'pair');
			await subscribe(ana1, 'pair');
			const join = await waitPresence(bo, 'ana', 'join');
			assert.equal(join.room, 'pair');
			assert.equal(typeof join.timestamp, 'number');
			const second = await subscribe(ana2, 'pair');
			assert.deepEqual(
				(second.members as Frame[]).filter(m => m.userId === 'ana'),
				[{userId: 'ana', status: 'online'}],
				'the user is listed once',
			);
			const who = await request(bo, {type: 'who', room: 'pair'}, 'members');
			assert.deepEqual((who.members as Frame[]).map(m => m.userId).sort(), ['ana', 'bo']);
			await sync(bo);
			assert.equal(presenceOf(bo, 'ana', 'join').length, 1, 'a second connection announces no second join');

			ana1.close();
			await ana1.closed();
			await sync(bo);
			assert.equal(presenceOf(bo, 'ana', 'leave').length, 0, 'one of two connections leaving is no leave');
			const still = await request(bo, {type: 'who', room: 'pair'}, 'members');
			assert.deepEqual((still.members as Frame[]).map(m => m.userId).sort(), ['ana', 'bo']);

			ana2.close();
			await waitPresence(bo, 'ana', 'leave', 1000);
			const after = await request(bo, {type: 'who', room: 'pair'}, 'members');
			assert.deepEqual(after.members, [{userId: 'bo', status: 'online'}]);
		} finally {
			closeAll(bo, ana1, ana2);
		}
	});
});

test('unsubscribing from a room announces leave and answers unsubscribed', async () => {
	await withBroker({}, async broker => {
		const {client: bo} = await connectAs(broker.url, 'bo');
		const {client: ana} = await connectAs(broker.url, 'ana');
		try {
			await subscribe(bo, 'unsub');
			await subscribe(ana, 'unsub');
			await waitPresence(bo, 'ana', 'join');
			const answer = await request(ana, {type: 'unsubscribe', room: 'unsub'}, 'unsubscribed');
			assert.equal(answer.type, 'unsubscribed');
			const leave = await waitPresence(bo, 'ana', 'leave');
			assert.equal(leave.room, 'unsub');
			bo.send({type: 'publish', room: 'unsub', content: 'after'});
			await bo.waitFor(f => f.type === 'message' && f.content === 'after');
			await sync(ana);
			assert.equal(ana.ofType('message').length, 0, 'an unsubscribed connection receives nothing more');
		} finally {
			closeAll(bo, ana);
		}
	});
});

test('an abrupt disconnect is announced as leave once the grace period has passed', async () => {
	await withBroker({graceMs: 200}, async broker => {
		const {client: bo} = await connectAs(broker.url, 'bo');
		const {client: ana} = await connectAs(broker.url, 'ana');
		try {
			await subscribe(bo, 'abrupt');
			await subscribe(ana, 'abrupt');
			await waitPresence(bo, 'ana', 'join');
			const dropped = Date.now();
			ana.kill();
			await waitPresence(bo, 'ana', 'leave', 3000);
			const waited = Date.now() - dropped;
			assert.ok(waited >= 150, `leave came after ${waited} ms, before the 200 ms grace period`);
		} finally {
			closeAll(bo, ana);
		}
	});
});

test('a user who resumes within the grace period causes no leave/join pair at all', async () => {
	await withBroker({graceMs: 300}, async broker => {
		const {client: bo} = await connectAs(broker.url, 'bo');
		const {client: ana, welcome} = await connectAs(broker.url, 'ana');
		let back: FrameClient | undefined;
		try {
			await subscribe(bo, 'resume');
			await subscribe(ana, 'resume');
			await waitPresence(bo, 'ana', 'join');
			ana.kill();
			({client: back} = await connectAs(broker.url, 'ana', {resume: welcome.resume}));
			const again = await subscribe(back, 'resume');
			assert.ok((again.members as Frame[]).some(m => m.userId === 'ana'));
			await sleep(500); // past the grace period of the dropped socket
			await sync(bo);
			assert.equal(presenceOf(bo, 'ana', 'leave').length, 0, 'no leave for a resumed user');
			assert.equal(presenceOf(bo, 'ana', 'join').length, 1, 'no second join for a resumed user');
			const who = await request(bo, {type: 'who', room: 'resume'}, 'members');
			assert.deepEqual((who.members as Frame[]).map(m => m.userId).sort(), ['ana', 'bo']);
			// The resumed connection is a full member: when it goes, the user leaves.
			back.close();
			await waitPresence(bo, 'ana', 'leave', 1000);
		} finally {
			closeAll(bo, ana, back);
		}
	});
});

test('a clean close (1000) or a bye leaves at once, well before the grace period', async () => {
	await withBroker({graceMs: 5000}, async broker => {
		const {client: bo} = await connectAs(broker.url, 'bo');
		const {client: ana} = await connectAs(broker.url, 'ana');
		const {client: cy} = await connectAs(broker.url, 'cy');
		const {client: di} = await connectAs(broker.url, 'di');
		try {
			await subscribe(bo, 'clean');
			for (const c of [ana, cy, di]) await subscribe(c, 'clean');
			await waitPresence(bo, 'di', 'join');

			ana.close(1000);
			await waitPresence(bo, 'ana', 'leave', 1000);

			// bye, then the process exits without a close handshake: still a clean goodbye.
			await new Promise<void>(resolve => cy.ws.send(JSON.stringify({type: 'bye'}), () => resolve()));
			cy.kill();
			await waitPresence(bo, 'cy', 'leave', 1000);

			// bye alone: the broker says goodbye itself and the user leaves at once.
			di.send({type: 'bye'});
			await waitPresence(bo, 'di', 'leave', 1000);
			assert.equal(await di.closed(1000), 1000);

			// The name is free again at once: nothing lingers for a clean goodbye.
			const {client: ana2} = await connectAs(broker.url, 'ana');
			ana2.close();
		} finally {
			closeAll(bo, ana, cy, di);
		}
	});
});

test('a connection that stops answering pings is terminated after the heartbeat timeout and others see it leave', async () => {
	await withBroker({heartbeatMs: 200, graceMs: 100}, async broker => {
		const {client: bo} = await connectAs(broker.url, 'bo');
		// autoPong: false makes this client deaf to pings, like a frozen process or a dead link.
		const deaf = await FrameClient.connect(broker.url, {autoPong: false});
		try {
			deaf.send({type: 'hello', userId: 'deaf'});
			const welcome = await deaf.waitFor(f => f.type === 'welcome');
			assert.equal(welcome.heartbeat, 200);
			await subscribe(bo, 'heartbeat');
			await subscribe(deaf, 'heartbeat');
			await waitPresence(bo, 'deaf', 'join');
			const started = Date.now();
			await deaf.closed(3000);
			const leave = await waitPresence(bo, 'deaf', 'leave', 3000);
			assert.equal(leave.room, 'heartbeat');
			const took = Date.now() - started;
			assert.ok(took < 2000, `a dead connection lingered ${took} ms`);
			// The live client answered every ping and is still served.
			assert.equal(bo.ws.readyState, bo.ws.OPEN);
			const members = await request(bo, {type: 'who', room: 'heartbeat'}, 'members');
			assert.deepEqual(members.members, [{userId: 'bo', status: 'online'}]);
		} finally {
			closeAll(bo, deaf);
		}
	});
});

test('the heartbeat pings every connection once per interval, spread over the interval instead of all at once', async () => {
	// 1 s interval: four ticks of 250 ms, each pinging the connections of its slice.
	await withBroker({heartbeatMs: 1000}, async broker => {
		const clients: FrameClient[] = [];
		const pings: number[][] = [];
		try {
			for (let i = 0; i < 8; i++) {
				const client = await FrameClient.connect(broker.url);
				const times: number[] = [];
				client.ws.on('ping', () => times.push(Date.now()));
				clients.push(client);
				pings.push(times);
			}
			await sleep(2700);
			for (const times of pings) {
				assert.ok(times.length >= 2, `pinged ${times.length} times in 2.7 s`);
				for (let i = 1; i < times.length; i++) {
					const gap = times[i]! - times[i - 1]!;
					assert.ok(gap > 700 && gap < 1500, `pings ${gap} ms apart, not one interval`);
				}
			}
			// Eight connections in a row fall into all four slices: their first pings span most of an interval.
			const firsts = pings.map(times => times[0]!);
			const spread = Math.max(...firsts) - Math.min(...firsts);
			assert.ok(spread >= 400, `the first pings all came within ${spread} ms`);
			// Each still answers, so none is dropped.
			for (const client of clients) assert.equal(client.ws.readyState, client.ws.OPEN);
		} finally {
			closeAll(...clients);
		}
	});
});

test('a slice larger than one turn of pings still reaches every connection in it', async () => {
	// 200 ms: one slice holding all 150 connections, pinged in runs of 64 with I/O between.
	await withBroker({heartbeatMs: 200}, async broker => {
		const clients: FrameClient[] = [];
		const pings: number[] = [];
		try {
			for (let i = 0; i < 150; i++) {
				const client = await FrameClient.connect(broker.url);
				pings.push(0);
				client.ws.on('ping', () => (pings[i] = pings[i]! + 1));
				clients.push(client);
			}
			await sleep(1000);
			const missed = pings.flatMap((count, i) => (count < 2 ? [i] : []));
			assert.deepEqual(missed, [], `connections pinged fewer than twice in five intervals`);
			for (const client of clients) assert.equal(client.ws.readyState, client.ws.OPEN);
		} finally {
			closeAll(...clients);
		}
	});
});

test('status frames announce away and back once per user, and members show each status', async () => {
	await withBroker({}, async broker => {
		const {client: bo} = await connectAs(broker.url, 'bo');
		const {client: ana1, welcome} = await connectAs(broker.url, 'ana');
		const {client: ana2} = await connectAs(broker.url, 'ana', {resume: welcome.resume});
		try {
			await subscribe(bo, 'status');
			await subscribe(ana1, 'status');
			await subscribe(ana2, 'status');
			await waitPresence(bo, 'ana', 'join');

			// One of two connections idle: the user is still online, so nothing is announced.
			ana1.send({type: 'status', status: 'away', reason: 'idle'});
			await sync(ana1);
			await sync(bo);
			assert.equal(presenceOf(bo, 'ana', 'away').length, 0);

			ana2.send({type: 'status', status: 'away', reason: 'idle'});
			const away = await waitPresence(bo, 'ana', 'away');
			assert.equal(away.status, 'away');
			assert.equal(away.reason, 'idle');
			assert.equal(away.room, 'status');
			const who = await request(bo, {type: 'who', room: 'status'}, 'members');
			assert.deepEqual(
				(who.members as Frame[]).find(m => m.userId === 'ana'),
				{userId: 'ana', status: 'away', reason: 'idle'},
			);

			// A newcomer's subscribed lists everyone with their status.
			const {client: cy} = await connectAs(broker.url, 'cy');
			const seen = await subscribe(cy, 'status');
			const byName = new Map((seen.members as Frame[]).map(m => [m.userId, m]));
			assert.equal(byName.get('ana')?.status, 'away');
			assert.equal(byName.get('bo')?.status, 'online');
			assert.equal(byName.get('cy')?.status, 'online');
			assert.equal(byName.size, 3);
			cy.close();

			ana1.send({type: 'status', status: 'online'});
			const back = await waitPresence(bo, 'ana', 'back');
			assert.equal(back.status, 'online');
			ana2.send({type: 'status', status: 'online'});
			await sync(ana2);
			await sync(bo);
			assert.equal(presenceOf(bo, 'ana', 'back').length, 1, 'already online: no second back');

			// A connection that went away before subscribing joins as away.
			const {client: di} = await connectAs(broker.url, 'di');
			di.send({type: 'status', status: 'away', reason: 'lunch'});
			await subscribe(di, 'status');
			const join = await waitPresence(bo, 'di', 'join');
			assert.equal(join.status, 'away');
			assert.equal(join.reason, 'lunch');
			di.close();
		} finally {
			closeAll(bo, ana1, ana2);
		}
	});
});
