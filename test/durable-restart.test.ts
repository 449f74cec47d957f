// The durable engine end to end, across a real process boundary: a broker killed with SIGKILL in
// the middle of a stream of publishes loses nothing it acknowledged, reuses no sequence, and
// still recognises retries of what it acknowledged.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdirSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {FrameClient, type Frame} from './helpers/frame-client.js';
import {BrokerProcessError, startBrokerProcess, type BrokerProcess} from './helpers/broker-process.js';

const ROOM = 'ops';
/** Publishes in flight at once: enough that the kill lands on some that are not yet acknowledged. */
const WINDOW = 16;
/** Acknowledgements to collect before the kill. */
const KILL_AFTER = 150;

type Ack = {clientId: string; sequence: number; duplicate: boolean};

test('a broker killed with SIGKILL mid-stream keeps every acknowledged publish; retries are deduplicated and sequences continue', async t => {
	const dir = mkdtempSync(join(tmpdir(), 'natter-durable-'));
	t.after(() => rmSync(dir, {recursive: true, force: true}));
	const args = ['--data', join(dir, 'state', 'rooms.db'), '--history-size', '5000'];
	let broker: BrokerProcess = await startBrokerProcess({args});
	t.after(() => broker.stop());

	// --- Before the crash: a stream of publishes with clientIds, a cursor, a DM. ---
	const ana = await connectAs(broker.url, 'ana');
	const subscribed = await request(ana, {type: 'subscribe', room: ROOM}, 'subscribed');
	const dm = await request(ana, {type: 'publish', room: '@bo', content: 'the runbook is in ops/', clientId: 'dm-1'}, 'published');

	const acks = new Map<string, Ack>();
	const sent: string[] = [];
	let delivered = 0;
	let cursor: number | undefined;
	let firstAfterCursor: string | undefined;
	const killed = new Promise<void>(resolve => {
		const sendNext = (): void => {
			const i = sent.length + 1;
			const clientId = `c${i}`;
			sent.push(clientId);
			ana.send({type: 'publish', room: ROOM, content: contentOf(clientId), clientId});
		};
		ana.ws.on('message', raw => {
			const frame = JSON.parse(raw.toString()) as Frame;
			if (frame.type === 'message' && frame.room === ROOM) delivered = frame.sequence as number;
			if (frame.type !== 'published' || frame.room !== ROOM) return;
			acks.set(frame.clientId as string, {clientId: frame.clientId as string, sequence: frame.sequence as number, duplicate: frame.duplicate as boolean});
			if (acks.size === 50) {
				// Acknowledge what was delivered; the broker handles a connection's frames in order, so once a
				// publish sent after this ack is acknowledged, the cursor is stored too.
				cursor = delivered;
				ana.send({type: 'ack', room: ROOM, sequence: cursor});
				firstAfterCursor = `c${sent.length + 1}`;
			}
			if (acks.size >= KILL_AFTER && firstAfterCursor !== undefined && acks.has(firstAfterCursor)) {
				broker.child.kill('SIGKILL');
				resolve();
				return;
			}
			sendNext();
		});
		for (let i = 0; i < WINDOW; i++) sendNext();
	});
	await killed;
	const exit = await broker.kill();
	assert.equal(exit.signal, 'SIGKILL');
	await ana.closed();
	const unacknowledged = sent.filter(clientId => !acks.has(clientId));
	assert.ok(unacknowledged.length > 0, 'the kill landed in the middle of the stream');
	assert.ok(cursor !== undefined && cursor > 0);

	// --- After the restart on the same file. ---
	broker = await startBrokerProcess({args});
	const back = await connectAs(broker.url, 'ana');
	const history = await request(back, {type: 'get_history', room: ROOM}, 'history');
	const messages = history.messages as Frame[];
	const highest = history.sequence as number;
	assert.deepEqual(messages.map(m => m.sequence), range(1, highest), 'history is contiguous from 1');
	assert.equal(history.epoch, subscribed.epoch, 'the room kept its epoch, so clients need not start over');
	for (const ack of acks.values()) {
		const stored = messages[ack.sequence - 1];
		assert.equal(stored?.content, contentOf(ack.clientId), `acknowledged ${ack.clientId} is at its sequence ${ack.sequence}`);
		assert.equal(stored?.sender, 'ana');
	}
	assert.ok(highest >= Math.max(...[...acks.values()].map(a => a.sequence)));
	assert.ok(highest <= sent.length, 'nothing was stored that was not sent');

	const resumed = await request(back, {type: 'subscribe', room: ROOM}, 'subscribed');
	assert.equal(resumed.since, cursor, 'the acknowledged position survived');

	const bo = await connectAs(broker.url, 'bo');
	const dmHistory = await request(bo, {type: 'get_history', room: '@ana'}, 'history');
	assert.deepEqual(
		(dmHistory.messages as Frame[]).map(m => [m.sequence, m.content]),
		[[dm.sequence, 'the runbook is in ops/']],
		'the DM conversation survived',
	);

	// A retry of an acknowledged publish is a duplicate with its original sequence.
	const someAcked = acks.get('c7')!;
	const retried = await request(back, {type: 'publish', room: ROOM, content: contentOf('c7'), clientId: 'c7'}, 'published', f => f.clientId === 'c7');
	assert.deepEqual([retried.duplicate, retried.sequence], [true, someAcked.sequence]);

	// The client's outbox resends everything unacknowledged: each lands exactly once, new ones after `highest`.
	let next = highest + 1;
	for (const clientId of unacknowledged) {
		const answer = await request(back, {type: 'publish', room: ROOM, content: contentOf(clientId), clientId}, 'published', f => f.clientId === clientId);
		if (answer.duplicate) assert.ok((answer.sequence as number) <= highest, `${clientId} was stored before the kill`);
		else assert.equal(answer.sequence, next++, `${clientId} takes the next sequence`);
	}
	const fresh = await request(back, {type: 'publish', room: ROOM, content: 'after the crash', clientId: 'fresh'}, 'published', f => f.clientId === 'fresh');
	assert.deepEqual([fresh.duplicate, fresh.sequence], [false, next]);

	const final = await request(back, {type: 'get_history', room: ROOM}, 'history', f => f.sequence === next);
	const contents = (final.messages as Frame[]).map(m => m.content as string);
	assert.deepEqual((final.messages as Frame[]).map(m => m.sequence), range(1, next));
	assert.equal(new Set(contents).size, contents.length, 'no publish is stored twice');
	for (const clientId of sent) assert.ok(contents.includes(contentOf(clientId)), `${clientId} is stored`);
	for (const client of [back, bo]) client.close();
});

test('--data on a path that cannot hold a database stops the broker with one line and exit code 1', async t => {
	const dir = mkdtempSync(join(tmpdir(), 'natter-durable-'));
	t.after(() => rmSync(dir, {recursive: true, force: true}));
	const folder = join(dir, 'a-folder');
	mkdirSync(folder);
	const error = await startBrokerProcess({args: ['--data', folder]}).then(
		() => assert.fail('the broker started on a directory'),
		(error: unknown) => error,
	);
	assert.ok(error instanceof BrokerProcessError);
	assert.equal(error.exit?.code, 1);
	const lines = error.stderr.trim().split('\n');
	assert.equal(lines.length, 1, error.stderr);
	assert.match(lines[0]!, /^natter: cannot open the data file .*a-folder: it cannot be opened or created/);
});

// ---------------------------------------------------------------------------

function contentOf(clientId: string): string {
	return `deploy step ${clientId}`;
}

function range(from: number, to: number): number[] {
	return Array.from({length: to - from + 1}, (_, i) => from + i);
}

/** Names' keys from `welcome`: the database keeps each name for its first user across restarts, as natter's client does. */
const nameKeys = new Map<string, string>();

async function connectAs(url: string, userId: string): Promise<FrameClient> {
	const client = await FrameClient.connect(url);
	const key = nameKeys.get(userId);
	const welcome = await request(client, {type: 'hello', userId, ...(key === undefined ? {} : {key})}, 'welcome');
	if (typeof welcome.key === 'string') nameKeys.set(userId, welcome.key);
	return client;
}

/** Send a frame and wait for the next answer of `type` (that also matches `match`). */
function request(client: FrameClient, frame: Frame, type: string, match: (f: Frame) => boolean = () => true): Promise<Frame> {
	const answer = client.next(f => f.type === type && match(f), 5000, `${type} after ${JSON.stringify(frame)}`);
	client.send(frame);
	return answer;
}
