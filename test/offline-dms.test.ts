// Direct messages to someone offline reach them when they connect: `welcome.unread` names the
// conversations, the client follows them from its acknowledged position, the window opens their
// tabs with unread counts and `--json` prints them as `message` lines; the sender is told the
// recipient is offline (or that nobody has used the name). Real broker, CLI processes and tmux.
import {after, before, describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {startBrokerProcess, type BrokerProcess} from './helpers/broker-process.js';
import {FrameClient} from './helpers/frame-client.js';
import {startJsonProcess, type JsonProcess} from './helpers/json-process.js';
import {Tmux, hasTmux, killServer} from './helpers/tmux.js';
import {buildCliIfStale, cli, root} from './helpers/built-cli.js';

const socket = `natter-offline-dms-${process.pid}`;
const noTmux = hasTmux() ? false : 'tmux is not installed (.ci/run installs it)';
if (noTmux) console.error(`SKIPPING the offline-DM window test: ${noTmux}`);
// Every process keeps its name keys here, so a user who comes back presents the key they were issued.
const config = mkdtempSync(join(tmpdir(), 'natter-offline-dms-'));
const env = {XDG_CONFIG_HOME: config};

let broker: BrokerProcess;

before(async () => {
	buildCliIfStale();
	broker = await startBrokerProcess();
});

after(async () => {
	killServer(socket);
	await broker?.stop();
	rmSync(config, {recursive: true, force: true});
});

/** Run `name` once as a --json client and end it: the broker has seen (and keeps) the name. */
async function visit(name: string): Promise<void> {
	const once = startJsonProcess(['--url', broker.url, '--name', name, '--room', 'general'], env);
	await once.waitFor(line => line.type === 'joined' && line.room === 'general', 15_000);
	once.end();
	assert.equal(await once.exited, 0);
}

describe('offline direct messages', {timeout: 90_000}, () => {
	test('--json: a DM sent while dave was away arrives as a message line when he connects; cy hears he is offline', async t => {
		await visit('dave');
		const cy: JsonProcess = startJsonProcess(['--url', broker.url, '--name', 'cy', '--room', 'general'], env);
		t.after(() => cy.child.kill('SIGKILL'));
		await cy.waitFor(line => line.type === 'joined' && line.room === 'general', 15_000);
		cy.write('/msg @dave are you there?');
		const sent = await cy.waitFor(line => line.type === 'sent' && line.room === '@dave');
		assert.equal(sent.recipient, 'offline');
		cy.write('/msg @nobody-here hello?');
		const unknown = await cy.waitFor(line => line.type === 'sent' && line.room === '@nobody-here');
		assert.equal(unknown.recipient, 'unknown');

		const dave = startJsonProcess(['--url', broker.url, '--name', 'dave', '--room', 'general'], env);
		t.after(() => dave.child.kill('SIGKILL'));
		const got = await dave.waitFor(line => line.type === 'message' && line.room === '@cy', 15_000, 'the DM from cy');
		assert.equal(got.content, 'are you there?');
		assert.equal(got.sender, 'cy');
		// Once delivered and acknowledged, it is not delivered again on the next connection.
		dave.end();
		assert.equal(await dave.exited, 0);
		const again = startJsonProcess(['--url', broker.url, '--name', 'dave', '--room', 'general'], env);
		t.after(() => again.child.kill('SIGKILL'));
		await again.waitFor(line => line.type === 'joined' && line.room === 'general', 15_000);
		await new Promise(resolve => setTimeout(resolve, 500));
		assert.equal(again.lines.filter(line => line.type === 'message').length, 0, JSON.stringify(again.lines));
		// And a DM to someone connected says nothing about being offline.
		cy.write('/msg @dave now you are here');
		const live = await cy.waitFor(line => line.type === 'sent' && line.room === '@dave' && line.sequence === 2);
		assert.equal(live.recipient, undefined);
		await again.waitFor(line => line.type === 'message' && line.content === 'now you are here');
	});

	test('the broker names the unread conversations in welcome.unread, from the acknowledged position', async t => {
		const eve = await FrameClient.connect(broker.url);
		eve.send({type: 'hello', userId: 'frame-eve'});
		const first = await eve.waitFor(f => f.type === 'welcome');
		eve.close();
		const fay = await FrameClient.connect(broker.url);
		fay.send({type: 'hello', userId: 'frame-fay'});
		await fay.waitFor(f => f.type === 'welcome');
		for (const text of ['one', 'two']) fay.send({type: 'publish', room: '@frame-eve', content: text, sender: 'frame-fay', clientId: text});
		await fay.waitFor(f => f.type === 'published' && f.clientId === 'two');
		fay.close();
		const back = await FrameClient.connect(broker.url);
		t.after(() => back.close());
		back.send({type: 'hello', userId: 'frame-eve', key: first.key});
		const welcome = await back.waitFor(f => f.type === 'welcome');
		assert.deepEqual(welcome.unread, [{room: '@frame-fay', sequence: 2, after: 0}]);
		// Acknowledging the first moves `after`; acknowledging both empties the list.
		back.send({type: 'subscribe', room: '@frame-fay', userId: 'frame-eve', since: 0});
		await back.waitFor(f => f.type === 'message' && f.content === 'two');
		back.send({type: 'ack', room: '@frame-fay', sequence: 1});
		back.send({type: 'bye'});
		await back.closed();
		const again = await FrameClient.connect(broker.url);
		t.after(() => again.close());
		again.send({type: 'hello', userId: 'frame-eve', key: first.key});
		assert.deepEqual((await again.waitFor(f => f.type === 'welcome')).unread, [{room: '@frame-fay', sequence: 2, after: 1}]);
		again.send({type: 'subscribe', room: '@frame-fay', userId: 'frame-eve'});
		await again.waitFor(f => f.type === 'message' && f.content === 'two');
		again.send({type: 'ack', room: '@frame-fay', sequence: 2});
		again.send({type: 'bye'});
		await again.closed();
		const last = await FrameClient.connect(broker.url);
		t.after(() => last.close());
		last.send({type: 'hello', userId: 'frame-eve', key: first.key});
		assert.equal((await last.waitFor(f => f.type === 'welcome')).unread, undefined);
	});

	test('the window opens an @cy tab with its unread count, without leaving general; cy\'s window says eve is offline', {skip: noTmux}, async () => {
		await visit('eve');
		const cy = Tmux.start(socket, [process.execPath, cli, '--url', broker.url, '--name', 'cy2', '--room', 'general'], {cwd: root, columns: 100, rows: 30, env});
		try {
			await cy.waitFor('you joined general');
			await cy.send('/msg @eve first note');
			await cy.waitFor('eve is offline; they will get it when they connect');
			await cy.send('/msg @eve second note');
			const eve = Tmux.start(socket, [process.execPath, cli, '--url', broker.url, '--name', 'eve', '--room', 'general'], {cwd: root, columns: 100, rows: 30, env});
			try {
				const screen = await eve.waitFor(/@cy2 2/);
				const tabs = screen.split('\n')[0]!;
				assert.match(tabs, /@cy2 2!/, tabs);
				// general stays the tab being looked at: its pane, not the DM's, is on screen.
				assert.match(screen, /you joined general/);
				assert.doesNotMatch(screen, /first note/);
				eve.press('M-2');
				const dm = await eve.waitFor('second note');
				assert.match(dm, /cy2 │ first note/);
			} finally {
				eve.kill();
			}
		} finally {
			cy.kill();
		}
	});
});

