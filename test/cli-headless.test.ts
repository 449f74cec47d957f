// `natter --serve --headless` as a user runs it: a real child process, real signals, real ports.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {spawn, type ChildProcess} from 'node:child_process';
import {createServer, type Server} from 'node:net';
import {fileURLToPath} from 'node:url';
import {parseFlags, type RawFlags, type ServeSettings} from '../source/cli/parse-flags.js';
import {FrameClient} from './helpers/frame-client.js';
import {closeAll, connectAs, subscribe} from './helpers/broker-session.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The environment minus the variables that would change what the flags mean. */
function cleanEnv(): NodeJS.ProcessEnv {
	const env = {...process.env};
	for (const name of ['PORT', 'HISTORY_SIZE', 'HISTORY_TTL', 'NATTER_DATA', 'NATTER_NAME']) delete env[name];
	return env;
}

type Exit = {code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string};

function natter(args: string[]): {child: ChildProcess; exit: Promise<Exit>} {
	const child = spawn(process.execPath, ['--import', 'tsx', 'cli.tsx', ...args], {cwd: root, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe']});
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', chunk => (stdout += String(chunk)));
	child.stderr.on('data', chunk => (stderr += String(chunk)));
	// A hung child must not hang the suite.
	const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
	const exit = new Promise<Exit>(resolve => {
		child.on('close', (code, signal) => {
			clearTimeout(guard);
			resolve({code, signal, stdout, stderr});
		});
	});
	return {child, exit};
}

/** Start a headless broker and resolve once it says where it listens. */
async function headless(args: string[] = []): Promise<{child: ChildProcess; exit: Promise<Exit>; url: string}> {
	const run = natter(['--serve', '--headless', '--port', '0', '--host', '127.0.0.1', ...args]);
	const url = await new Promise<string>((resolve, reject) => {
		let seen = '';
		run.child.stdout!.on('data', chunk => {
			seen += String(chunk);
			const match = /natter broker listening on (ws:\/\/\S+)\n/.exec(seen);
			if (match) resolve(match[1]!);
		});
		void run.exit.then(result => reject(new Error(`natter exited before listening: ${JSON.stringify(result)}`)));
	});
	return {...run, url};
}

/** One sentence on stderr naming the problem, and no stack trace. */
function assertCleanError(result: Exit, pattern: RegExp): void {
	const lines = result.stderr.trim().split('\n');
	assert.match(lines[0]!, pattern, result.stderr);
	assert.doesNotMatch(result.stderr, /^\s+at /m, 'a stack trace reached the user');
	assert.equal(result.stdout, '');
}

test('--serve --headless --port 0 prints the real address, serves a chat, and exits 0 on SIGTERM', async () => {
	const {child, exit, url} = await headless();
	const clients: FrameClient[] = [];
	try {
		assert.match(url, /^ws:\/\/127\.0\.0\.1:\d+$/);
		assert.notEqual(url, 'ws://127.0.0.1:0', 'port 0 must print the port it got');
		const {client: ana} = await connectAs(url, 'ana');
		const {client: bo} = await connectAs(url, 'bo');
		clients.push(ana, bo);
		await subscribe(ana, 'general');
		await subscribe(bo, 'general');
		ana.send({type: 'publish', room: 'general', content: 'hello from a child process'});
		const got = await bo.waitFor(f => f.type === 'message' && f.content === 'hello from a child process');
		assert.equal(got.sender, 'ana');
		assert.equal(got.sequence, 1);

		child.kill('SIGTERM');
		assert.equal(await bo.closed(5000), 1001, 'clients are told the broker is going away');
		const result = await exit;
		assert.equal(result.code, 0, result.stderr);
		assert.equal(result.signal, null);
		assert.match(result.stderr, /SIGTERM/);
	} finally {
		closeAll(...clients);
		if (child.exitCode === null) child.kill('SIGKILL');
	}
});

test('SIGINT (Ctrl+C) closes the headless broker cleanly with exit 0', async () => {
	const {child, exit, url} = await headless();
	try {
		const client = await FrameClient.connect(url);
		child.kill('SIGINT');
		assert.equal(await client.closed(5000), 1001);
		assert.equal((await exit).code, 0);
	} finally {
		if (child.exitCode === null) child.kill('SIGKILL');
	}
});

test('a port in use exits 1 with one line naming the port, without a stack trace', async () => {
	const blocker: Server = createServer();
	await new Promise<void>(resolve => blocker.listen(0, '127.0.0.1', () => resolve()));
	const port = (blocker.address() as {port: number}).port;
	try {
		const result = await natter(['--serve', '--headless', '--host', '127.0.0.1', '--port', String(port)]).exit;
		assert.equal(result.code, 1);
		assertCleanError(result, new RegExp(`^natter: .*\\b${port}\\b.*in use`));
		assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
	} finally {
		await new Promise<void>(resolve => blocker.close(() => resolve()));
	}
});

test('bad flags exit 2 with a specific sentence: --port abc, --history-size -1, an unknown flag', async () => {
	// Each case is a process start (about a second of CPU); the finer rules are checked in-process below.
	const cases: Array<{args: string[]; pattern: RegExp}> = [
		{args: ['--port', 'abc'], pattern: /^natter: --port must be a whole number, not "abc"$/},
		{args: ['--history-size', '-1'], pattern: /^natter: --history-size must be between 1 and \d+, not -1$/},
		// natter refuses unknown flags itself, before meow (see refuseUnknownFlags and test/cli-unknown-flags.test.ts).
		{args: ['--bogus'], pattern: /^natter: --bogus is not a natter flag; natter --help lists them all$/},
	];
	const results = await Promise.all(cases.map(c => natter(['--serve', '--headless', ...c.args]).exit));
	for (const [i, result] of results.entries()) {
		const {args, pattern} = cases[i]!;
		assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
		assertCleanError(result, pattern);
	}
	assert.match(results.at(-1)!.stderr, /--bogus/, 'the unknown flag is named');
});

/** The broker settings of a headless plan, or a failure naming what came back instead. */
function serveOf(flags: RawFlags, env: NodeJS.ProcessEnv): ServeSettings {
	const result = parseFlags(flags, env);
	assert.ok(result.ok && result.plan.mode === 'headless', JSON.stringify(result));
	return result.plan.serve;
}

test('parseFlags turns flags and environment into broker settings, blaming the setting the user gave', () => {
	const base: RawFlags = {serve: true, headless: true, json: false, url: [], room: []};
	const fromFlags = serveOf({...base, port: '0', historySize: '5', historyTtl: '60'}, {});
	assert.equal(fromFlags.port, 0);
	assert.equal(fromFlags.historySize, 5);
	assert.equal(fromFlags.historyTtl, 60);
	const fromEnv = serveOf(base, {PORT: '9001', HISTORY_SIZE: '7'});
	assert.equal(fromEnv.port, 9001);
	assert.equal(fromEnv.historySize, 7);
	assert.equal(serveOf({...base, port: '9002'}, {PORT: 'junk'}).port, 9002, 'a flag overrides the environment, junk and all');
	const refused = (flags: Partial<RawFlags>, env: NodeJS.ProcessEnv = {}): string => {
		const result = parseFlags({...base, ...flags}, env);
		assert.equal(result.ok, false, JSON.stringify(flags));
		return (result as {error: string}).error;
	};
	assert.equal(refused({}, {PORT: 'eighty'}), 'PORT must be a whole number, not "eighty"');
	assert.equal(refused({}, {HISTORY_TTL: '-5'}), 'HISTORY_TTL must be between 0 and 315360000, not -5');
	assert.equal(refused({historyTtl: '1.5'}), '--history-ttl must be a whole number, not "1.5"');
	assert.equal(refused({port: '70000'}), '--port must be between 0 and 65535, not 70000');
	assert.equal(refused({historySize: '0'}), '--history-size must be between 1 and 1000000, not 0');
	assert.equal(refused({serve: false}), '--headless only makes sense with --serve');
});

test('--flush-timeout sets how long --json waits for pending messages at its end (default 5 s), and needs --json', () => {
	const client: RawFlags = {serve: false, headless: false, json: true, url: ['ws://127.0.0.1:9'], room: [], name: 'bot'};
	const plan = (flags: Partial<RawFlags>) => parseFlags({...client, ...flags}, {});
	const given = plan({flushTimeout: '30'});
	assert.ok(given.ok && given.plan.mode === 'json' && given.plan.flushMs === 30_000, JSON.stringify(given));
	const fallback = plan({});
	assert.ok(fallback.ok && fallback.plan.mode === 'json' && fallback.plan.flushMs === 5000, JSON.stringify(fallback));
	assert.deepEqual(plan({flushTimeout: 'soon'}), {ok: false, error: '--flush-timeout must be a whole number, not "soon"'});
	assert.deepEqual(plan({json: false, flushTimeout: '3'}), {ok: false, error: '--flush-timeout is how long --json waits for pending messages at its end; it needs --json'});
});
