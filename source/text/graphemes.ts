/**
 * User-perceived characters (grapheme clusters) in time linear in the text, and around one
 * position without reading the rest. Node 20's Intl.Segmenter walks a long string in quadratic
 * time (V8 issue 326176949, fixed in V8 12.3 / Node 22): 20,000 characters took 0.6 s and 40,000
 * took 2.2 s here, which froze the input line on a large paste. So the segmenter is only ever
 * given short pieces, cut where a boundary is certain, and runs of characters that never combine
 * (ASCII, Latin, CJK ideographs, Hangul syllables) need no segmenter at all.
 */
import stringWidth from 'string-width';

const segmenter = new Intl.Segmenter(undefined, {granularity: 'grapheme'});

/** The longest piece (UTF-16 code units) the segmenter is given at once; a longer grapheme still comes out whole. */
const WINDOW = 256;
/** How far back to look for a certain boundary before asking the segmenter about the whole text. */
const SCAN_BACK = 1024;

// Code units that are a whole grapheme whatever stands next to them, as long as the neighbour is
// one too: below U+0300 (before the combining marks; no Extend, Prepend, SpacingMark or ZWJ there),
// CJK ideographs and Hangul syllables (which join only after a leading jamo, not listed here).
// Surrogates are never in this set, so a pair is never cut.
function standalone(code: number): boolean {
	return code < 0x300 || (code >= 0x3400 && code <= 0x4dbf) || (code >= 0x4e00 && code <= 0x9fff) || (code >= 0xac00 && code <= 0xd7a3);
}

/**
 * True when a grapheme boundary certainly lies before `text[at]`, without segmenting: at either
 * end, or between two code units that each stand alone (UAX #29: nothing joins them; CR LF is
 * the one pair of them that does).
 */
export function certainBoundary(text: string, at: number): boolean {
	if (at <= 0 || at >= text.length) return true;
	const before = text.charCodeAt(at - 1);
	const after = text.charCodeAt(at);
	return standalone(before) && standalone(after) && !(before === 13 && after === 10);
}

/**
 * The graphemes of `text` from `from` up to `to`, in order, produced lazily. Both must be
 * grapheme boundaries (the ends, or positions an earlier segmentation returned).
 */
export function* graphemesFrom(text: string, from = 0, to = text.length): Generator<string, void, undefined> {
	let at = from;
	let window = WINDOW;
	while (at < to) {
		if (at + 1 === to || certainBoundary(text, at + 1)) {
			yield text[at]!;
			at++;
			continue;
		}
		// A piece the segmenter reads: boundaries strictly inside it are decided by what comes
		// before them only (UAX #29 has no look-ahead), so all but its last grapheme are final;
		// the last one may be cut by the window's end and is read again with what follows.
		let end = Math.min(to, at + window);
		// Never end a piece between the halves of a surrogate pair: a lone half reads as a break.
		if (end < to && isHighSurrogate(text.charCodeAt(end - 1))) end++;
		const parts = Array.from(segmenter.segment(text.slice(at, end)), s => s.segment);
		if (end === to) {
			yield* parts;
			return;
		}
		if (parts.length === 1) {
			window *= 2;
			continue;
		}
		window = WINDOW;
		for (let i = 0; i < parts.length - 1; i++) {
			yield parts[i]!;
			at += parts[i]!.length;
		}
	}
}

function isHighSurrogate(code: number): boolean {
	return code >= 0xd800 && code <= 0xdbff;
}

/** The user-perceived characters of `text`, in order; linear in its length. */
export function graphemes(text: string): string[] {
	return Array.from(graphemesFrom(text));
}

/**
 * A grapheme boundary at or before `at`: the nearest certain one within reach, else the start of
 * the grapheme holding `text[at]` as the segmenter finds it in the whole text (only for long runs
 * of emoji and the like, where no certain boundary is near).
 */
export function boundaryAtOrBefore(text: string, at: number): number {
	if (at >= text.length) return text.length;
	const floor = Math.max(0, at - SCAN_BACK);
	for (let i = at; i >= floor; i--) if (certainBoundary(text, i)) return i;
	return segmenter.segment(text).containing(at)?.index ?? 0;
}

/**
 * The graphemes that end at `to`, nearest first (right to left), produced lazily in short
 * pieces, so only as much text is read as is taken. `to` must be a grapheme boundary.
 */
export function* graphemesBefore(text: string, to: number): Generator<string, void, undefined> {
	let end = Math.min(to, text.length);
	while (end > 0) {
		const start = boundaryAtOrBefore(text, Math.max(0, end - WINDOW));
		const piece: string[] = [];
		for (const grapheme of graphemesFrom(text, start, end)) piece.push(grapheme);
		for (let i = piece.length - 1; i >= 0; i--) yield piece[i]!;
		end = start;
	}
}

/** The boundary before `at` (one user-perceived character to the left), 0 at the start. */
export function previousBoundary(text: string, at: number): number {
	if (at <= 0) return 0;
	const last = graphemesBefore(text, at).next();
	return last.done ? 0 : at - last.value.length;
}

/** The boundary after `at` (one user-perceived character to the right), the end at the end. */
export function nextBoundary(text: string, at: number): number {
	if (at >= text.length) return text.length;
	const first = graphemesFrom(text, at).next();
	return first.done ? text.length : at + first.value.length;
}

/**
 * Display width of `text` in terminal cells, as string-width measures it, in time linear in the
 * text: string-width segments with Intl.Segmenter, so a long text is measured in pieces cut at
 * grapheme boundaries (widths add up across them).
 */
export function textWidth(text: string): number {
	if (text.length <= WINDOW * 4 || text.includes('\x1b') || text.includes('\x9b')) return stringWidth(text);
	let width = 0;
	let start = 0;
	while (start < text.length) {
		let end = Math.min(text.length, start + WINDOW * 4);
		while (end < text.length && !certainBoundary(text, end)) end++;
		if (end - start > WINDOW * 8) {
			// No certain boundary near: measure grapheme by grapheme, still linear.
			for (const grapheme of graphemesFrom(text, start, end)) width += stringWidth(grapheme);
		} else {
			width += stringWidth(text.slice(start, end));
		}
		start = end;
	}
	return width;
}
