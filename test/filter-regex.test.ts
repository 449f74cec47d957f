import {test} from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {compileFilter} from '../source/filter/compile-filter.js';

// Every pattern below sits after `content ~ /`, so its first character is at position 11.
const AT = 11;

function regexRefusal(pattern: string, flags = ''): {error: string; position: number} {
	const result = compileFilter(`content ~ /${pattern}/${flags}`);
	if (result.ok) assert.fail(`expected /${pattern}/${flags} to be refused`);
	return result;
}

function assertRegexRefused(pattern: string, offset: number, reason: RegExp): void {
	const {error, position} = regexRefusal(pattern);
	assert.equal(position, AT + offset, `${pattern}: ${error}`);
	assert.match(error, reason, pattern);
}

/** Texts built to make a backtracking engine work hard: long runs of what patterns match, then a miss. */
const HOSTILE_TEXTS = ['a', 'ab', 'a ', 'x', ' ', '1', 'a1'].map(unit => `${unit.repeat(Math.ceil(5000 / unit.length))}!`);

function worstMilliseconds(pattern: string): number {
	const result = compileFilter(`content ~ /${pattern}/`);
	if (!result.ok) assert.fail(`expected /${pattern}/ to be accepted: ${result.error}`);
	let worst = 0;
	for (const content of HOSTILE_TEXTS) {
		const started = performance.now();
		result.filter.matches({sender: 's', content});
		worst = Math.max(worst, performance.now() - started);
	}
	return worst;
}

test('nested quantifiers are refused at the quantifier that repeats the group', () => {
	assertRegexRefused('(a+)+$', 4, /could backtrack catastrophically \(nested quantifier\)/);
	assertRegexRefused('(a*)*b', 4, /nested quantifier/);
	assertRegexRefused('(.*a){20}', 5, /nested quantifier/);
	assertRegexRefused('(a?){20}a{20}', 4, /nested quantifier/);
	assertRegexRefused('(?:\\w+\\s?)+$', 10, /nested quantifier/);
	assertRegexRefused('((a)+x)*', 7, /nested quantifier/);
});

test('repeated alternatives that can start alike are refused', () => {
	assertRegexRefused('(a|aa)+', 6, /repeated alternatives that can match alike/);
	assertRegexRefused('(?:x|\\w)*y', 8, /repeated alternatives/);
	assert.equal(compileFilter('content ~ /(a|A)+/').ok, true, 'without the i flag a and A differ');
	assert.equal(compileFilter('content ~ /(foo|bar)+/').ok, true, 'alternatives that start differently are fine');
	assert.equal(regexRefusal('(a|A)+', 'i').position, AT + 5, 'with the i flag a and A are the same letter');
});

test('quantifiers that split the same text several ways are refused when they would compound', () => {
	assertRegexRefused('.*.*x', 1, /could backtrack catastrophically \(a quantifier overlaps a later one\)/);
	assertRegexRefused('a.*b.*c', 2, /overlaps a later one/);
	assertRegexRefused('\\w*\\s*\\w*x', 2, /overlaps a later one/);
	assertRegexRefused('.*a{16}x', -1, /could be too slow on long text/);
	assertRegexRefused(`${'a?'.repeat(20)}${'a'.repeat(20)}`, -1, /too slow/);
	assertRegexRefused('(?:a|a)(?:a|a)(?:a|a)(?:a|a)[^x]*x', -1, /too slow/);
});

test('backreferences and lookaround are refused', () => {
	assertRegexRefused('(a)\\1', 3, /^backreferences are not supported in filters/);
	assertRegexRefused('(?<w>a)\\k<w>', 7, /^backreferences are not supported/);
	assertRegexRefused('a(?=b)', 1, /^lookahead and lookbehind are not supported/);
	assertRegexRefused('(?<!b)a', 0, /lookahead and lookbehind/);
	assert.equal(compileFilter('content ~ /[\\1]/').ok, true, 'inside a class \\1 is a character, not a reference');
});

test('everyday patterns are accepted and stay fast on hostile text', () => {
	const everyday = [
		'error.*timeout', '^\\d{3}-\\d{4}$', '\\w+@\\w+\\.com', 'https?:\\/\\/\\S+', '\\s*,\\s*', '(error|warn|err)',
		'(foo|bar)+', '^hello', 'colou?r', '[a-z]+[0-9]+x', '\\bdeploy(ed|ing)?\\b', '.*', '#[0-9a-f]{6}', 'a{1,5}a',
		'\\p{L}+ x', '(?<word>ab)c', '(?:ab)*c', 'a*b',
	];
	for (const pattern of everyday) {
		const flags = pattern.includes('\\p') ? 'u' : '';
		assert.equal(compileFilter(`content ~ /${pattern}/${flags}`).ok, true, pattern);
		if (flags === '') assert.ok(worstMilliseconds(pattern) < 1000, pattern);
	}
});

// The grammar mixes the pieces that cause trouble: overlapping classes, every kind of
// quantifier, groups and alternation. Most of what it makes is refused; whatever is accepted
// must finish quickly. (Refused shapes such as `.*.*x` take seconds here, `(a+)+$` forever.)
const atom = fc.constantFrom('a', 'b', '.', '\\w', '[ab]', '[^b]', '\\s', ' ', 'x', '\\d', '1');
const quantifier = fc.constantFrom('', '', '*', '+', '?', '{2}', '{1,3}', '{4}', '{0,5}', '{2,}', '*?');
const {pattern} = fc.letrec<{pattern: string; term: string}>(tie => ({
	term: fc.oneof(
		{depthSize: 'small'},
		fc.tuple(atom, quantifier).map(([a, q]) => a + q),
		fc.tuple(tie('pattern'), quantifier).map(([p, q]) => `(?:${p})${q}`),
		fc.tuple(tie('pattern'), tie('pattern'), quantifier).map(([p, r, q]) => `(?:${p}|${r})${q}`),
	),
	pattern: fc.array(tie('term'), {minLength: 1, maxLength: 5}).map(terms => terms.join('')),
}));

test('no accepted pattern from a grammar of risky pieces blows up on hostile text', () => {
	const accepted = pattern.filter(p => compileFilter(`content ~ /${p}/`).ok);
	fc.assert(fc.property(accepted, p => worstMilliseconds(p) < 1000), {numRuns: 25, seed: 20_240_601});
});
