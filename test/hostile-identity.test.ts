// Attacks on who is who (issue 16, findings 8-11), each reproduced against a real broker
// process: readers hidden from presence, a name's DMs handed to its next holder, look-alike
// names, raw terminal controls in --json output. The seed's reconnect: seed-reconnect.test.ts.
import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs';
import {createServer, connect, type AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {signToken} from '../source/auth/tokens.js';
import {memoryNameKeyStore} from '../source/broker/engines/name-key-store.js';
import {NameKeys} from '../source/broker/name-keys.js';
import {startBrokerProcess, type BrokerProcess} from './helpers/broker-process.js';
import {closeAll, connectAs, request, subscribe, sync} from './helpers/broker-session.js';
import {FrameClient, sleep, type Frame} from './helpers/frame-client.js';
import {startJsonProcess} from './helpers/json-process.js';

const brokers: BrokerProcess[] = [];
async function broker(args: string[] = [], env?: NodeJS.ProcessEnv): Promise<BrokerProcess> {
	const started = await startBrokerProcess({args, ...(env === undefined ? {} : {env})});
	brokers.push(started);
	return started;
}
after(async () => {
	await Promise.all(brokers.map(b => b.stop()));
});

/**
 * One address in front of whichever broker process is current, so clients keep one URL (the
 * CLI keeps keys by broker URL) across a restart on another port.
 */
async function stableAddress(): Promise<{url: string; target(port: number): void; close(): Promise<void>}> {
	let targetPort = 0;
	const server = createServer(socket => {
		const upstream = connect(targetPort, '127.0.0.1');
		socket.pipe(upstream).pipe(socket);
		const drop = (): void => {
			socket.destroy();
			upstream.destroy();
		};
		socket.on('error', drop).on('close', drop);
		upstream.on('error', drop).on('close', drop);
	});
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
		target(port) {
			targetPort = port;
		},
		close: () => new Promise(resolve => server.close(() => resolve())),
	};
}

/** Say hello as `userId` and resolve with the answer: `welcome` or an `error`. */
async function hello(url: string, userId: string, extra: Record<string, unknown> = {}, options?: {localAddress: string}): Promise<{client: FrameClient; answer: Frame}> {
	const client = await FrameClient.connect(url, options);
	client.send({type: 'hello', userId, ...extra});
	const answer = await client.next(f => f.type === 'welcome' || f.type === 'error', 10_000, `the answer to hello as ${userId}`);
	return {client, answer};
}

/** A DM from `from` to `to` (both connected with hello), acknowledged. */
async function dm(from: FrameClient, to: string, content: string): Promise<void> {
	const answer = await request(from, {type: 'publish', room: `@${to}`, content, clientId: randomBytes(6).toString('hex')}, 'published');
	assert.equal(answer.type, 'published', JSON.stringify(answer));
}

test('16.8: under --secret, a connection reading a room through a named view only is a member in who and presence', async () => {
	const secret = randomBytes(32).toString('base64url');
	const b = await broker([], {...process.env, NATTER_SECRET: secret});
	const as = async (name: string): Promise<FrameClient> => {
		const token = await signToken(secret, name, {ttlSeconds: 60});
		return FrameClient.connect(b.url, {headers: {authorization: `Bearer ${token}`}});
	};
	const ana = await as('ana');
	const lurker = await as('lurker');
	try {
		await subscribe(ana, 'ops');
		// The attack: only a named view (`sub`), which reads history and live messages.
		const joined = ana.next(f => f.type === 'presence' && f.userId === 'lurker', 3000, 'the lurker joining');
		await subscribe(lurker, 'ops', {sub: 'quiet', filter: 'content ~ /deploy/'});
		assert.equal((await joined).action, 'join', 'a reader through a named view is announced');
		const members = await request(ana, {type: 'who', room: 'ops'}, 'members');
		assert.deepEqual((members.members as Array<{userId: string}>).map(m => m.userId).sort(), ['ana', 'lurker']);

		// A second view and a plain subscription change nothing: one member, one join.
		await subscribe(lurker, 'ops', {sub: 'loud'});
		await subscribe(lurker, 'ops');
		await sync(ana);
		assert.equal(ana.frames.filter(f => f.type === 'presence' && f.userId === 'lurker').length, 1);

		// Leaving through every view, one by one: the leave comes with the last.
		await request(lurker, {type: 'unsubscribe', room: 'ops'}, 'unsubscribed');
		await request(lurker, {type: 'unsubscribe', room: 'ops', sub: 'loud'}, 'unsubscribed');
		await sync(ana);
		assert.equal(ana.frames.filter(f => f.type === 'presence' && f.userId === 'lurker' && f.action === 'leave').length, 0, 'still reading through "quiet"');
		const left = ana.next(f => f.type === 'presence' && f.userId === 'lurker' && f.action === 'leave', 3000, 'the lurker leaving');
		await request(lurker, {type: 'unsubscribe', room: 'ops', sub: 'quiet'}, 'unsubscribed');
		await left;
		const after = await request(ana, {type: 'who', room: 'ops'}, 'members');
		assert.deepEqual((after.members as Array<{userId: string}>).map(m => m.userId), ['ana']);

		// A connection that closes while reading only through a view leaves too.
		await subscribe(lurker, 'ops', {sub: 'quiet'});
		const gone = ana.next(f => f.type === 'presence' && f.userId === 'lurker' && f.action === 'leave', 3000, 'the lurker leaving on close');
		lurker.close();
		await gone;
	} finally {
		closeAll(ana, lurker);
	}
});

test('16.9: in open mode eve, taking the name bob after bob left, can neither read nor receive alice\'s DMs to bob, nor ack in his name', async () => {
	const b = await broker();
	const {client: alice} = await connectAs(b.url, 'alice');
	const {client: bob, welcome} = await connectAs(b.url, 'bob');
	assert.equal(typeof welcome.key, 'string', 'the first hello of a name is issued its key');
	await dm(alice, 'bob', 'the door code is 4711');
	bob.close();
	await bob.closed();

	const eves = [
		await hello(b.url, 'bob'),
		await hello(b.url, 'bob', {key: 'guessed-key'}),
	];
	// A seed-style client names itself in subscribe, and would read `@alice` straight away.
	const seedEve = await FrameClient.connect(b.url);
	try {
		for (const {answer} of eves) {
			assert.equal(answer.code, 'name_taken', JSON.stringify(answer));
			assert.match(String(answer.error), /kept for the person who used it before/);
		}
		seedEve.send({type: 'subscribe', room: '@alice', userId: 'bob'});
		const refused = await seedEve.next(f => f.type === 'error' || f.type === 'subscribed');
		assert.equal(refused.code, 'name_taken');
		seedEve.send({type: 'get_history', room: '@alice'});
		assert.equal((await seedEve.next(f => f.type === 'error' || f.type === 'history')).code, 'name_required');
		seedEve.send({type: 'ack', room: '@alice', sequence: 1});
		assert.equal((await seedEve.next(f => f.type === 'error')).code, 'not_subscribed', 'no cursor moves in bob\'s name');

		// alice's next DM reaches no one but bob, and bob (with his key) reads the conversation.
		await dm(alice, 'bob', 'and the alarm is off');
		const {client: bobAgain, welcome: again} = await connectAs(b.url, 'bob', {key: welcome.key});
		assert.equal(again.key, undefined, 'a name already kept is issued no new key');
		const history = await request(bobAgain, {type: 'get_history', room: '@alice'}, 'history');
		assert.deepEqual((history.messages as Frame[]).map(m => m.content), ['the door code is 4711', 'and the alarm is off']);
		closeAll(bobAgain);
		for (const {client} of eves) await sync(client);
		assert.equal([...eves.flatMap(e => e.client.frames), ...seedEve.frames].filter(f => f.type === 'message').length, 0, 'eve received no DM');
	} finally {
		closeAll(alice, seedEve, ...eves.map(e => e.client));
	}
});

test('16.9: with --data, a kept name stays its owner\'s across a restart, and the natter CLI keeps its key in the config directory (0600)', async t => {
	const dir = mkdtempSync(join(tmpdir(), 'natter-kept-'));
	t.after(() => rmSync(dir, {recursive: true, force: true}));
	const config = join(dir, 'config');
	const args = ['--data', join(dir, 'rooms.db')];
	const front = await stableAddress();
	t.after(() => front.close());
	let b = await broker(args);
	front.target(Number(new URL(b.url).port));
	const url = front.url;

	// bob is the real CLI, with its own config directory.
	const env = {XDG_CONFIG_HOME: config};
	const bobCli = startJsonProcess(['--url', url, '--name', 'bob', '--room', 'general'], env);
	await bobCli.waitFor(line => line.type === 'joined' && line.room === 'general', 15_000, 'bob joined');
	bobCli.end();
	assert.equal(await bobCli.exited, 0);
	const file = join(config, 'natter', 'name-keys.json');
	assert.equal(statSync(file).mode & 0o777, 0o600, 'only its owner can read the key file');
	const keys = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
	assert.equal(typeof keys[`${url} bob`], 'string', 'the key is kept by broker URL and name');

	const {client: alice} = await connectAs(url, 'alice');
	await dm(alice, 'bob', 'payroll runs tonight');
	alice.close();
	await b.stop();
	b = await broker(args);
	front.target(Number(new URL(b.url).port));

	const eve = await hello(url, 'bob');
	const tried: FrameClient[] = [eve.client];
	try {
		assert.equal(eve.answer.code, 'name_taken', 'the kept name survived the restart');
		// bob's key from his file still opens his stored conversation...
		const {client: bobRaw} = await connectAs(url, 'bob', {key: keys[`${url} bob`]});
		tried.push(bobRaw);
		const history = await request(bobRaw, {type: 'get_history', room: '@alice'}, 'history');
		assert.deepEqual((history.messages as Frame[]).map(m => m.content), ['payroll runs tonight']);
		bobRaw.close();
		await bobRaw.closed();
		// ...and bob's CLI comes back with it and receives alice's next DM live.
		const back = startJsonProcess(['--url', url, '--name', 'bob', '--room', 'general'], env);
		await back.waitFor(l => l.type === 'joined' && l.room === 'general', 15_000, 'bob joined again');
		const {client: aliceAgain} = await connectAs(url, 'alice');
		tried.push(aliceAgain);
		await dm(aliceAgain, 'bob', 'see you there');
		await back.waitFor(l => l.type === 'message' && l.room === '@alice' && l.content === 'see you there', 15_000, 'the DM to bob');
		// What he had not acknowledged came first: delivered when he connected (welcome.unread).
		assert.deepEqual(back.lines.filter(l => l.type === 'message').map(l => l.content), ['payroll runs tonight', 'see you there']);
		back.end();
		assert.equal(await back.exited, 0);
	} finally {
		closeAll(...tried);
	}
});

test('16.9: a kept name unused for longer than the keep period is released to the next hello', async () => {
	let now = 1_000_000;
	const day = 24 * 3600 * 1000;
	const keys = new NameKeys(memoryNameKeyStore(), {keepMs: 30 * day, maxKept: 10, now: () => now});
	const first = await keys.claim('bob', undefined, true);
	assert.ok(first.ok && first.issued !== undefined);
	now += 29 * day;
	assert.equal((await keys.claim('bob', undefined, true)).ok, false, 'kept for 30 days');
	await keys.used('bob'); // a connection of bob closed now: 30 more days
	now += 29 * day;
	assert.equal((await keys.claim('Bob', undefined, true)).ok, false, 'a look-alike is refused too');
	now += 2 * day;
	const next = await keys.claim('bob', undefined, true);
	assert.ok(next.ok && next.issued !== undefined && next.issued !== first.issued, 'released after 30 unused days, with a new key');
});

test('16.9: past --max-kept-names new names go unkept; --keep-names 0 keeps none', async () => {
	const b = await broker(['--max-kept-names', '2']);
	const {client: one, welcome: first} = await connectAs(b.url, 'one');
	const {client: two, welcome: second} = await connectAs(b.url, 'two');
	const {client: three, welcome: third} = await connectAs(b.url, 'three');
	try {
		assert.equal(typeof first.key, 'string');
		assert.equal(typeof second.key, 'string');
		assert.equal(third.key, undefined, 'the third name is used but not kept');
	} finally {
		closeAll(one, two, three);
	}
	await sleep(100);
	const again = await hello(b.url, 'three');
	closeAll(again.client);
	assert.equal(again.answer.type, 'welcome', 'an unkept name is free once its user left');

	const unkept = await broker(['--keep-names', '0']);
	const {client, welcome} = await connectAs(unkept.url, 'free');
	assert.equal(welcome.key, undefined, '--keep-names 0 keeps no name');
	closeAll(client);
});

test('16.10: names that look alike are one name: each look-alike of a name in use or kept is name_taken, invisible marks are refused', async () => {
	const b = await broker();
	const {client: bob} = await connectAs(b.url, 'bob');
	const {client: jose} = await connectAs(b.url, 'jos\u00e9');
	const tried: FrameClient[] = [];
	try {
		const lookalikes = ['Bob', 'BOB', 'b\u043eb' /* Cyrillic о */, '\uff42\uff4f\uff42' /* fullwidth */, 'b0b', 'jose\u0301' /* NFD */, 'JOS\u00c9'];
		const check = async (when: string): Promise<void> => {
			for (const name of lookalikes) {
				const {client, answer} = await hello(b.url, name);
				tried.push(client);
				assert.equal(answer.code, 'name_taken', `${JSON.stringify(name)} ${when}: ${JSON.stringify(answer)}`);
			}
		};
		await check('while in use');
		// Named in subscribe, as the seed's clients do: the same.
		const seed = await FrameClient.connect(b.url);
		tried.push(seed);
		seed.send({type: 'subscribe', room: 'general', userId: 'B\u043eb'});
		assert.equal((await seed.next(f => f.type === 'error' || f.type === 'subscribed')).code, 'name_taken');

		bob.close();
		jose.close();
		await Promise.all([bob.closed(), jose.closed()]);
		await check('while kept for its owner');

		for (const invisible of ['b\u{16FE4}ob', 'b\u200dob', 'b\u00adob', 'b\u3164ob', 'b\u{e0062}ob']) {
			const {client, answer} = await hello(b.url, invisible);
			tried.push(client);
			assert.equal(answer.type, 'error', `${JSON.stringify(invisible)} was accepted`);
			assert.match(String(answer.error), /invisible/);
		}
		// The displayed name stays as typed.
		const {client: cyr, welcome} = await connectAs(b.url, 'Zo\u00eb');
		tried.push(cyr);
		assert.equal(welcome.userId, 'Zo\u00eb');
	} finally {
		closeAll(bob, jose, ...tried);
	}
});

test('16.11: a --json client receiving U+009B, U+009D and U+202E prints them as \\u escapes, never raw', async () => {
	const b = await broker();
	const bot = startJsonProcess(['--url', b.url, '--name', 'bot', '--room', 'ops']);
	let raw = '';
	bot.child.stdout.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
	const {client: mallory} = await connectAs(b.url, 'mallory');
	try {
		await bot.waitFor(line => line.type === 'joined' && line.room === 'ops', 15_000, 'the bot joined');
		await subscribe(mallory, 'ops');
		const content = 'evil\u009b2J\u009d0;title\u0007 \u202egnp.exe \u2066x\u2069 \u0085';
		await request(mallory, {type: 'publish', room: 'ops', content, clientId: 'c1'}, 'published');
		const line = await bot.waitFor(l => l.type === 'message' && l.room === 'ops', 10_000, 'the message');
		assert.equal(line.content, content, 'the JSON value is unchanged');
		assert.doesNotMatch(raw, /[\u0080-\u009f\u202a-\u202e\u2066-\u2069]/u, 'no raw C1 or bidi control on stdout');
		assert.match(raw, /evil\\u009b2J\\u009d0;title\\u0007 \\u202egnp\.exe \\u2066x\\u2069 \\u0085/);
	} finally {
		closeAll(mallory);
		bot.end();
		await bot.exited;
	}
});
