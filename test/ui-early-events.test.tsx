// The chat command starts the client while the window loads: what the client emits before the
// window subscribes is recorded and applied first, on a real broker and a real client core.
import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import {cleanup, render} from 'ink-testing-library';
import type {Broker} from '../source/broker/create-broker.js';
import {createClient} from '../source/client/create-client.js';
import type {ClientEvent, NatterClient} from '../source/client/types.js';
import {App} from '../source/ui/app.js';
import {recordEarlyEvents} from '../source/ui/state/early-events.js';
import {until} from './helpers/app-screen.js';
import {recordClient} from './helpers/client-events.js';
import {startBroker} from './helpers/start-broker.js';

const brokers: Broker[] = [];
const clients: NatterClient[] = [];
after(async () => {
	cleanup();
	for (const client of clients) await client.close(100);
	for (const broker of brokers) await broker.close();
});

function next(client: NatterClient, match: (event: ClientEvent) => boolean): Promise<void> {
	return new Promise(resolve => {
		const stop = client.on(event => {
			if (!match(event)) return;
			stop();
			resolve();
		});
	});
}

test('a window opened on a client started earlier shows what happened before it opened, then what comes live, in order', async () => {
	const broker = await startBroker();
	brokers.push(broker);
	const client = createClient({urls: [broker.url], name: 'ana', rooms: ['general'], minBackoffMs: 50, pingMs: 1000});
	clients.push(client);
	const early = recordEarlyEvents(client);
	const joined = next(client, e => e.type === 'joined' && e.room === 'general');
	client.start();
	await joined;
	const bo = recordClient({urls: [broker.url], name: 'bo', rooms: ['general']});
	clients.push(bo.client);
	await bo.waitFor(e => e.type === 'joined' && e.room === 'general');
	const arrived = next(client, e => e.type === 'message' && e.message.content === 'said before the window opened');
	bo.client.publish('general', 'said before the window opened');
	await arrived;

	const screen = render(<App client={client} early={early} serverUrl={broker.url} columns={100} rows={20} frameMs={0} idleMs={0} />);
	const first = await until(screen, frame => ['you joined general', 'said before the window opened', 'online'].every(text => frame.includes(text)), 3000);
	assert.match(first, /you joined general[\s\S]*said before the window opened/);
	// The first connection, replayed on a window that opened with the client already online, is no reconnection.
	assert.match(first, new RegExp(`-- │ connected to ${broker.url.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
	assert.doesNotMatch(first, /reconnected/);
	bo.client.publish('general', 'said once it was open');
	const frame = await until(screen, 'said once it was open', 3000);
	assert.match(frame, /said before the window opened[\s\S]*said once it was open/);
	assert.deepEqual(early.take(), [], 'the window took the recording over: nothing more is recorded');
});

test('recordEarlyEvents hands over the events so far once, in order, and records nothing after', async () => {
	const broker = await startBroker();
	brokers.push(broker);
	const client = createClient({urls: [broker.url], name: 'cy', rooms: ['one', 'two'], minBackoffMs: 50, pingMs: 1000});
	clients.push(client);
	const early = recordEarlyEvents(client);
	const joinedBoth = Promise.all(['one', 'two'].map(room => next(client, e => e.type === 'joined' && e.room === room)));
	client.start();
	await joinedBoth;
	const taken = early.take().map(({event}) => event);
	assert.deepEqual(taken.filter(e => e.type === 'joined').map(e => (e).room).sort(), ['one', 'two']);
	const status = taken.filter((e): e is Extract<ClientEvent, {type: 'status'}> => e.type === 'status').map(e => e.status.state);
	assert.equal(status.at(-1), 'online', `the last status recorded is online (got ${status.join(' → ')})`);
	client.publish('one', 'after the take');
	await next(client, e => e.type === 'message' && e.message.content === 'after the take');
	assert.deepEqual(early.take(), []);
});
