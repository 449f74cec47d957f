// Every flag natter does not define is refused by the real CLI process: exit 2, one line on stderr
// naming it, with the flag it most likely meant. Before, meow took a flag that starts like a known
// one (`--data-dir` like `--data`) as known and dropped it, so a broker started on the memory engine.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {refuseUnknownFlags} from '../source/cli/parse-flags.js';

const root = fileURLToPath(new URL('..', import.meta.url));

type Exit = {code: number | null; stdout: string; stderr: string};

/** Run `natter ARGS` (the real CLI, through tsx) and collect how it ended; killed after 60 s. */
function natter(args: string[]): Promise<Exit> {
	const env = {...process.env};
	for (const name of ['PORT', 'NATTER_DATA', 'NATTER_NAME', 'NATTER_REDIS', 'REDIS_URL']) delete env[name];
	const child = spawn(process.execPath, ['--import', 'tsx', 'cli.tsx', ...args], {cwd: root, env, stdio: ['ignore', 'pipe', 'pipe']});
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', chunk => (stdout += String(chunk)));
	child.stderr.on('data', chunk => (stderr += String(chunk)));
	const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
	return new Promise(resolve => child.on('close', code => {
		clearTimeout(guard);
		resolve({code, stdout, stderr});
	}));
}

test('unknown flags are refused by the CLI with exit 2 and one sentence, naming the flag meant when one is close', async () => {
	const cases: Array<{args: string[]; says: string}> = [
		{args: ['--serve', '--headless', '--port', '0', '--data-dir', '/var/lib/natter'], says: '--data-dir is not a natter flag; did you mean --data?'},
		{args: ['--serve', '--headless', '--port', '0', '--redis-cluster', 'redis://127.0.0.1:6379'], says: '--redis-cluster is not a natter flag; did you mean --redis?'},
		{args: ['--serve', '--headless', '--port', '0', '--redis-foo', 'x'], says: '--redis-foo is not a natter flag; did you mean --redis?'},
		{args: ['--url', 'ws://127.0.0.1:1', '--nmae', 'bo'], says: '--nmae is not a natter flag; did you mean --name?'},
		{args: ['--serve', '--headless', '--historySize', '5'], says: '--historySize is not a natter flag; did you mean --history-size?'},
		{args: ['--serve', '--headless', '--frobnicate'], says: '--frobnicate is not a natter flag; natter --help lists them all'},
		{args: ['--serve', '--headless', '-p', '9000'], says: '-p is not a natter flag; natter --help lists them all'},
	];
	// One at a time: each is a process start, and the machine running the suite may be busy.
	for (const {args, says} of cases) {
		const result = await natter(args);
		assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
		assert.equal(result.stderr, `natter: ${says}\n`, 'one line, one sentence');
		assert.equal(result.stdout, '', 'nothing started');
	}
});

test('known flags in every accepted spelling still pass: values, =, --no- for booleans, -- and negative numbers', () => {
	const specs = {serve: {type: 'boolean'}, compress: {type: 'boolean'}, port: {type: 'string'}, historySize: {type: 'string'}, room: {type: 'string'}} as const;
	assert.equal(refuseUnknownFlags(['--serve', '--port', '0', '--history-size=5', '--no-compress', '--room', 'ops'], specs), undefined);
	assert.equal(refuseUnknownFlags(['--history-size', '-1'], specs), undefined, 'a negative number is a value, for the range check to explain');
	assert.equal(refuseUnknownFlags(['--room', 'ops', '--', '--not-a-flag'], specs), undefined, 'after -- nothing is a flag');
	assert.equal(refuseUnknownFlags(['--help'], specs), undefined);
	// A value that is not a known flag is still only a value.
	assert.equal(refuseUnknownFlags(['--room', 'data-dir'], specs), undefined);
	assert.equal(refuseUnknownFlags(['--no-port'], specs), '--no-port is not a natter flag; natter --help lists them all', 'only a boolean flag can be negated');
	assert.equal(refuseUnknownFlags(['-port', '1'], specs), '-port is not a natter flag; did you mean --port?');
	assert.match(refuseUnknownFlags(['--serve=yes', '--sreve'], specs)!, /^--sreve .*did you mean --serve\?$/);
	// A hostile flag name is shown escaped and cut, on one line.
	const shown = refuseUnknownFlags([`--x\x1b]0;pwned\x07${'y'.repeat(100)}`], specs)!;
	// eslint-disable-next-line no-control-regex -- the point: no control character reaches the terminal
	assert.doesNotMatch(shown, /[\x00-\x1f]/);
	assert.ok(shown.length < 120, shown);
});
