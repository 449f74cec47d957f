import {test} from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import stringWidth from 'string-width';
import {isTerminalSafe, sanitizeLine, sanitizeLineSlice, sanitizeText} from '../source/text/sanitize.js';

const RUNS = 3000;

// An oracle written independently of the module's regexes: code points that must never reach the terminal.
function isForbidden(code: number, allowNewline: boolean): boolean {
	if (code === 0x0a) return !allowNewline;
	if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return true; // C0, DEL, C1
	if ((code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069)) return true; // bidi embeddings, isolates
	if (code === 0x200e || code === 0x200f || code === 0x061c) return true; // direction marks
	if (code === 0x200b || (code >= 0x2060 && code <= 0x2064)) return true; // zero-width space, invisible operators
	if (code === 0xfeff || code === 0x00ad || code === 0x180e || code === 0x034f) return true;
	if (code >= 0xe0000 && code <= 0xe007f) return true; // tag characters
	// Beyond the minimum: line/paragraph separators, deprecated format controls, interlinear annotation.
	if (code === 0x2028 || code === 0x2029 || (code >= 0x2065 && code <= 0x206f) || (code >= 0xfff9 && code <= 0xfffb)) return true;
	return code >= 0xd800 && code <= 0xdfff; // only reachable as a lone surrogate when iterating by code point
}

const JOINERS = new Set([0x200c, 0x200d]);

/**
 * A joiner (ZWJ, ZWNJ) may reach the terminal only between two characters that are themselves
 * allowed, not joiners, outside ASCII and Latin script (so it can never sit inside or at the edge
 * of an ASCII word, or stand alone), and that are letters, marks or emoji parts: looser than
 * the sanitiser's own rule, so a safety property, not a copy of it.
 */
function joinerAllowed(chars: string[], index: number, allowNewline: boolean): boolean {
	const fits = (char: string | undefined): boolean => {
		if (char === undefined) return false;
		const code = char.codePointAt(0)!;
		return code > 0x7f && !JOINERS.has(code) && !isForbidden(code, allowNewline) && !/\p{scx=Latin}/u.test(char)
			&& /[\p{L}\p{M}\p{Extended_Pictographic}\p{Emoji_Modifier}\ufe0f]/u.test(char);
	};
	return fits(chars[index - 1]) && fits(chars[index + 1]);
}

function forbiddenIn(output: string, allowNewline: boolean): string[] {
	const found: string[] = [];
	const chars = [...output];
	for (const [i, char] of chars.entries()) {
		const code = char.codePointAt(0) ?? 0;
		const bad = JOINERS.has(code) ? !joinerAllowed(chars, i, allowNewline) : isForbidden(code, allowNewline);
		if (bad) found.push(`U+${code.toString(16).toUpperCase().padStart(4, '0')}`);
	}
	return found;
}

function assertNeutralised(input: string): void {
	assert.deepEqual(forbiddenIn(sanitizeLine(input), false), [], `sanitizeLine(${JSON.stringify(input)})`);
	assert.deepEqual(forbiddenIn(sanitizeText(input), true), [], `sanitizeText(${JSON.stringify(input)})`);
}

const PAYLOADS: Array<[name: string, payload: string]> = [
	['OSC 0 title ended by BEL', '\x1b]0;pwned\x07'],
	['OSC 2 title ended by ST', '\x1b]2;pwned\x1b\\'],
	['OSC 8 hyperlink', '\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\'],
	['OSC 52 clipboard write', '\x1b]52;c;ZXZpbA==\x07'],
	['CSI 2J screen clear', '\x1b[2J'],
	['CSI 6n cursor report', '\x1b[6n'],
	['CSI SGR with parameters', '\x1b[31;1m'],
	['ESC c full reset', '\x1bc'],
	['ESC 7 / ESC 8 cursor save and restore', '\x1b7\x1b8'],
	['DCS string', '\x1bPq#0;2;0;0;0\x1b\\'],
	['APC, PM and SOS strings', '\x1b_apc\x1b\\\x1b^pm\x1b\\\x1bXsos\x1b\\'],
	['8-bit CSI', '\x9b2J'],
	['8-bit OSC', '\x9d0;x\x07'],
	['8-bit DCS', '\x90q\x9c'],
	['bidi overrides and isolates', '\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069'],
	['zero-width characters', '\u200b\u200c\u200d\ufeff'],
	['tag characters', '\u{e0041}\u{e007f}'],
	['lone surrogates (a trail before a lead never pairs)', '\udfff\ud800'],
];

for (const [name, payload] of PAYLOADS) {
	test(`neutralises ${name} and keeps the text around it`, () => {
		const input = `before ${payload} after`;
		assertNeutralised(input);
		for (const output of [sanitizeLine(input), sanitizeText(input)]) {
			assert.ok(output.startsWith('before '), output);
			assert.ok(output.endsWith(' after'), output);
			assert.ok(output.length > 'before  after'.length, 'the payload leaves a visible trace');
		}
		assert.equal(isTerminalSafe(input), false);
	});
}

test('shows escape sequences as compact visible text', () => {
	assert.equal(sanitizeLine('a\x1b]0;pwned\x07b'), 'a␛]0;pwned␇b');
	assert.equal(sanitizeLine('\x1b]2;pwned\x1b\\'), '␛]2;pwned␛\\');
	assert.equal(sanitizeLine('\x1b[2Jx'), '␛[2Jx');
	assert.equal(sanitizeLine('\x1b[31;1mred'), '␛[31;1mred');
	assert.equal(sanitizeLine('\x1bc'), '␛c');
	assert.equal(sanitizeLine('\x9b2J'), '⟨U+009B⟩2J');
	assert.equal(sanitizeLine('\x9d0;x\x07'), '⟨U+009D⟩0;x␇');
	assert.equal(sanitizeLine('al\u202eice'), 'al⟨U+202E⟩ice');
});

test('neutralises sequences cut off at the end of the string', () => {
	assert.equal(sanitizeLine('text\x1b['), 'text␛[');
	assert.equal(sanitizeLine('text\x1b]0;title'), 'text␛]0;title');
	assert.equal(sanitizeLine('text\x1b'), 'text␛');
	assertNeutralised('text\x1b[');
	assertNeutralised('text\x1b]0;title');
});

test('a carriage return cannot overwrite what came before it', () => {
	assert.equal(sanitizeLine('safe\rEVIL'), 'safe␍EVIL');
	assert.equal(sanitizeText('safe\rEVIL'), 'safe␍EVIL');
});

test('backspaces cannot erase what came before them', () => {
	assert.equal(sanitizeLine('abc\b\b\bxyz'), 'abc␈␈␈xyz');
	assert.equal(sanitizeText('abc\b\b\bxyz'), 'abc␈␈␈xyz');
});

test('sanitizeLine shows line breaks as ⏎, sanitizeText keeps them as LF', () => {
	assert.equal(sanitizeLine('one\ntwo\r\nthree'), 'one⏎ two⏎ three');
	assert.equal(sanitizeText('one\ntwo\r\nthree'), 'one\ntwo\nthree');
	assert.equal(isTerminalSafe('one\ntwo'), true);
});

test('tabs become two spaces and DEL becomes a control picture', () => {
	assert.equal(sanitizeLine('a\tb\x7f'), 'a  b␡');
});

test('names that differ only by invisible characters render differently', () => {
	const pairs: Array<[string, string]> = [
		['alice', 'al\u200bice'],
		['alice', '\u202eecila'],
		['alice', 'alice\u2066'],
		['alice', 'al\u00adice'],
		['bob', 'b\u200dob\ufeff'],
	];
	for (const [real, fake] of pairs) {
		assert.notEqual(sanitizeLine(fake), sanitizeLine(real), `${JSON.stringify(fake)} must not look like ${real}`);
		assert.equal(sanitizeLine(real), real);
	}
});

// Arbitraries: any UTF-16 (lone surrogates included), and printable text laced with dangerous pieces.
const anyUtf16 = fc.string({unit: fc.integer({min: 0, max: 0xffff}).map(code => String.fromCharCode(code)), maxLength: 40});
const binary = fc.string({unit: 'binary', maxLength: 40});
const printable = fc.constantFrom('a', 'Z', ' ', '0', '[', ']', '\\', ';', 'P', '^', '_', 'é', '日', '👍🏽', 'ق', '—', 'م', 'ی', 'क', '्', '👨', '🌈', '🏳', '\ufe0f', 'д');
const dangerous = fc.constantFrom(
	'\x1b', '\x1b[', '\x1b]', '\x1bP', '\x1bX', '\x1b^', '\x1b_', '\x1b\\', '\x1b]0;', '\x1b]8;;', '\x1b]52;c;',
	'\x1b[2J', '\x1b[6n', '\x1bc', '\x07', '\x00', '\b', '\t', '\r', '\n', '\r\n', '\x7f',
	'\x80', '\x85', '\x90', '\x9b', '\x9c', '\x9d', '\x9f',
	'\u202a', '\u202e', '\u2066', '\u2069', '\u200e', '\u200f', '\u061c',
	'\u200b', '\u200c', '\u200d', '\u2060', '\u2064', '\ufeff', '\u00ad', '\u180e', '\u034f',
	'\u{e0000}', '\u{e0041}', '\u{e007f}', '\ud800', '\udbff', '\udc00', '\u2028', '\u206a', '\ufff9',
);
const hostile = fc.array(fc.oneof(printable, dangerous), {maxLength: 30}).map(parts => parts.join(''));
const inputs = fc.oneof(anyUtf16, binary, hostile, hostile);

test('no forbidden character survives, for any input', () => {
	fc.assert(
		fc.property(inputs, input => {
			assert.deepEqual(forbiddenIn(sanitizeLine(input), false), []);
			assert.deepEqual(forbiddenIn(sanitizeText(input), true), []);
		}),
		{numRuns: RUNS},
	);
});

test('sanitising twice is the same as sanitising once', () => {
	fc.assert(
		fc.property(inputs, input => {
			const line = sanitizeLine(input);
			const text = sanitizeText(input);
			assert.equal(sanitizeLine(line), line);
			assert.equal(sanitizeText(text), text);
		}),
		{numRuns: RUNS},
	);
});

test('isTerminalSafe is true exactly when sanitizeText would change nothing', () => {
	fc.assert(
		fc.property(fc.oneof(inputs, fc.string({unit: 'grapheme', maxLength: 20})), input => {
			assert.equal(isTerminalSafe(input), sanitizeText(input) === input);
		}),
		{numRuns: RUNS},
	);
});

test('clean printable text, CJK and emoji included, comes back unchanged', () => {
	assert.equal(sanitizeLine('日本語 👍🏽 café'), '日本語 👍🏽 café');
	assert.equal(isTerminalSafe('日本語 👍🏽 café'), true);
	const clean = fc.string({unit: fc.oneof(printable, fc.constantFrom('ü', 'ß', '한', 'Ω', '🎉', '€', '~')), maxLength: 40});
	const cleanGraphemes = fc.string({unit: 'grapheme', maxLength: 20}).filter(s => forbiddenIn(s, false).length === 0 && !/[\u200c\u200d]/.test(s));
	fc.assert(
		fc.property(fc.oneof(clean, cleanGraphemes), input => {
			assert.equal(sanitizeLine(input), input);
			assert.equal(sanitizeText(input), input);
		}),
		{numRuns: RUNS},
	);
});

test('joiners inside emoji sequences and between letters of joining scripts render as the sequence they form', () => {
	const sequences = [
		['family (ZWJ between emoji)', '👨\u200d👩\u200d👧'],
		['rainbow flag (VS16 then ZWJ)', '🏳\ufe0f\u200d🌈'],
		['technologist with a skin tone', '👨🏽\u200d💻'],
		['Persian mi with a non-joiner', 'م\u200cی'],
		['Devanagari half form with a joiner after the virama', 'क्\u200dष'],
	];
	for (const [name, text] of sequences) {
		const line = `before ${text} after`;
		assert.equal(sanitizeLine(line), line, name);
		assert.equal(sanitizeText(line), line, name);
		assert.equal(isTerminalSafe(line), true, name);
	}
	// Width as the terminal draws the sequence: one emoji, two cells; not three emoji and two codes.
	assert.equal(stringWidth(sanitizeLine('👨\u200d👩\u200d👧')), 2);
	assert.equal(stringWidth(sanitizeLine('🏳\ufe0f\u200d🌈')), 2);
	assert.equal(stringWidth(sanitizeLine('م\u200cی')), 2);
});

test('a joiner that forms nothing is shown, so it cannot hide in a word, split it, or stand alone', () => {
	const cases: Array<[string, string]> = [
		['al\u200dice', 'al⟨U+200D⟩ice'],
		['al\u200cice', 'al⟨U+200C⟩ice'],
		['\u200dalice', '⟨U+200D⟩alice'],
		['alice\u200c', 'alice⟨U+200C⟩'],
		['\u200d', '⟨U+200D⟩'],
		// A run of joiners forms nothing either: every one of them shows.
		['👨\u200d\u200d👩', '👨⟨U+200D⟩⟨U+200D⟩👩'],
		['م\u200c\u200cی', 'م⟨U+200C⟩⟨U+200C⟩ی'],
		// ZWNJ does not join emoji; ZWJ between an emoji and a letter forms nothing.
		['👨\u200c👩', '👨⟨U+200C⟩👩'],
		['👨\u200da', '👨⟨U+200D⟩a'],
		// Latin, Cyrillic and CJK do not use joiners.
		['д\u200dд', 'д⟨U+200D⟩д'],
		['日\u200c本', '日⟨U+200C⟩本'],
		// Next to something neutralised (a bidi override), the joiner is not trusted either.
		['م\u200c\u202eی', 'م⟨U+200C⟩⟨U+202E⟩ی'],
		// Inside an escape sequence it is payload.
		['\x1b]0;م\u200cی\x07', '␛]0;م⟨U+200C⟩ی␇'],
	];
	for (const [input, shown] of cases) {
		assert.equal(sanitizeLine(input), shown, JSON.stringify(input));
		assert.equal(isTerminalSafe(input), false, JSON.stringify(input));
	}
	assert.notEqual(sanitizeLine('b\u200dob'), sanitizeLine('bob'));
});

test('one grapheme of a line is shown with its joiner judged by the whole line', () => {
	// ZWNJ is part of the grapheme before it, so on its own it would look like a stray one.
	const text = 'م\u200cی';
	assert.equal(sanitizeLineSlice(text, 0, 2), 'م\u200c');
	assert.equal(sanitizeLineSlice(text, 2, 3), 'ی');
	assert.equal(sanitizeLineSlice('a\u200cb', 0, 2), 'a⟨U+200C⟩');
	assert.equal(sanitizeLineSlice('x\x1b[2Jy', 1, 5), '␛[2J');
});

test('a joiner after a lone surrogate is shown as a code, whatever stands before the surrogate', () => {
	// Found by the property test: the lone low surrogate, not the Arabic letter before it, is the ZWNJ's neighbour.
	const shown = sanitizeText('م\udc00\u200c\u094d');
	assert.doesNotMatch(shown, /\u200c/);
	assert.match(shown, /⟨U\+200C⟩/);
});
