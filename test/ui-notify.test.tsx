// Notifications: a mention of me or a direct message rings the terminal when its tab is not the
// active one or the terminal is not focused (focus reporting); --notify picks bell, a desktop
// notification (OSC 777 / OSC 9), both or nothing; what a peer wrote cannot escape the sequence.
import {afterEach, test} from 'node:test';
import assert from 'node:assert/strict';
import {cleanup, render} from 'ink-testing-library';
import {App} from '../source/ui/app.js';
import type {NotifyMode} from '../source/cli/config-file.js';
import {FakeClient} from './helpers/fake-client.js';
import {until} from './helpers/app-screen.js';

afterEach(() => cleanup());

const tick = () => new Promise(resolve => setTimeout(resolve, 20));

async function open(notify?: NotifyMode) {
	const client = new FakeClient('ana');
	const written: string[] = [];
	const screen = render(<App client={client} serverUrl="ws://test:1" columns={110} rows={20} frameMs={0} idleMs={0} alert={bytes => written.push(bytes)} {...(notify === undefined ? {} : {notify})} />);
	client.joined('general', ['ana', 'bo']);
	client.joined('ops', ['ana', 'bo']);
	await until(screen, f => f.includes('2:ops') && f.includes('you joined general'));
	return {screen, client, written};
}

test('a mention or DM in another tab rings the bell; in the tab I look at, with the terminal focused, it does not; the tab keeps its mark', async () => {
	const {screen, client, written} = await open();
	client.message('general', 'bo', 'ana: look here', 1);
	await until(screen, 'ana: look here');
	await tick();
	assert.deepEqual(written, [], 'the active tab, focused: no bell');
	client.message('ops', 'bo', 'plain chatter', 1);
	await tick();
	assert.deepEqual(written, [], 'not a mention: no bell');
	client.message('ops', 'bo', 'hey @ana', 2);
	client.message('@bo', 'bo', 'psst', 1);
	await tick();
	assert.deepEqual(written, ['\x07', '\x07']);
	const tabs = (await until(screen, '@bo')).split('\n')[0]!;
	assert.match(tabs, /2:ops\S*[!*]|2:ops/);
	// My own words never ring.
	client.message('ops', 'ana', 'ana talks to herself', 3);
	await tick();
	assert.equal(written.length, 2);
});

test('when the terminal loses focus, a mention in the active tab rings; focus back, it does not', async () => {
	const {screen, client, written} = await open();
	screen.stdin.write('\x1b[O');
	await tick();
	client.message('general', 'bo', 'ana?', 1);
	await tick();
	assert.deepEqual(written, ['\x07']);
	screen.stdin.write('\x1b[I');
	await tick();
	client.message('general', 'bo', 'ana!', 2);
	await until(screen, 'ana!');
	await tick();
	assert.deepEqual(written, ['\x07']);
	assert.doesNotMatch(screen.lastFrame()!, /\[I|\[O/, 'focus reports are not typed into the input line');
});

test('--notify osc sends a desktop notification whose text cannot carry controls; off sends nothing', async () => {
	const osc = await open('osc');
	osc.client.message('@bo', 'bo', 'hi\x07\x1b]52;c;evil\x07 there', 1);
	await tick();
	assert.equal(osc.written.length, 1);
	const bytes = osc.written[0]!;
	assert.equal(bytes, '\x1b]777;notify;natter: bo (direct message);hi ]52;c;evil  there\x07\x1b]9;natter: bo (direct message): hi ]52;c;evil  there\x07');
	assert.equal(bytes.split('\x1b').length - 1, 2, 'only the two sequences natter starts');
	cleanup();
	const both = await open('both');
	both.client.message('@bo', 'bo', 'x', 1);
	await tick();
	assert.ok(both.written[0]!.endsWith('\x07\x07'), 'osc then the bell');
	cleanup();
	const off = await open('off');
	off.client.message('@bo', 'bo', 'x', 1);
	await tick();
	assert.deepEqual(off.written, []);
});
