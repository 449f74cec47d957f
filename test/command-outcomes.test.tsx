// One command, two front ends: the chat window and --json present the same outcome of each
// command (planCommand decides it), so they refuse the same things with the same words and ask
// the client for the same calls.
import {afterEach, test} from 'node:test';
import assert from 'node:assert/strict';
import {PassThrough} from 'node:stream';
import {cleanup} from 'ink-testing-library';
import {NATTER_DIALECT, SEED_DIALECT, type Dialect} from '../source/client/dialect.js';
import type {ConnectionStatus} from '../source/client/types.js';
import {runJson} from '../source/cli/run-json.js';
import {renderApp, until} from './helpers/app-screen.js';
import {FakeClient} from './helpers/fake-client.js';

afterEach(() => cleanup());

const OFFLINE: ConnectionStatus = {state: 'reconnecting', url: 'ws://x', attempt: 1, retryInMs: 1000, retryAt: Date.now() + 1000, reason: 'reset'};
type Setup = {dialect?: Dialect; status?: ConnectionStatus};
/** What a front end did with one line: what it told the user, and the client calls it made. */
type Result = {told: string; client: FakeClient};

/** The chat window as `ana` in `general` (with bo): type the line, read the pane. */
async function inWindow(line: string, setup: Setup, expect: string | undefined): Promise<Result> {
	const client = new FakeClient('ana', setup.status === undefined ? {} : {status: setup.status});
	const screen = renderApp({client, columns: 110, rows: 30});
	client.joined('general', ['ana', 'bo']);
	if (setup.dialect) client.emit({type: 'welcome', userId: 'ana', admin: false, flavour: setup.dialect.name, dialect: setup.dialect});
	await until(screen, 'you joined general');
	screen.stdin.write(line);
	await new Promise(resolve => setTimeout(resolve, 5));
	screen.stdin.write('\r');
	const told = expect === undefined ? (await new Promise(resolve => setTimeout(resolve, 30)), screen.lastFrame() ?? '') : await until(screen, expect);
	return {told, client};
}

/** --json as `ana` in `general`: write the line, end input, read stderr. */
async function inJson(line: string, setup: Setup): Promise<Result> {
	const client = new FakeClient('ana', {rooms: ['general'], ...(setup.status === undefined ? {} : {status: setup.status})});
	if (setup.dialect) client.dialect = setup.dialect;
	const streams = {input: new PassThrough(), output: new PassThrough(), errors: new PassThrough()};
	let told = '';
	streams.errors.on('data', chunk => (told += String(chunk)));
	const done = runJson(client, 'general', streams);
	streams.input.end(`${line}\n`);
	await done;
	return {told, client};
}

const FRONTS = [
	{name: 'the window', run: inWindow},
	{name: '--json', run: (line: string, setup: Setup) => inJson(line, setup)},
];

const refusals: Array<{what: string; line: string; setup: Setup; says: string; call: string}> = [
	{what: 'a direct message to yourself', line: '/msg @ana hi me', setup: {}, says: 'that is you: a direct message needs someone else', call: 'publish'},
	{what: "clearing history on the seed's server", line: '/clear_history', setup: {dialect: SEED_DIALECT}, says: "this broker (the seed's server) cannot clear history", call: 'clearHistory'},
	{what: "a filter on the seed's server", line: '/filter sender == "bo"', setup: {dialect: SEED_DIALECT}, says: "this broker (the seed's server) has no content filters", call: 'setFilter'},
	{what: '/history while offline', line: '/history 3', setup: {status: OFFLINE}, says: 'the history lives on the broker: wait until you are online', call: 'fetchHistory'},
	{what: 'leaving a room you are not in', line: '/leave nowhere', setup: {}, says: 'you are not in nowhere', call: 'leave'},
	{what: '/reconnect while connected', line: '/reconnect', setup: {}, says: 'you are connected already', call: 'reconnect'},
];

for (const front of FRONTS) {
	for (const refusal of refusals) {
		test(`${front.name} refuses ${refusal.what} with the same words and asks nothing of the client`, async () => {
			const {told, client} = await front.run(refusal.line, refusal.setup, refusal.says);
			assert.ok(told.includes(refusal.says), `expected "${refusal.says}" in:\n${told}`);
			assert.deepEqual(client.callsOf(refusal.call), []);
		});
	}

	test(`${front.name} sends a direct message to someone else, and clears history on natter's broker`, async () => {
		const dm = await front.run('/msg @bo psst', {dialect: NATTER_DIALECT}, undefined);
		assert.deepEqual(dm.client.callsOf('publish'), [['@bo', 'psst']]);
		const clear = await front.run('/clear_history', {dialect: NATTER_DIALECT}, undefined);
		assert.deepEqual(clear.client.callsOf('clearHistory'), [['general']]);
	});

	test(`${front.name} reconnects at once on /reconnect while offline`, async () => {
		const {client} = await front.run('/reconnect', {status: OFFLINE}, undefined);
		assert.deepEqual(client.callsOf('reconnect'), [[]]);
	});

	test(`${front.name} asks for /history as a print of the last N`, async () => {
		const {client} = await front.run('/history 4', {}, undefined);
		assert.deepEqual(client.historyQueries.map(q => [q.room, q.limit, q.purpose]), [['general', 4, 'print']]);
	});
}
