import {spawn, type ChildProcess} from 'node:child_process';
import {copyFileSync, existsSync, mkdtempSync, rmSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {freePort} from './free-port.js';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The folder of the seed chapter's reference server and clients (its pubsub-server.ts): the
 * `NATTER_SEED_PEER` environment variable, else `../shared/peers/seed-ts` beside the project
 * (where the course and CI keep it). The one place the tests and the bench look for it.
 */
export const SEED_PEER_DIR = resolve(process.env.NATTER_SEED_PEER || resolve(projectRoot, '../shared/peers/seed-ts'));
const seedSource = join(SEED_PEER_DIR, 'pubsub-server.ts');
let warned = false;

/**
 * Why the seed server cannot run here (a reason for `{skip}`, also written once to stderr with
 * how to enable the tests), or undefined when it can.
 */
export function seedServerUnavailable(): string | undefined {
	if (existsSync(seedSource)) return undefined;
	const reason = `the seed's reference server is not at ${seedSource}; set NATTER_SEED_PEER to the folder holding the course's peers/seed-ts/pubsub-server.ts to run these tests`;
	if (!warned) console.error(`SKIPPING the tests against the seed's reference server: ${reason}`);
	warned = true;
	return reason;
}

/** The seed chapter's own reference server, unchanged, in a child process. */
export type SeedServer = {url: string; port: number; child: ChildProcess; stop(): Promise<void>};

/**
 * Start the seed's reference TypeScript server (pubsub-server.ts in SEED_PEER_DIR).
 * The file is copied under the project so that its `import 'ws'` resolves to natter's ws.
 */
export async function startSeedServer(): Promise<SeedServer> {
	const dir = mkdtempSync(join(projectRoot, 'test', '.tmp-seed-'));
	const file = join(dir, 'pubsub-server.ts');
	copyFileSync(seedSource, file);
	const port = await freePort();
	const child = spawn(process.execPath, ['--import', 'tsx', file], {
		cwd: projectRoot,
		env: {...process.env, PORT: String(port)},
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	await new Promise<void>((ready, fail) => {
		const timer = setTimeout(() => fail(new Error('the seed server did not start in 15 s')), 15_000);
		let out = '';
		child.stdout.on('data', (chunk: Buffer) => {
			out += chunk.toString();
			if (out.includes('Pub/Sub server running')) {
				clearTimeout(timer);
				ready();
			}
		});
		child.once('exit', code => {
			clearTimeout(timer);
			fail(new Error(`the seed server exited with ${code}`));
		});
	});
	child.stdout.resume();
	child.stderr.resume();
	return {
		url: `ws://127.0.0.1:${port}`,
		port,
		child,
		async stop() {
			if (child.exitCode === null) {
				const exited = new Promise(done => child.once('exit', done));
				child.kill('SIGTERM');
				await exited;
			}
			rmSync(dir, {recursive: true, force: true});
		},
	};
}
