// `--redis` takes one Redis server (redis://, rediss://) or a Redis Cluster's seeds
// (redis+cluster://h1:7000,h2:7000); anything else is refused with a message naming the flag,
// the value and the form expected, before any connection is tried.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {parseRedisAddress} from '../source/broker/engines/redis/redis-address.js';
import {parseFlags, type RawFlags} from '../source/cli/parse-flags.js';

const base: RawFlags = {serve: true, headless: true, json: false, url: [], room: []};

function redisOf(value: string): string | undefined {
	const result = parseFlags({...base, redis: value}, {});
	assert.ok(result.ok && result.plan.mode === 'headless', JSON.stringify(result));
	return result.plan.serve.redisUrl;
}

function refused(value: string, env: NodeJS.ProcessEnv = {}): string {
	const result = parseFlags(env.NATTER_REDIS === undefined ? {...base, redis: value} : base, env);
	assert.equal(result.ok, false, value);
	return (result as {error: string}).error;
}

test('--redis accepts a single server and a cluster given by its seeds', () => {
	assert.equal(redisOf('redis://127.0.0.1:6379'), 'redis://127.0.0.1:6379');
	assert.equal(redisOf('redis+cluster://10.0.0.5:7000,10.0.0.6:7001'), 'redis+cluster://10.0.0.5:7000,10.0.0.6:7001');
	assert.deepEqual(parseRedisAddress('redis+cluster://10.0.0.5:7000,10.0.0.6:7001'), {
		kind: 'cluster',
		nodes: [
			{host: '10.0.0.5', port: 7000},
			{host: '10.0.0.6', port: 7001},
		],
		tls: false,
	});
	assert.deepEqual(parseRedisAddress('rediss+cluster://natter:s%40cret@cache.example:7000,[::1]:7001/'), {
		kind: 'cluster',
		nodes: [
			{host: 'cache.example', port: 7000},
			{host: '::1', port: 7001},
		],
		tls: true,
		username: 'natter',
		password: 's@cret',
	});
	assert.deepEqual(parseRedisAddress('redis://127.0.0.1:6379/2'), {kind: 'single', url: 'redis://127.0.0.1:6379/2'});
});

test('a --redis value that is neither form is refused, naming the seed or the form expected', () => {
	assert.equal(refused('redis+cluster://10.0.0.5:7000,10.0.0.6'), '--redis "redis+cluster://10.0.0.5:7000,10.0.0.6": "10.0.0.6" is not host:port; every cluster seed needs both');
	assert.equal(refused('redis+cluster://h:0'), '--redis "redis+cluster://h:0": "h:0" is not host:port; every cluster seed needs both');
	assert.match(refused('redis+cluster://'), /^--redis "redis\+cluster:\/\/" is not a cluster address; expected something like redis\+cluster:\/\/10\.0\.0\.5:7000,10\.0\.0\.6:7000$/);
	assert.equal(refused('http://127.0.0.1:6379'), '--redis "http://127.0.0.1:6379" must start with redis://, rediss:// or redis+cluster://');
	assert.match(refused('not a url'), /^--redis "not a url" is not a URL; expected something like redis:\/\/127\.0\.0\.1:6379/);
	assert.match(refused('', {NATTER_REDIS: 'redis+cluster://x'}), /^NATTER_REDIS "redis\+cluster:\/\/x": "x" is not host:port/);
});
