// The client core learns the broker's size limits from `welcome.limits` and refuses, before
// sending, what the broker could not take.
import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import {createClient} from '../source/client/create-client.js';
import type {ClientEvent, NatterClient} from '../source/client/types.js';
import {startBroker} from './helpers/start-broker.js';
import {FrameClient} from './helpers/frame-client.js';

const cleanup: Array<() => Promise<unknown> | void> = [];
after(async () => {
	for (const step of cleanup.reverse()) await step();
});

function online(client: NatterClient): Promise<void> {
	return new Promise(resolve => {
		const off = client.on(event => {
			if (event.type === 'joined') {
				off();
				resolve();
			}
		});
	});
}

test('welcome.limits tells a client the broker\'s max payload and content length', async () => {
	const broker = await startBroker({maxPayload: 4096, frameLimits: {maxContent: 3000}});
	cleanup.push(() => broker.close());
	const raw = await FrameClient.connect(broker.url);
	cleanup.push(() => raw.close());
	raw.send({type: 'hello', userId: 'ana'});
	const welcome = await raw.waitFor(frame => frame.type === 'welcome');
	const {rate, burst, maxPayload, maxContent} = welcome.limits as Record<string, unknown>;
	assert.deepEqual({rate, burst, maxPayload, maxContent}, {rate: 1_000_000, burst: 1_000_000, maxPayload: 4096, maxContent: 3000});
});

test('the client refuses a message beyond the advertised limits, and one published anyway fails without being sent', async () => {
	const broker = await startBroker({maxPayload: 4096});
	cleanup.push(() => broker.close());
	const client = createClient({urls: [broker.url], name: 'ana', rooms: ['ops']});
	cleanup.push(() => client.close(0));
	const events: ClientEvent[] = [];
	client.on(event => events.push(event));
	const joined = online(client);
	client.start();
	await joined;
	assert.equal(client.refusal('ops', 'fits'), undefined);
	assert.match(client.refusal('ops', 'é'.repeat(2500)) ?? '', /^message is 5,\d{3} bytes; this broker takes at most 4,096$/);
	const clientId = client.publish('ops', 'é'.repeat(2500));
	const failed = events.find(event => event.type === 'failed');
	assert.deepEqual(failed && {...failed, content: undefined}, {type: 'failed', room: 'ops', clientId, content: undefined, code: 'too_large', message: client.refusal('ops', 'é'.repeat(2500))});
	assert.equal(client.pending.length, 0);
	assert.equal(client.status.state, 'online');
});
