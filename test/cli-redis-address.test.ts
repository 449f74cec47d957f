// `--redis` takes one Redis server (redis://, rediss://), a Redis Cluster's seeds
// (redis+cluster://h1:7000,h2:7000) or Redis Sentinel's sentinels and master name
// (redis+sentinel://h1:26379,h2:26379/mymaster[/db]); anything else is refused with a message
// naming the flag, the value and the form expected, before any connection is tried.
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
	assert.equal(refused('http://127.0.0.1:6379'), '--redis "http://127.0.0.1:6379" must start with redis://, rediss://, redis+cluster:// or redis+sentinel://');
	assert.match(refused('not a url'), /^--redis "not a url" is not a URL; expected something like redis:\/\/127\.0\.0\.1:6379/);
	assert.match(refused('', {NATTER_REDIS: 'redis+cluster://x'}), /^NATTER_REDIS "redis\+cluster:\/\/x": "x" is not host:port/);
});

test('--redis accepts Sentinel: sentinels (port 26379 when left out), the master name, an optional db and the master\'s credentials', () => {
	assert.equal(redisOf('redis+sentinel://10.0.0.5:26379,10.0.0.6:26380/mymaster'), 'redis+sentinel://10.0.0.5:26379,10.0.0.6:26380/mymaster');
	assert.deepEqual(parseRedisAddress('redis+sentinel://10.0.0.5:26379,10.0.0.6:26380/mymaster'), {
		kind: 'sentinel',
		sentinels: [
			{host: '10.0.0.5', port: 26_379},
			{host: '10.0.0.6', port: 26_380},
		],
		name: 'mymaster',
		db: 0,
		tls: false,
	});
	assert.deepEqual(parseRedisAddress('rediss+sentinel://:s%40cret@sentinel.example,[::1]:5000/chat-main.1/3'), {
		kind: 'sentinel',
		sentinels: [
			{host: 'sentinel.example', port: 26_379},
			{host: '::1', port: 5000},
		],
		name: 'chat-main.1',
		db: 3,
		tls: true,
		password: 's@cret',
	});
	assert.deepEqual(parseRedisAddress('redis+sentinel://natter:pw@h/m'), {kind: 'sentinel', sentinels: [{host: 'h', port: 26_379}], name: 'm', db: 0, tls: false, username: 'natter', password: 'pw'});
});

test('a Sentinel address without a master name, with a bad port, name or db, is refused saying which part is wrong', () => {
	const expected = 'expected sentinels and the master\'s name, like redis+sentinel://10.0.0.5:26379,10.0.0.6:26379/mymaster';
	assert.equal(refused('redis+sentinel://10.0.0.5:26379'), `--redis "redis+sentinel://10.0.0.5:26379" is not a Sentinel address; ${expected}`);
	assert.equal(refused('redis+sentinel://'), `--redis "redis+sentinel://" is not a Sentinel address; ${expected}`);
	assert.equal(refused('redis+sentinel://h:26379/m/0/extra'), `--redis "redis+sentinel://h:26379/m/0/extra" is not a Sentinel address; ${expected}`);
	assert.equal(refused('redis+sentinel://h:99999/m'), '--redis "redis+sentinel://h:99999/m": "h:99999" is not host:port; a sentinel\'s port, when given, is 1 to 65535');
	assert.equal(refused('redis+sentinel://h:26379,/m'), '--redis "redis+sentinel://h:26379,/m": "" is not host:port; a sentinel\'s port, when given, is 1 to 65535');
	assert.match(refused('redis+sentinel://h:26379/'), /^--redis "redis\+sentinel:\/\/h:26379\/": "" is not a master name; after the sentinels comes the name Sentinel monitors/);
	assert.match(refused('redis+sentinel://h:26379/my%20master'), /"my%20master" is not a master name/);
	assert.equal(refused('redis+sentinel://h:26379/m/x'), '--redis "redis+sentinel://h:26379/m/x": "x" is not a database number; the optional /DB after the master\'s name is 0 to 9999');
	assert.equal(refused('redis+sentinel://h:26379/m?db=1'), `--redis "redis+sentinel://h:26379/m?db=1" is not a Sentinel address; ${expected}`);
	assert.equal(refused('redis+sentinel://%zz@h/m'), '--redis value\'s user:password part has a bad %-escape (write a % itself as %25)');
	// The cluster form keeps its own rule: every seed names its port.
	assert.equal(refused('redis+cluster://h'), '--redis "redis+cluster://h": "h" is not host:port; every cluster seed needs both');
});
