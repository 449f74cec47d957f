/**
 * Terminal sanitiser for untrusted text (peer names, room names, message bodies).
 *
 * Anything a terminal would act on instead of print, or that renders as nothing and so can
 * hide, fake or reorder text, is replaced by a VISIBLE stand-in, never dropped, so the reader
 * sees that something was there:
 * - C0 controls become their Unicode control picture (U+2400 + code: ESC -> '␛', CR -> '␍',
 *   BS -> '␈', BEL -> '␇', NUL -> '␀'), DEL becomes '␡', TAB becomes two spaces.
 * - LF and CRLF become '⏎ ' (sanitizeLine) or a real '\n' (sanitizeText).
 * - C1 controls (U+0080–U+009F), bidi controls, zero-width and other invisible format
 *   characters, Unicode tag characters and lone surrogates become '⟨U+XXXX⟩'.
 * - Zero-width joiners and non-joiners are kept only where they form something visible (see
 *   `keepsJoiner`): ZWJ inside an emoji sequence (👨‍👩‍👧, 🏳️‍🌈), ZWJ or ZWNJ between two letters or
 *   marks of a script that uses them (Persian م‌ی, Devanagari क्‍ष). Anywhere else (at either end,
 *   next to ASCII or Latin, Greek, Cyrillic, CJK letters, in a run, inside an escape sequence)
 *   they change nothing a reader could see but could split a word a filter or mention looks
 *   for, so they are shown as '⟨U+200D⟩' like every other invisible character.
 * - A recognisable escape sequence (CSI, OSC, DCS, SOS/PM/APC, two-byte ESC x, and the 8-bit C1
 *   forms, terminated or not) is consumed whole and shown as one single-line token with the
 *   rules above applied to each of its characters, e.g. ESC ] 0;x BEL -> '␛]0;x␇'.
 * No replacement contains a character that is itself replaced, so sanitising is idempotent.
 * The stand-ins are not escaped against look-alike literal text: names that must stay
 * distinguishable are validated separately (see protocol/names.ts).
 */

/* eslint-disable no-misleading-character-class -- the classes list joiners and combining marks (ZWJ, CGJ) on purpose, one code point each */

// Unsafe anywhere: C0 but LF, DEL, C1, soft hyphen, CGJ, ALM, Mongolian vowel separator,
// zero-width and direction marks, line/paragraph separators, bidi embeddings and isolates,
// invisible operators and deprecated format controls, BOM/ZWNBSP, interlinear annotation,
// tag characters, and (the class is in /u mode, so this range matches only unpaired) surrogates.
const UNSAFE = String.raw`\x00-\x09\x0b-\x1f\x7f-\x9f\u00ad\u034f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb\u{e0000}-\u{e007f}\ud800-\udfff`;

// Precompiled, non-global (no lastIndex state) checks for the fast path.
const UNSAFE_IN_TEXT = new RegExp(`[${UNSAFE}]`, 'u');
const UNSAFE_IN_LINE = new RegExp(`[\\n${UNSAFE}]`, 'u');

// Order matters: whole sequences are tried before the single characters that introduce them.
const TOKEN = new RegExp(
	[
		// OSC, DCS, SOS, PM, APC (7-bit and C1 introducers): a string up to BEL, ST or the end.
		String.raw`(?:\x1b[\]PX^_]|[\x90\x98\x9d-\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?`,
		// CSI: parameters, intermediates, final byte; the final is optional so a cut-off one is caught too.
		String.raw`(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?`,
		// Other escapes (ESC c, ESC 7, ESC ( B, ...) and a lone ESC.
		String.raw`\x1b[\x20-\x2f]*[\x30-\x7e]?`,
		// CRLF is one line break, not a carriage return plus a line break.
		String.raw`\r\n`,
		`[\\n${UNSAFE}]`,
	].join('|'),
	'gu',
);

const NEWLINE = '⏎ ';

const ZWNJ = '\u200c';
const ZWJ = '\u200d';

/**
 * Scripts whose shaping uses ZWJ/ZWNJ (Unicode 15, §23.2): the joining scripts (Arabic, Syriac,
 * N'Ko, Mongolian …) and the Brahmic ones (a joiner after a virama picks the half form).
 */
const JOINING_SCRIPT = new RegExp(
	['Arabic', 'Syriac', 'Nko', 'Mongolian', 'Mandaic', 'Hanifi_Rohingya', 'Manichaean', 'Psalter_Pahlavi', 'Phags_Pa', 'Devanagari', 'Bengali', 'Gurmukhi', 'Gujarati', 'Oriya', 'Tamil', 'Telugu', 'Kannada', 'Malayalam', 'Sinhala', 'Tibetan', 'Myanmar', 'Khmer', 'Tai_Tham', 'Balinese', 'Javanese']
		.map(script => `\\p{scx=${script}}`)
		.join('|'),
	'u',
);
const LETTER_OR_MARK = /^[\p{L}\p{M}]$/u;
const PICTOGRAPH = /^\p{Extended_Pictographic}$/u;
/** What may end the emoji before a ZWJ: the pictograph itself, VS16 (emoji presentation) or a skin tone. */
const EMOJI_END = /^[\p{Extended_Pictographic}\ufe0f\p{Emoji_Modifier}]$/u;

/** The code point before / after the UTF-16 index (undefined at either end). */
function before(text: string, index: number): string | undefined {
	if (index === 0) return undefined;
	const low = text.charCodeAt(index - 1);
	const high = index >= 2 ? text.charCodeAt(index - 2) : 0;
	// Step back over a whole surrogate pair only: a lone low surrogate is its own (replaced) neighbour.
	const paired = low >= 0xdc00 && low <= 0xdfff && high >= 0xd800 && high <= 0xdbff;
	return String.fromCodePoint(text.codePointAt(paired ? index - 2 : index - 1)!);
}

function after(text: string, index: number): string | undefined {
	return index < text.length ? String.fromCodePoint(text.codePointAt(index)!) : undefined;
}

/**
 * True when the joiner at `index` of `text` forms a sequence the terminal draws: ZWJ between an
 * emoji and a pictograph, or either joiner between two letters or marks of a joining script.
 * Neither neighbour may itself be something the sanitiser replaces (so a kept joiner's
 * neighbours survive sanitising unchanged, and sanitising stays idempotent).
 */
function keepsJoiner(text: string, index: number): boolean {
	const left = before(text, index);
	const right = after(text, index + 1);
	if (left === undefined || right === undefined || UNSAFE_IN_TEXT.test(left) || UNSAFE_IN_TEXT.test(right)) return false;
	if (text[index] === ZWJ && EMOJI_END.test(left) && PICTOGRAPH.test(right)) return true;
	return LETTER_OR_MARK.test(left) && LETTER_OR_MARK.test(right) && JOINING_SCRIPT.test(left) && JOINING_SCRIPT.test(right);
}

/** The replacer of TOKEN over `text`: stand-ins for everything but the joiners that form a sequence. */
function replacer(keepNewlines: boolean): (token: string, offset: number, text: string) => string {
	return (token, offset, text) => ((token === ZWJ || token === ZWNJ) && keepsJoiner(text, offset) ? token : render(token, keepNewlines));
}

const LINE = replacer(false);
const TEXT = replacer(true);

/** The visible stand-in for one code point (LF shown as '⏎ ': inside a token it is payload, not layout). */
function visible(char: string): string {
	const code = char.codePointAt(0) ?? 0;
	if (code >= 0x20 && code < 0x7f) return char;
	if (code === 0x09) return '  ';
	if (code === 0x0a) return NEWLINE;
	if (code < 0x20) return String.fromCharCode(0x2400 + code);
	if (code === 0x7f) return '\u2421';
	if (!UNSAFE_IN_TEXT.test(char)) return char;
	return `⟨U+${code.toString(16).toUpperCase().padStart(4, '0')}⟩`;
}

function render(token: string, keepNewlines: boolean): string {
	if (token === '\n' || token === '\r\n') return keepNewlines ? '\n' : NEWLINE;
	let out = '';
	for (const char of token) out += visible(char);
	return out;
}

/** Neutralise a single-line untrusted string for terminal display: no byte of the result can move the cursor, change modes, set the title or touch the clipboard. Newlines (LF, CRLF) become a visible '⏎' followed by a space. */
export function sanitizeLine(text: string): string {
	if (!UNSAFE_IN_LINE.test(text)) return text;
	return text.replace(TOKEN, LINE);
}

/**
 * `sanitizeLine` of `text.slice(start, end)`, with its joiners judged by their neighbours in the
 * whole `text`: what the input line shows of one grapheme (a ZWNJ ends the grapheme before the
 * letter it joins).
 */
export function sanitizeLineSlice(text: string, start: number, end: number): string {
	const part = text.slice(start, end);
	if (!UNSAFE_IN_LINE.test(part)) return part;
	return part.replace(TOKEN, (token: string, offset: number) => LINE(token, start + offset, text));
}

/** Like sanitizeLine but keeps LF as real line breaks (for multi-line message bodies rendered in a wrapping Box); CR and every other control is still neutralised. */
export function sanitizeText(text: string): string {
	if (!UNSAFE_IN_TEXT.test(text)) return text;
	return text.replace(TOKEN, TEXT);
}

/** True when the string contains nothing that sanitizeText would change. */
export function isTerminalSafe(text: string): boolean {
	return !UNSAFE_IN_TEXT.test(text) || sanitizeText(text) === text;
}
