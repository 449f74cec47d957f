// A big room on the Redis engine: every join lists the room (the seed's `subscribed.members`),
// so a burst of joins must not turn into a burst of whole-room listings queued on the one
// shared Redis (that timed out past ~600 members at 200 joins in flight). Real broker, real
// Redis, real sockets; skips loudly when no Redis answers.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import {createRedisEngine} from '../source/broker/engines/redis/redis-engine.js';
import {REDIS_SKIP, deleteKeys, findRedis, uniquePrefix} from './helpers/redis.js';
import {startBroker} from './helpers/start-broker.js';

const url = await findRedis();
const CLIENTS = 800;
const IN_FLIGHT = 200;

test(`${CLIENTS} clients joining one Redis-backed room at once are all subscribed, each listed with everyone who joined before it`, {skip: url ? false : REDIS_SKIP, timeout: 120_000}, async t => {
	const prefix = uniquePrefix();
	const broker = await startBroker({engine: createRedisEngine(url!, {prefix}), maxConnectionsPerIp: 10_000});
	const sockets: WebSocket[] = [];
	t.after(async () => {
		for (const ws of sockets) ws.terminate();
		await broker.close();
		await deleteKeys(url!, prefix);
	});

	/** Connect, subscribe, and resolve with the members listed in `subscribed` (presence frames are only counted). */
	const join = (index: number): Promise<string[]> =>
		new Promise((resolve, reject) => {
			const ws = new WebSocket(broker.url, {perMessageDeflate: false});
			sockets.push(ws);
			ws.once('error', reject);
			ws.once('open', () => ws.send(JSON.stringify({type: 'subscribe', room: 'big', userId: `u${index}`})));
			ws.on('message', (data: Buffer) => {
				if (!data.includes('"type":"subscribed"') && !data.includes('"type":"error"')) return;
				const frame = JSON.parse(data.toString()) as {type: string; members?: Array<string | {userId: string}>; error?: string};
				if (frame.type === 'error') reject(new Error(`u${index}: ${frame.error}`));
				else resolve((frame.members ?? []).map(member => (typeof member === 'string' ? member : member.userId)));
			});
		});

	const listed = new Map<number, string[]>();
	let next = 0;
	await Promise.all(
		Array.from({length: IN_FLIGHT}, async () => {
			while (next < CLIENTS) {
				const index = next++;
				listed.set(index, await join(index));
			}
		}),
	);

	assert.equal(listed.size, CLIENTS);
	for (const [index, members] of listed) {
		assert.ok(members.includes(`u${index}`), `u${index} is listed in its own subscribed`);
		assert.equal(new Set(members).size, members.length, `u${index}'s listing has no duplicates`);
	}
	// The last listing shows the whole room: a listing shared by several joins still saw every one of them.
	const longest = Math.max(...[...listed.values()].map(members => members.length));
	assert.equal(longest, CLIENTS);
});
