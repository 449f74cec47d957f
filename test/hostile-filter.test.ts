import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import {startBrokerProcess, type BrokerProcess} from './helpers/broker-process.js';
import {FrameClient, sleep, type Frame} from './helpers/frame-client.js';

// Issue 16, finding 1: a filter's regular expressions froze the whole broker (about 13 s for the
// attack below). Each test here mounts an attack from one connection against a real broker
// process while a canary in another room times the round trips of its own publishes.

/**
 * The canary's round trips stay under this, on top of the worst it saw just before the attack:
 * on an idle machine that baseline is a millisecond or two; on this project's shared 2-core
 * machine (load 15 and more) the broker process alone is descheduled for tens of milliseconds.
 */
const ROUND_TRIP_LIMIT_MS = 100;
/** The text: 4092 characters that fold onto ASCII letters, on which \p{L}*x backtracked. */
const FOLDING = 'ſſſKKK'.repeat(682);
const CJK = '中文字符'.repeat(1023);

let broker: BrokerProcess;
const clients: FrameClient[] = [];

before(async () => {
	broker = await startBrokerProcess();
});

after(async () => {
	for (const client of clients) client.kill();
	await broker.stop();
});

async function named(userId: string): Promise<FrameClient> {
	const client = await FrameClient.connect(broker.url);
	clients.push(client);
	client.send({type: 'hello', userId});
	await client.waitFor(frame => frame.type === 'welcome');
	return client;
}

/** Subscribe (a named view when `sub` is given); resolves with `subscribed` or the error. */
async function subscribe(client: FrameClient, room: string, filter: string | undefined, sub?: string): Promise<Frame> {
	const answer = client.next(frame => (frame.type === 'subscribed' && frame.room === room && frame.sub === sub) || frame.type === 'error', 5000, `an answer to subscribe ${room} ${sub ?? ''}`);
	client.send({type: 'subscribe', room, ...(filter === undefined ? {} : {filter}), ...(sub === undefined ? {} : {sub})});
	return answer;
}

/**
 * The canary publishes in its own room, one publish at a time, until `attack` settles, and
 * returns every round trip (publish to `published`) in milliseconds.
 */
async function canaryRoundTrips(canary: FrameClient, attack: () => Promise<void>): Promise<{baseline: number; trips: number[]}> {
	const trips: number[] = [];
	let done = false;
	const roundTrip = async (clientId: string): Promise<number> => {
		const started = performance.now();
		const acked = canary.next(frame => frame.type === 'published' && frame.clientId === clientId, 20_000, `published ${clientId}`);
		canary.send({type: 'publish', room: 'quiet', content: 'still here?', clientId});
		await acked;
		return performance.now() - started;
	};
	// Warm the broker's publish path first (the canary times the attack, not a cold JIT), then
	// take the baseline: what the machine's own load costs a round trip without the attack.
	for (let n = 0; n < 5; n++) await roundTrip(`warm-${Date.now()}-${n}`);
	let baseline = 0;
	for (let n = 0; n < 10; n++) baseline = Math.max(baseline, await roundTrip(`base-${Date.now()}-${n}`));
	const probing = (async () => {
		for (let n = 0; !done || trips.length < 5; n++) trips.push(await roundTrip(`probe-${Date.now()}-${n}`));
	})();
	try {
		await attack();
	} finally {
		done = true;
	}
	await probing;
	return {baseline, trips};
}

/** Publish `contents` into `room` and wait until the subscriber has every message (or its filter says nothing came). */
async function publishAll(publisher: FrameClient, room: string, contents: string[]): Promise<void> {
	const acks = contents.map((content, n) => {
		const clientId = `attack-${Date.now()}-${n}`;
		const acked = publisher.next(frame => frame.type === 'published' && frame.clientId === clientId, 30_000, `published ${clientId}`);
		publisher.send({type: 'publish', room, content, clientId});
		return acked;
	});
	await Promise.all(acks);
}

function assertQuick({baseline, trips}: {baseline: number; trips: number[]}, what: string): void {
	const worst = Math.max(...trips);
	assert.ok(worst < baseline + ROUND_TRIP_LIMIT_MS, `${what}: the canary's worst round trip was ${worst.toFixed(1)} ms, ${baseline.toFixed(1)} ms before the attack (${trips.length} trips: ${trips.map(t => t.toFixed(0)).join(' ')})`);
}

test('welcome.limits announces the filter caps', async () => {
	const client = await named('reader');
	const welcome = client.frames.find(frame => frame.type === 'welcome')!;
	const {filterLength, filterRegexes, regexBudget, roomRegexBudget, regexText, namedViews} = welcome.limits as Record<string, unknown>;
	assert.deepEqual({filterLength, filterRegexes, regexBudget, roomRegexBudget, regexText, namedViews}, {filterLength: 512, filterRegexes: 16, regexBudget: 128, roomRegexBudget: 256, regexText: 512, namedViews: 32});
});

test('the issue\'s filter attack leaves a client in another room with round trips under 100 ms', async () => {
	const canary = await named('canary');
	await subscribe(canary, 'quiet', undefined);
	const attacker = await named('attacker');
	const terms = (n: number) => Array.from({length: n}, () => 'content ~ /\\p{L}*x/u').join(' or ');

	// The 20 copies are over the cap of 16 regular expressions per filter.
	const refused = await subscribe(attacker, 'trap', terms(20));
	assert.equal(refused.type, 'error');
	assert.equal(refused.code, 'invalid_filter');
	assert.match(String(refused.error), /^filter: filter has more than 16 regular expressions at position \d+$/);

	// 16 copies take 80 RE2 instructions of the connection's 128; 9 more copies fit in a view.
	assert.equal((await subscribe(attacker, 'trap', terms(16))).type, 'subscribed');
	const over = await subscribe(attacker, 'trap', terms(10), 'more');
	assert.equal(over.code, 'limit_exceeded');
	assert.match(String(over.error), /would need 130 RE2 instructions together, at most 128 \(this filter's take 50\)/);
	assert.equal((await subscribe(attacker, 'trap', terms(9), 'more')).type, 'subscribed');

	const trips = await canaryRoundTrips(canary, () => publishAll(attacker, 'trap', [FOLDING, FOLDING, CJK, CJK]));
	assertQuick(trips, 'the \\p{L}*x attack');
});

test('pathological patterns on folding and CJK text leave the canary under 100 ms', async () => {
	const canary = await named('canary2');
	await subscribe(canary, 'quiet', undefined);
	const attacker = await named('attacker2');
	const refused = await subscribe(attacker, 'pit', 'content ~ /a{1000}{1000}/');
	assert.equal(refused.code, 'invalid_filter');
	assert.match(String(refused.error), /invalid nested repetition operator/);
	const patterns = [
		// The costliest shape measured, a counted repetition of a large class (83 RE2 instructions,
		// with the two below the connection's whole budget): too many classes for a DFA, so every
		// message runs RE2's fallback matcher over the program, character by character.
		'content ~ /\\p{L}{80}\\p{N}/',
		'content ~ /(a+)+$/ or content ~ /(a|a)*$/i or content ~ /(.*a){3}/',
		'content ~ /(?:a|b|c|d|e|f|g|h|i|j|k|l|m|n|o|p)*!/',
	];
	for (const [n, filter] of patterns.entries()) {
		const answer = await subscribe(attacker, 'pit', filter, `p${n}`);
		assert.equal(answer.type, 'subscribed', `${filter}: ${JSON.stringify(answer)}`);
	}
	// The first message through RE2's fallback matcher runs before V8 has compiled it (several
	// times slower, once per process): send one untimed. Then one message at a time, each at the
	// connection's worst (a full budget of the costliest shape), on the texts that hurt most.
	await publishAll(attacker, 'pit', [FOLDING]);
	const trips = await canaryRoundTrips(canary, async () => {
		for (const content of [FOLDING, CJK, 'a'.repeat(4000), FOLDING, CJK, 'ab'.repeat(2000)]) await publishAll(attacker, 'pit', [content]);
	});
	assertQuick(trips, 'pathological patterns');
});

test('connections together hold at most 256 RE2 instructions of distinct filters per room, and the canary stays under 100 ms', async () => {
	const canary = await named('canary3');
	await subscribe(canary, 'quiet', undefined);
	const filter = (n: number) => `content ~ /\\p{L}{${110 + n}}\\p{N}/`;
	const first = await named('crowd0');
	assert.equal((await subscribe(first, 'crowded', filter(0))).type, 'subscribed');
	const second = await named('crowd1');
	assert.equal((await subscribe(second, 'crowded', filter(1))).type, 'subscribed');
	const third = await named('crowd2');
	const refused = await subscribe(third, 'crowded', filter(2));
	assert.equal(refused.code, 'limit_exceeded');
	assert.match(String(refused.error), /^filter: the filters in crowded would need 3\d\d RE2 instructions together, at most 256/);
	// A filter someone in the room already uses is compiled once and run once per message.
	assert.equal((await subscribe(third, 'crowded', filter(1))).type, 'subscribed');
	await publishAll(first, 'crowded', [FOLDING]);
	const trips = await canaryRoundTrips(canary, async () => {
		for (const content of [FOLDING, CJK, 'a'.repeat(4000), FOLDING]) await publishAll(first, 'crowded', [content]);
	});
	assertQuick(trips, 'a room full of expensive filters');
});

test('a connection holds at most 32 named views; the next is refused with limit_exceeded', async () => {
	const attacker = await named('hoarder');
	for (let n = 0; n < 32; n++) {
		const answer = await subscribe(attacker, `room${n % 4}`, `data.n == ${n}`, `v${n}`);
		assert.equal(answer.type, 'subscribed', JSON.stringify(answer));
	}
	const refused = await subscribe(attacker, 'room0', 'data.n == 99', 'v32');
	assert.equal(refused.code, 'limit_exceeded');
	assert.equal(refused.error, 'at most 32 named subscriptions per connection; unsubscribe one first');
	// Replacing a view's filter is not a new view; dropping one makes room for another.
	assert.equal((await subscribe(attacker, 'room0', 'data.n == 100', 'v0')).type, 'subscribed');
	attacker.send({type: 'unsubscribe', room: 'room1', sub: 'v1'});
	await attacker.waitFor(frame => frame.type === 'unsubscribed' && frame.sub === 'v1');
	assert.equal((await subscribe(attacker, 'room0', 'data.n == 101', 'v32')).type, 'subscribed');
});

test('filtered replays and history pages of a room of pathological messages leave the canary under 100 ms, and a connection that keeps asking is refused with rate_limited', async () => {
	const canary = await named('canary4');
	await subscribe(canary, 'quiet', undefined);
	// A full room (--history-size 100) of 512-character texts, the costliest for the filter below;
	// every tenth ends in a digit after letters, so the filter admits exactly those ten.
	const hurtful = [FOLDING.slice(0, 512), CJK.slice(0, 512), 'a'.repeat(512)];
	const contents = Array.from({length: 100}, (_, n) => (n % 10 === 9 ? `${'a'.repeat(511)}7` : hurtful[n % 3]!));
	const filler = await named('filler');
	await publishAll(filler, 'archive', contents);
	// The costliest filters a connection may hold (127 and 125 of its 128 RE2 instructions, together
	// within the room's 256), each about 10 ms a message here: a page is a second of matching.
	const filters = ['content ~ /\\p{L}{60}\\p{N}/ or content ~ /\\p{L}{61}\\p{N}/', 'content ~ /\\p{L}{60}\\p{N}/ or content ~ /\\p{L}{59}\\p{N}/'];
	// Untimed, as above: the first messages through RE2's fallback matcher run before V8 compiles it.
	const warm = await named('warmer');
	for (const filter of filters) {
		const warmed = warm.next(frame => frame.type === 'subscribed' || frame.type === 'error', 30_000, 'a warm-up replay');
		warm.send({type: 'subscribe', room: 'archive', since: 80, filter});
		assert.equal((await warmed).type, 'subscribed');
	}
	const attackers = await Promise.all([0, 1].map(n => named(`replayer${n}`)));
	const answers = attackers.map(() => ({replays: 0, pages: 0, refusals: [] as string[]}));
	const attack = async (attacker: FrameClient, tally: (typeof answers)[number]): Promise<void> => {
		const deadline = performance.now() + 30_000;
		for (let n = 0; tally.refusals.length === 0 && performance.now() < deadline; n++) {
			// Subscribe again with the other filter, replaying the whole room through it; then page through it.
			const subscribed = attacker.next(frame => (frame.type === 'subscribed' && frame.room === 'archive') || frame.type === 'error', 30_000, 'an answer to subscribe');
			attacker.send({type: 'subscribe', room: 'archive', since: 0, filter: filters[n % 2]});
			const answer = await subscribed;
			if (answer.type === 'error') tally.refusals.push(`${String(answer.code)}: ${String(answer.error)}`);
			else tally.replays += 1;
			const id = `page-${n}`;
			const page = attacker.next(frame => frame.id === id && (frame.type === 'error' || frame.more === undefined), 30_000, `history ${id}`);
			attacker.send({type: 'get_history', room: 'archive', id});
			const reply = await page;
			if (reply.type === 'error') {
				tally.refusals.push(`${String(reply.code)}: ${String(reply.error)}`);
			} else {
				tally.pages += 1;
				const admitted = reply.messages as Array<{sequence: number; prev?: number}>;
				assert.deepEqual(admitted.map(m => m.sequence), [10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 'the filter admits every tenth message');
				assert.equal(reply.through, 100);
			}
			await sleep(20);
		}
	};
	const trips = await canaryRoundTrips(canary, async () => {
		await Promise.all(attackers.map((attacker, n) => attack(attacker, answers[n]!)));
	});
	assertQuick(trips, 'filtered replays and history pages');
	for (const [n, tally] of answers.entries()) {
		assert.ok(tally.replays + tally.pages >= 1, `replayer${n} was answered at least once: ${JSON.stringify(tally)}`);
		assert.ok(tally.refusals.length >= 1, `replayer${n} was refused: ${JSON.stringify(tally)}`);
		for (const refusal of tally.refusals) {
			assert.match(refusal, /^rate_limited: filter time: this connection's filters have run over stored messages for more than 100 ms a second \(1 s at once\); try again in \d+ s$/);
		}
	}
});
