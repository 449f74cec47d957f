// The package's entries (package.json "exports") as another project imports them: each loads
// only what it uses, so a script that talks to a broker does not pay for Redis, SQLite or
// Prometheus. Each import runs in a fresh node process, by the package's own name (Node resolves
// a package's name to itself through "exports"), against the built dist/ that npm test builds.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const HEAVY = ['ioredis', 'better-sqlite3', 'prom-client', 'react'] as const;

/**
 * Run `code` (an ES module body; `load(specifier)` imports and records) in a fresh node, and
 * return which of the watched packages it had loaded by the end. All of them are CommonJS, so
 * Node's CommonJS cache lists every one that was loaded, also through `import`.
 */
function packagesLoadedBy(code: string): {loaded: string[]; exports: string[]} {
	const script = `
		import {createRequire} from 'node:module';
		const exported = new Set();
		const load = async specifier => { for (const name of Object.keys(await import(specifier))) exported.add(name); };
		${code}
		const files = Object.keys(createRequire(import.meta.url).cache);
		const loaded = ${JSON.stringify([...HEAVY, 'ws'])}.filter(name => files.some(file => file.includes('/node_modules/' + name + '/')));
		process.stdout.write(JSON.stringify({loaded, exports: [...exported]}));
	`;
	const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {cwd: root, encoding: 'utf8', timeout: 30_000});
	assert.equal(result.status, 0, result.stderr);
	return JSON.parse(result.stdout) as {loaded: string[]; exports: string[]};
}

const built = existsSync(new URL('../dist/source/entry/client.js', import.meta.url)) ? false : 'dist/ is not built: run npm run build (npm test does)';

test('natter/client loads the client and ws, and none of Redis, SQLite, Prometheus or React', {skip: built}, () => {
	const {loaded, exports} = packagesLoadedBy(`await load('natter/client');`);
	assert.deepEqual(loaded, ['ws']);
	assert.ok(exports.includes('createClient') && exports.includes('CloseCode'), exports.join(' '));
});

test('natter/broker loads neither Redis nor SQLite, and Prometheus only once a broker starts', {skip: built}, () => {
	const imported = packagesLoadedBy(`await load('natter/broker');`);
	assert.deepEqual(imported.loaded, ['ws']);
	for (const name of ['createBroker', 'createMemoryEngine', 'EngineUnavailableError', 'DEFAULT_ENGINE_OPTIONS', 'compileFilter', 'parseClientFrame']) {
		assert.ok(imported.exports.includes(name), `natter/broker does not export ${name}`);
	}
	const started = packagesLoadedBy(`
		const {createBroker} = await import('natter/broker');
		const broker = await createBroker({port: 0, host: '127.0.0.1'});
		await broker.close();
	`);
	assert.deepEqual(started.loaded, ['prom-client', 'ws']);
});

test('natter/engines/sqlite loads better-sqlite3 and nothing of Redis or Prometheus', {skip: built}, () => {
	const {loaded, exports} = packagesLoadedBy(`await load('natter/engines/sqlite');`);
	assert.deepEqual(loaded, ['better-sqlite3']);
	assert.deepEqual(exports, ['createSqliteEngine']);
});

test('natter/engines/redis loads ioredis and nothing of SQLite or Prometheus', {skip: built}, () => {
	const {loaded, exports} = packagesLoadedBy(`await load('natter/engines/redis');`);
	assert.deepEqual(loaded, ['ioredis']);
	assert.deepEqual(exports.sort(), ['EngineUnavailableError', 'createRedisEngine']);
});

test('natter, the convenience entry, has the client and the broker and loads none of the optional packages', {skip: built}, () => {
	const {loaded, exports} = packagesLoadedBy(`await load('natter');`);
	assert.deepEqual(loaded, ['ws']);
	for (const name of ['createClient', 'createBroker', 'createMemoryEngine', 'EngineUnavailableError', 'signToken', 'verifyToken']) {
		assert.ok(exports.includes(name), `natter does not export ${name}`);
	}
});

test('an engine written outside natter throws the same EngineUnavailableError the Redis engine does', {skip: built}, () => {
	const {exports} = packagesLoadedBy(`
		const broker = await import('natter/broker');
		const redis = await import('natter/engines/redis');
		if (broker.EngineUnavailableError !== redis.EngineUnavailableError) throw new Error('two EngineUnavailableError classes');
		exported.add('same');
	`);
	assert.deepEqual(exports, ['same']);
});
