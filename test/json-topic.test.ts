// /topic in --json: a command like the window's; the topic is in the `joined` line, and every
// change is a `message` line whose data.topic holds it (no line type of its own).
import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import {startJsonProcess} from './helpers/json-process.js';
import {startBroker} from './helpers/start-broker.js';
import {until} from './helpers/until.js';

const cleanup: Array<() => Promise<unknown> | void> = [];
after(async () => {
	for (const step of cleanup.reverse()) await step();
});


test('--json: /topic sets it, members get a message line with data.topic, a later joiner reads it in joined, /topic alone answers on stderr', async () => {
	const broker = await startBroker();
	cleanup.push(() => broker.close());
	const ana = startJsonProcess(['--url', broker.url, '--name', 'ana', '--room', 'ops']);
	const bo = startJsonProcess(['--url', broker.url, '--name', 'bo', '--room', 'ops']);
	cleanup.push(() => {
		ana.child.kill();
		bo.child.kill();
	});
	const [anaJoined] = await Promise.all([ana.waitFor(line => line.type === 'joined'), bo.waitFor(line => line.type === 'joined')]);
	assert.equal('topic' in anaJoined, false, 'a room without a topic: no topic in joined');

	ana.write('/topic deploy at 5');
	const change = await bo.waitFor(line => line.type === 'message' && line.sender === 'ana');
	assert.deepEqual({content: change.content, data: change.data, sequence: change.sequence}, {content: 'ana set the topic: deploy at 5', data: {topic: 'deploy at 5'}, sequence: 1});
	await ana.waitFor(line => line.type === 'message' && line.sequence === 1);

	const cy = startJsonProcess(['--url', broker.url, '--name', 'cy', '--room', 'ops']);
	cleanup.push(() => {
		cy.child.kill();
	});
	const joined = await cy.waitFor(line => line.type === 'joined');
	assert.equal(joined.topic, 'deploy at 5');
	cy.write('/topic');
	cy.write(`/topic ${'x'.repeat(301)}`);
	// cy's answers first: a delete sent meanwhile could reach cy before it reads its own /topic.
	await until(() => /a topic is at most 300 characters/.test(cy.stderr()), 10_000, "cy's answers on stderr");
	ana.write('/topic -delete');
	const cleared = await cy.waitFor(line => line.type === 'message' && line.content === 'ana cleared the topic');
	assert.deepEqual(cleared.data, {topic: ''});

	for (const process of [ana, bo, cy]) process.end();
	for (const process of [ana, bo, cy]) assert.equal(await process.exited, 0, process.stderr());
	assert.match(cy.stderr(), /topic of ops: deploy at 5/);
	assert.match(cy.stderr(), /a topic is at most 300 characters; this one has 301/);
	for (const process of [ana, bo, cy]) assert.equal(process.lines.filter(line => line.type === 'topic').length, 0, 'changes are message lines only');
});
