// The broker is embeddable: it can share an HTTP server the host application already runs.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {createServer} from 'node:http';
import type {AddressInfo} from 'node:net';
import {createBroker} from '../source/broker/create-broker.js';
import {createMemoryEngine} from '../source/broker/engines/memory/memory-engine.js';
import {FrameClient} from './helpers/frame-client.js';

test('createBroker({server}) serves WebSockets on an existing HTTP server and leaves its other routes alone', async () => {
	const server = createServer((request, response) => {
		response.writeHead(200, {'content-type': 'text/plain'});
		response.end(`app says hi to ${request.url}`);
	});
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	const broker = await createBroker({server});
	try {
		const {port} = server.address() as AddressInfo;
		assert.equal(broker.port, port);
		const page = await fetch(`http://127.0.0.1:${port}/status`);
		assert.equal(await page.text(), 'app says hi to /status');
		const client = await FrameClient.connect(broker.url);
		client.send({type: 'subscribe', room: 'embedded', userId: 'host'});
		await client.waitFor(f => f.type === 'subscribed');
		client.send({type: 'publish', room: 'embedded', content: 'inside the app'});
		const message = await client.waitFor(f => f.type === 'message');
		assert.equal(message.content, 'inside the app');
		client.close();
	} finally {
		await broker.close();
		// The broker closes its sockets but not the host's server, which is the host's to close.
		assert.equal(server.listening, true);
		await new Promise(resolve => server.close(resolve));
	}
});

test('createBroker refuses an engine together with the options that build the memory engine, naming them', async () => {
	const engine = createMemoryEngine({historySize: 5});
	try {
		await assert.rejects(
			createBroker({port: 0, host: '127.0.0.1', engine, historySize: 10_000, maxHistoryBytes: 1024 * 1024}),
			(error: Error) =>
				error instanceof TypeError &&
				error.message === 'createBroker takes an engine or the options to build one, not both: historySize, maxHistoryBytes would be ignored; give them to the engine instead',
		);
	} finally {
		await engine.close();
	}
	// The engine alone is its own limits; history size alone builds the memory engine (test/broker-history.test.ts).
	const broker = await createBroker({port: 0, host: '127.0.0.1', engine: createMemoryEngine({historySize: 5})});
	await broker.close();
});
