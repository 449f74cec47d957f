import {test} from 'node:test';
import assert from 'node:assert/strict';
import {compileFilter, type CompiledFilter, type FilterInput} from '../source/filter/compile-filter.js';
import {FilterCache} from '../source/filter/filter-cache.js';

function compile(source: string): CompiledFilter {
	const result = compileFilter(source);
	if (!result.ok) assert.fail(`expected ${JSON.stringify(source)} to compile, got: ${result.error}`);
	return result.filter;
}

function admits(source: string, data?: Record<string, unknown>, message: Partial<FilterInput> = {}): boolean {
	return compile(source).matches({sender: 'alice', content: 'hello world', ...message, ...(data === undefined ? {} : {data})});
}

test('the seed scenario: a priced-order subscription admits only big orders, a logger admits every order', () => {
	const bigOrders = compile('data.type == "order" and data.value > 100');
	const logger = compile('data.type == "order"');
	const big = {sender: 'shop', content: 'order placed', data: {type: 'order', value: 150}};
	const small = {sender: 'shop', content: 'order placed', data: {type: 'order', value: 50}};
	const refund = {sender: 'shop', content: 'refund', data: {type: 'refund', value: 500}};
	assert.deepEqual([big, small, refund].map(m => bigOrders.matches(m)), [true, false, false]);
	assert.deepEqual([big, small, refund].map(m => logger.matches(m)), [true, true, false]);
});

test('== and != compare strictly, with no type coercion', () => {
	assert.equal(admits('data.value == 5', {value: 5}), true);
	assert.equal(admits('data.value == "5"', {value: 5}), false);
	assert.equal(admits('data.value != "5"', {value: 5}), true);
	assert.equal(admits('data.value == 1', {value: true}), false);
	assert.equal(admits('data.flag == true', {flag: true}), true);
	assert.equal(admits('data.flag == null', {flag: null}), true);
	assert.equal(admits('data.n == 1e3 and data.m == -0.5 and data.k == 1.0', {n: 1000, m: -0.5, k: 1}), true);
	assert.equal(admits('sender == "alice"'), true);
	assert.equal(admits('sender != "alice"'), false);
});

test('orderings compare numbers with numbers and strings with strings, anything mixed is false', () => {
	assert.deepEqual(['<', '<=', '>', '>='].map(op => admits(`data.n ${op} 10`, {n: 10})), [false, true, false, true]);
	assert.deepEqual(['<', '<=', '>', '>='].map(op => admits(`data.n ${op} 10`, {n: 9.5})), [true, true, false, false]);
	assert.equal(admits('sender < "bob"'), true, 'strings compare lexicographically');
	assert.equal(admits('sender >= "alicf"'), false);
	assert.equal(admits('data.n < "5"', {n: 3}), false);
	assert.equal(admits('data.n > 2', {n: '3'}), false);
});

test('~ finds a case-sensitive substring, and only in strings', () => {
	assert.equal(admits('content ~ "lo wo"'), true);
	assert.equal(admits('content ~ "Hello"'), false);
	assert.equal(admits('data.n ~ "1"', {n: 1}), false);
	assert.equal(admits('content ~ ""'), true);
});

test('~ with a regular expression honours its flags', () => {
	assert.equal(admits('content ~ /^HELLO/'), false);
	assert.equal(admits('content ~ /^HELLO/i'), true);
	assert.equal(admits('content ~ /world$/m', undefined, {content: 'hello world\nbye'}), true);
	assert.equal(admits('content ~ /o.b/s', undefined, {content: 'hello\nbye'}), true);
	assert.equal(admits('content ~ /o.b/', undefined, {content: 'hello\nbye'}), false);
	assert.equal(admits('content ~ /\\u{1F600}/u', undefined, {content: 'smile 😀'}), true);
	assert.equal(admits('data.n ~ /1/', {n: 1}), false);
	assert.equal(admits('content ~ /error.*timeout/i', undefined, {content: 'ERROR: request timeout'}), true);
});

test('a regular expression sees only the first 512 characters of a field; a substring test sees all', () => {
	const content = `${'x'.repeat(512)}needle`;
	assert.equal(admits('content ~ /needle/', undefined, {content}), false);
	assert.equal(admits('content ~ "needle"', undefined, {content}), true);
	assert.equal(admits('content ~ /x$/', undefined, {content}), true, 'the cut-off text ends in x');
});

test('in admits a value strictly equal to any list element', () => {
	assert.equal(admits('data.type in ["order", "refund"]', {type: 'refund'}), true);
	assert.equal(admits('data.type in ["order", "refund"]', {type: 'ORDER'}), false);
	assert.equal(admits('data.n in [1, 2, 3]', {n: 2}), true);
	assert.equal(admits('data.n in ["2"]', {n: 2}), false);
	assert.equal(admits('data.x in [null, false]', {x: null}), true);
	assert.equal(admits('data.x in [null]', {}), false, 'a missing path is not null');
	assert.equal(admits('data.x in []', {x: 1}), false);
	assert.equal(admits('not (data.n in [1, 2])', {n: 3}), true);
});

test('exists is true for a defined, non-null path', () => {
	assert.equal(admits('data.x exists', {x: 0}), true);
	assert.equal(admits('data.x exists', {x: false}), true);
	assert.equal(admits('data.x exists', {x: null}), false);
	assert.equal(admits('data.x exists', {}), false);
	assert.equal(admits('data exists'), false);
	assert.equal(admits('data exists', {}), true);
	assert.equal(admits('not data.x exists', {}), true);
});

test('a bare field is a truthy test that only the value true passes', () => {
	assert.equal(admits('data.urgent', {urgent: true}), true);
	for (const urgent of [1, 'yes', 'true', {}, [], null, false]) assert.equal(admits('data.urgent', {urgent}), false, JSON.stringify(urgent));
	assert.equal(admits('data.urgent', {}), false);
});

test('missing paths are undefined: every comparison is false except !=', () => {
	for (const test of ['== null', '== 0', '< 1', '>= 0', '~ ""', 'in [null]', 'exists']) {
		assert.equal(admits(`data.nothing.deeper ${test}`, {nothing: 5}), false, test);
		assert.equal(admits(`data.missing ${test}`), false, `${test} without data`);
	}
	assert.equal(admits('data.missing != null', {}), true);
	assert.equal(admits('data.missing != 1'), true);
});

test('dotted and bracketed paths reach into nested data', () => {
	const data = {order: {value: 150, 'line items': {count: 3}}, 'key with space': 'x', "it's": 2, items: ['a', 'b'], in: 1};
	assert.equal(admits('data.order.value >= 150', data), true);
	assert.equal(admits('data.order["line items"].count == 3', data), true);
	assert.equal(admits('data["key with space"] == "x"', data), true);
	assert.equal(admits("data['it\\'s'] == 2", data), true);
	assert.equal(admits('data.items["1"] == "b"', data), true);
	assert.equal(admits('data.in == 1', data), true, 'keywords are plain names after a dot');
	assert.equal(admits('data . order . value == 150', data), true);
});

test('__proto__, constructor and other inherited names never reach a prototype', () => {
	for (const path of ['data.__proto__', 'data.constructor', 'data.toString', 'data["__proto__"].polluted', 'data.constructor.prototype', 'data.hasOwnProperty']) {
		assert.equal(admits(`${path} exists`, {a: 1}), false, path);
		assert.equal(admits(`${path} != null`, {a: 1}), true, path);
	}
	assert.equal(admits('data.items.map exists', {items: []}), false);
	// An own property that happens to be called __proto__ (as JSON.parse makes it) is an ordinary key.
	const data = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
	assert.equal(admits('data.__proto__.polluted', data), true);
	assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('strings accept both quotes and the documented escapes', () => {
	assert.equal(admits(String.raw`content == "say \"hi\"\n\ttab \\ \u00e9"`, undefined, {content: 'say "hi"\n\ttab \\ é'}), true);
	assert.equal(admits(String.raw`content == 'it\'s'`, undefined, {content: "it's"}), true);
	assert.equal(admits(String.raw`content == 'say "hi"'`, undefined, {content: 'say "hi"'}), true);
});

test('and, or, not and parentheses combine conditions', () => {
	const cases: Array<[string, boolean, boolean, boolean]> = [];
	for (const a of [false, true]) for (const b of [false, true]) for (const c of [false, true]) cases.push([`${a}${b}${c}`, a, b, c]);
	for (const [, a, b, c] of cases) {
		const data = {a, b, c, x: a ? 1 : 2};
		assert.equal(admits('data.a and data.b', data), a && b);
		assert.equal(admits('data.a or data.b', data), a || b);
		assert.equal(admits('not data.a', data), !a);
		assert.equal(admits('(data.a or data.b) and data.c', data), (a || b) && c);
		// Precedence: not binds tightest, then comparisons, then and, then or.
		assert.equal(admits('data.a or data.b and data.c', data), a || (b && c));
		assert.equal(admits('data.a and data.b or data.c', data), (a && b) || c);
		assert.equal(admits('not data.a and data.b', data), !a && b);
		assert.equal(admits('not data.a or data.b', data), !a || b);
		assert.equal(admits('not data.x == 1 and data.b', data), !(a) && b);
		assert.equal(admits('data.a and not data.b or data.c', data), (a && !b) || c);
		assert.equal(admits('not not data.a', data), a);
		assert.equal(admits('not (data.a and data.b)', data), !(a && b));
	}
});

test('matches never throws, even on a malformed message', () => {
	const filter = compile('data.a.b == 1 or content ~ /x/ or sender in ["a"]');
	for (const bad of [null, undefined, 5, 'text', {}, {data: 5}, {data: null}, {content: 5, sender: {}}]) {
		assert.equal(filter.matches(bad as unknown as FilterInput), false);
	}
	const hostile = new Proxy({}, {getOwnPropertyDescriptor() { throw new Error('boom'); }});
	assert.equal(filter.matches({sender: 'b', content: '', data: {a: hostile}}), false);
});

test('the compiled filter keeps its source text as given', () => {
	const source = '  data.type   ==  "order" ';
	assert.equal(compile(source).source, source);
});

test('a filter asked twice in one fan-out pass runs once; without a pass, or in the next, it runs again', () => {
	const filter = compile('data.n == 1 and content ~ /\\p{L}+/');
	let reads = 0;
	const message = {sender: 's', content: 'hello', get data() {
		reads += 1;
		return {n: 1};
	}};
	assert.equal(filter.matches(message, 7), true);
	assert.equal(filter.matches(message, 7), true);
	assert.equal(reads, 1, 'the second answer in pass 7 came from memory');
	assert.equal(filter.matches(message), true);
	assert.equal(reads, 2, 'without a pass it ran');
	assert.equal(filter.matches(message, 8), true);
	assert.equal(reads, 3, 'a new pass ran it');
});

test('a FilterCache hands out one compiled filter per distinct text, and refusals as compileFilter does', () => {
	const cache = new FilterCache({maxLength: 512});
	const a = cache.compile('content ~ /deploy(ed|ing)?/');
	const b = cache.compile('content ~ /deploy(ed|ing)?/');
	assert.ok(a.ok && b.ok);
	assert.equal(a.filter, b.filter);
	assert.equal(a.filter.regexSize, 17);
	const c = cache.compile('content ~ /deploy/');
	assert.ok(c.ok && c.filter !== a.filter);
	assert.deepEqual(cache.compile('sendr == 1'), compileFilter('sendr == 1'));
});
