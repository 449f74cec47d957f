// A --json client whose name is in use hears it once (issue 18: "a taken name is reported three
// times"): the broker refuses its hello and each of its pipelined subscribes, but the script
// gets one `offline` status and stderr one sentence.
import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import {startJsonProcess} from './helpers/json-process.js';
import {startBroker} from './helpers/start-broker.js';

const cleanup: Array<() => Promise<unknown> | void> = [];
after(async () => {
	for (const step of cleanup.reverse()) await step();
});

test('--json with a name in use, joining two rooms, reports the refusal once on stdout and once on stderr', async () => {
	const broker = await startBroker();
	cleanup.push(() => broker.close());
	// The name's holder is a natter client in its own room (hello, then subscribe).
	const holder = startJsonProcess(['--url', broker.url, '--name', 'bo', '--room', 'dev']);
	cleanup.push(() => {
		holder.child.kill('SIGKILL');
	});
	await holder.waitFor(line => line.type === 'joined');
	const bo = startJsonProcess(['--url', broker.url, '--name', 'bo', '--room', 'ops', '--room', 'general']);
	cleanup.push(() => {
		bo.child.kill('SIGKILL');
	});
	await bo.waitFor(line => line.type === 'status' && line.state === 'offline');
	await new Promise(resolve => setTimeout(resolve, 500)); // the refusals of the subscribes follow the hello's
	bo.end();
	await bo.exited;
	const offline = bo.lines.filter(line => line.type === 'status' && line.state === 'offline');
	assert.equal(offline.length, 1, JSON.stringify(bo.lines));
	assert.match(String(offline[0]!.reason), /the name "bo" is in use/);
	assert.equal(bo.stderr().match(/name_taken/g)?.length, 1, bo.stderr());
});
