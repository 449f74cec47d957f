import {test} from 'node:test';
import assert from 'node:assert/strict';
import {compileFilter, DEFAULT_FILTER_LIMITS, type FilterLimits} from '../source/filter/compile-filter.js';

function refusal(source: string, limits?: Partial<FilterLimits>): {error: string; position: number} {
	const result = compileFilter(source, limits);
	if (result.ok) assert.fail(`expected ${JSON.stringify(source)} to be refused`);
	return {error: result.error, position: result.position};
}

function assertRefused(source: string, position: number, error: string | RegExp, limits?: Partial<FilterLimits>): void {
	const got = refusal(source, limits);
	assert.equal(got.position, position, `position for ${JSON.stringify(source)}: ${got.error}`);
	if (typeof error === 'string') assert.equal(got.error, error);
	else assert.match(got.error, error);
}

test('errors name the problem and the 0-based position it was found at', () => {
	assertRefused('sendr == "x"', 0, 'unknown field "sendr" at position 0 (fields are sender, content, data.…)');
	assertRefused('data.value == ', 14, 'expected a value after "==" at position 14');
	assertRefused('data.value == )', 14, 'expected a value after "==" at position 14 (found ")")');
	assertRefused('content ~ "abc', 10, 'unterminated string at position 10');
	assertRefused('data.a == 1 data.b == 2', 12, /^unexpected "data" at position 12/);
	assertRefused('data.a = 1', 7, 'unexpected character "=" at position 7 (did you mean "=="?)');
	assertRefused('data.a && data.b', 7, 'unexpected character "&" at position 7 (use "and")');
	assertRefused('(data.a or data.b', 17, 'expected ")" but found the end of the filter at position 17 (to close the "(" at position 0)');
	assertRefused('data.a)', 6, /^unexpected "\)" at position 6/);
	assertRefused('data.a == 1 and', 15, /^expected a field but found the end of the filter at position 15/);
	assertRefused('and', 0, /^expected a field but found "and" at position 0/);
	assertRefused('sender.name == "x"', 6, /^"sender" has no fields at position 6/);
	assertRefused('data. == 1', 6, /^expected a name after "." at position 6/);
	assertRefused('data[1] == 1', 5, /^expected a quoted key after "\[" at position 5/);
	assertRefused('data.x "y"', 7, /^expected an operator after data.x but found a string at position 7/);
	assertRefused('data.x < true', 9, '"<" compares only numbers or strings at position 9');
	assertRefused('data.x == [1]', 10, 'a list can only follow "in" at position 10');
	assertRefused('data.x == /a/', 10, 'a regular expression can only follow "~" at position 10');
	assertRefused('data.x in 1', 10, /^expected a list after "in" but found the number 1 at position 10/);
	assertRefused('data.x in [1, data.y]', 14, /^expected a value in the list at position 14/);
	assertRefused('data.x in [1 2]', 13, /^expected "," or "]" but found the number 2 at position 13/);
	assertRefused('content ~ 5', 10, /^expected a quoted string or \/regex\/ after "~" but found the number 5 at position 10/);
	assertRefused('content == "\\q"', 12, /^unknown escape "\\q" in string at position 12/);
	assertRefused('content == "\\u12"', 12, /^bad \\u escape at position 12/);
	assertRefused('data.n == 12abc', 10, 'malformed number at position 10');
	assertRefused('data.n == 1e999', 10, 'number is out of range at position 10');
	assertRefused('data.n == 1 \u0007', 12, 'unexpected character U+0007 at position 12');
	assertRefused('data.a AND data.b', 7, 'expected an operator after data.a but found "AND" at position 7 (keywords are lowercase: "and")');
	assertRefused('NOT data.a', 0, 'unknown field "NOT" at position 0 (keywords are lowercase: "not")');
	assertRefused('', 0, 'filter is empty at position 0');
	assertRefused('   ', 0, 'filter is empty at position 0');
});

test('regular-expression literals are checked when the filter is compiled', () => {
	assertRefused('content ~ /abc', 10, 'unterminated regular expression at position 10');
	assertRefused('content ~ //', 10, 'empty regular expression at position 10');
	assertRefused('content ~ /a/g', 13, 'unknown regular expression flag "g" at position 13 (allowed flags are i, m, s and u)');
	assertRefused('content ~ /a/ii', 14, 'repeated regular expression flag "i" at position 14');
	assertRefused('content ~ /(a/', 10, 'invalid regular expression (missing closing ): `(a`) at position 10');
	assertRefused(`content ~ /${'a'.repeat(201)}/`, 10, 'regular expression is too long (more than 200 characters) at position 10');
	assert.equal(compileFilter(`content ~ /[${'a'.repeat(198)}]/`).ok, true, 'a long class is one RE2 instruction');
	assert.equal(compileFilter('content ~ /[/]/').ok, true, 'a slash inside a character class does not end the literal');
	assert.equal(compileFilter('content ~ /a\\/b/').ok, true);
});

test('a filter longer than maxLength is refused at the first character past the limit', () => {
	const long = `content ~ "${'a'.repeat(DEFAULT_FILTER_LIMITS.maxLength)}"`;
	assertRefused(long, 512, 'filter is too long (more than 512 characters) at position 512');
	const exactly = `content ~ "${'a'.repeat(512 - 12)}"`;
	assert.equal(exactly.length, 512);
	assert.equal(compileFilter(exactly).ok, true);
	assertRefused('data.a == 1', 10, /^filter is too long \(more than 10 characters\)/, {maxLength: 10});
});

test('nesting deeper than maxDepth is refused where it first goes too deep', () => {
	const parens = (n: number) => `${'('.repeat(n)}data.a${')'.repeat(n)}`;
	assert.equal(compileFilter(parens(16)).ok, true);
	assertRefused(parens(17), 16, 'expression is too deep (more than 16 levels) at position 16');
	assert.equal(compileFilter(`${'not '.repeat(16)}data.a`).ok, true);
	assertRefused(`${'not '.repeat(17)}data.a`, 64, 'expression is too deep (more than 16 levels) at position 64');
	// and/or chains count one level each however long they are; a nested chain counts again.
	assert.equal(compileFilter(Array.from({length: 40}, (_, i) => `data.k${i}`).join(' and ')).ok, true);
	assertRefused('data.a and (data.b or data.c)', 19, 'expression is too deep (more than 2 levels) at position 19', {maxDepth: 2});
	assert.equal(compileFilter('data.a and (data.b or data.c)', {maxDepth: 3}).ok, true);
	assertRefused('not (data.a)', 4, /too deep \(more than 1 levels\) at position 4/, {maxDepth: 1});
});

test('lists hold at most 64 items', () => {
	const list = (n: number) => `data.n in [${Array.from({length: n}, (_, i) => i).join(',')}]`;
	assert.equal(compileFilter(list(64)).ok, true);
	const source = list(65);
	assertRefused(source, source.lastIndexOf(',') + 1, /^list has more than 64 items at position \d+$/);
});

test('compileFilter never throws, whatever it is given', () => {
	for (const weird of [null, undefined, 5, {}, ['data.a']]) {
		const result = compileFilter(weird as string);
		assert.equal(result.ok, false);
	}
	const deep = `${'('.repeat(100_000)}data.a${')'.repeat(100_000)}`;
	assert.equal(compileFilter(deep, {maxLength: Infinity, maxDepth: Infinity}).ok, false);
});
