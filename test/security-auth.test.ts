// Authenticated mode: identities come from HS256 tokens checked at the handshake, and the
// authorisation matrix of SECURITY.md holds cell by cell.
import {after, before, describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {SignJWT} from 'jose';
import WebSocket from 'ws';
import type {Broker} from '../source/broker/create-broker.js';
import {signToken} from '../source/auth/tokens.js';
import {FrameClient, type Frame} from './helpers/frame-client.js';
import {recordClient} from './helpers/client-events.js';
import {startBroker} from './helpers/start-broker.js';

const SECRET = 'a-test-secret-that-is-long-enough';
let broker: Broker;
const open: FrameClient[] = [];
before(async () => {
	broker = await startBroker({secret: SECRET});
});
after(async () => {
	for (const c of open) c.kill();
	await broker.close();
});

async function as(name: string, admin = false): Promise<FrameClient> {
	const token = await signToken(SECRET, name, {admin, ttlSeconds: 60});
	const client = await FrameClient.connect(broker.url, {headers: {authorization: `Bearer ${token}`}});
	open.push(client);
	return client;
}

/** The HTTP status of a refused handshake. */
function handshakeStatus(headers: Record<string, string>): Promise<number> {
	return new Promise((resolve, reject) => {
		const ws = new WebSocket(broker.url, {headers});
		ws.once('unexpected-response', (_request, response) => {
			resolve(response.statusCode ?? 0);
			ws.terminate();
		});
		ws.once('open', () => {
			ws.terminate();
			reject(new Error('the handshake was accepted'));
		});
		ws.once('error', () => {});
	});
}

/** Send a frame and wait for the answer of `type` or an error about the same room. */
function ask(client: FrameClient, frame: Record<string, unknown>, type: string): Promise<Frame> {
	const answer = client.next(f => (f.type === type || f.type === 'error') && (f.room === undefined || f.room === frame.room), 3000, type);
	client.send(frame);
	return answer;
}

describe('tokens at the handshake', () => {
	test('a connection without a token is refused with 401 before any WebSocket exists', async () => {
		assert.equal(await handshakeStatus({}), 401);
	});
	test('an expired token is refused with 401', async () => {
		const expired = await new SignJWT({}).setProtectedHeader({alg: 'HS256'}).setSubject('old').setExpirationTime(Math.floor(Date.now() / 1000) - 10).sign(new TextEncoder().encode(SECRET));
		assert.equal(await handshakeStatus({authorization: `Bearer ${expired}`}), 401);
	});
	test('a token signed with another secret is refused with 401', async () => {
		const forged = await signToken('some-other-secret-entirely', 'mallory', {ttlSeconds: 60});
		assert.equal(await handshakeStatus({authorization: `Bearer ${forged}`}), 401);
	});
	test('an unsigned token (alg none) is refused with 401', async () => {
		const header = Buffer.from(JSON.stringify({alg: 'none', typ: 'JWT'})).toString('base64url');
		const payload = Buffer.from(JSON.stringify({sub: 'mallory', exp: Math.floor(Date.now() / 1000) + 60})).toString('base64url');
		assert.equal(await handshakeStatus({authorization: `Bearer ${header}.${payload}.`}), 401);
	});
	test('the client core shows auth failed and stops retrying', async () => {
		const forged = await signToken('some-other-secret-entirely', 'mallory', {ttlSeconds: 60});
		const mallory = recordClient({urls: [broker.url], name: 'mallory', rooms: ['x'], token: forged});
		try {
			const status = await mallory.waitFor(e => e.type === 'status' && e.status.state === 'auth_failed');
			assert.ok(status.type === 'status' && status.status.state === 'auth_failed' && /401/.test(status.status.reason));
			await new Promise(resolve => setTimeout(resolve, 400));
			assert.equal(mallory.events.filter(e => e.type === 'status' && e.status.state === 'connecting').length, 1, 'no retry after auth failed');
		} finally {
			await mallory.client.close(0);
		}
	});
});

describe('identity comes only from the token', () => {
	test('userId and sender fields cannot change who a message is from', async () => {
		const ana = await as('ana');
		ana.send({type: 'hello', userId: 'bo'});
		const welcome = await ana.waitFor(f => f.type === 'welcome');
		assert.equal(welcome.userId, 'ana');
		ana.send({type: 'subscribe', room: 'who-am-i', userId: 'bo'});
		await ana.waitFor(f => f.type === 'subscribed');
		ana.send({type: 'publish', room: 'who-am-i', sender: 'bo', content: 'it was me'});
		const message = await ana.waitFor(f => f.type === 'message');
		assert.equal(message.sender, 'ana');
	});
	test('several connections of one user are allowed and count once', async () => {
		const first = await as('twin');
		const second = await as('twin');
		first.send({type: 'subscribe', room: 'twins'});
		await first.waitFor(f => f.type === 'subscribed');
		second.send({type: 'subscribe', room: 'twins'});
		const subscribed = await second.waitFor(f => f.type === 'subscribed');
		assert.deepEqual((subscribed.members as Frame[]).map(m => m.userId), ['twin']);
		assert.equal(first.ofType('presence').filter(f => f.action === 'join').length, 1);
	});
});

describe('the authorisation matrix', () => {
	const room = 'matrix';
	let member: FrameClient;
	let outsider: FrameClient;
	let admin: FrameClient;
	before(async () => {
		member = await as('member');
		outsider = await as('outsider');
		admin = await as('boss', true);
		member.send({type: 'subscribe', room});
		await member.waitFor(f => f.type === 'subscribed');
	});

	test('subscribe: non-member yes, member yes, admin yes', async () => {
		const probe = await as('prober');
		assert.equal((await ask(probe, {type: 'subscribe', room: 'matrix-sub'}, 'subscribed')).type, 'subscribed');
		assert.equal((await ask(member, {type: 'subscribe', room}, 'subscribed')).type, 'subscribed');
		assert.equal((await ask(admin, {type: 'subscribe', room: 'matrix-admin-sub'}, 'subscribed')).type, 'subscribed');
	});
	test('publish: non-member forbidden, member yes, admin yes', async () => {
		const refused = await ask(outsider, {type: 'publish', room, content: 'let me in', clientId: 'o1'}, 'published');
		assert.equal(refused.code, 'forbidden');
		assert.equal((await ask(member, {type: 'publish', room, content: 'hi', clientId: 'm1'}, 'published')).type, 'published');
		assert.equal((await ask(admin, {type: 'publish', room, content: 'notice', clientId: 'a1'}, 'published')).type, 'published');
		assert.equal(member.ofType('message').some(f => f.content === 'let me in'), false);
	});
	test('history: non-member forbidden, member yes, admin yes', async () => {
		assert.equal((await ask(outsider, {type: 'get_history', room}, 'history')).code, 'forbidden');
		assert.equal((await ask(member, {type: 'get_history', room}, 'history')).type, 'history');
		assert.equal((await ask(admin, {type: 'get_history', room}, 'history')).type, 'history');
	});
	test('presence (who): non-member forbidden, member yes, admin yes', async () => {
		assert.equal((await ask(outsider, {type: 'who', room}, 'members')).code, 'forbidden');
		assert.equal((await ask(member, {type: 'who', room}, 'members')).type, 'members');
		assert.equal((await ask(admin, {type: 'who', room}, 'members')).type, 'members');
	});
	test('clear_history: non-member forbidden, member forbidden, admin yes', async () => {
		assert.equal((await ask(outsider, {type: 'clear_history', room}, 'history_cleared')).code, 'forbidden');
		assert.equal((await ask(member, {type: 'clear_history', room}, 'history_cleared')).code, 'forbidden');
		assert.equal((await ask(admin, {type: 'clear_history', room}, 'history_cleared')).type, 'history_cleared');
	});
	test('a direct conversation is readable, subscribable and fetchable only by its two parties', async () => {
		const ana = await as('dm-ana');
		const bo = await as('dm-bo');
		const eve = await as('dm-eve');
		ana.send({type: 'publish', room: '@dm-bo', content: 'for bo only', clientId: 'd1'});
		await bo.waitFor(f => f.type === 'message' && f.content === 'for bo only');
		const eveHistory = await ask(eve, {type: 'get_history', room: '@dm-bo'}, 'history');
		assert.equal((eveHistory.messages as Frame[] | undefined)?.some(m => m.content === 'for bo only') ?? false, false);
		const eveSub = await ask(eve, {type: 'subscribe', room: '@dm-ana', since: 0}, 'subscribed');
		assert.equal(eveSub.sequence, 0, 'eve sees her own (empty) conversation with ana, not ana and bo');
		const boHistory = await ask(bo, {type: 'get_history', room: '@dm-ana'}, 'history');
		assert.deepEqual((boHistory.messages as Frame[]).map(m => m.content), ['for bo only']);
		assert.equal(eve.ofType('message').length, 0);
	});
});
