/**
 * Measuring and wrapping terminal text by display cells, not code units: CJK and most emoji take
 * two cells, combining marks none. Callers pass text that is already neutralised (sanitize.ts).
 */
import {graphemes as linearGraphemes, textWidth} from '../../text/graphemes.js';

/** The user-perceived characters of `text`, in order (linear time, even on Node 20: text/graphemes.ts). */
export function graphemes(text: string): string[] {
	return linearGraphemes(text);
}

/** Display width of `text` in terminal cells (linear time, even on Node 20: text/graphemes.ts). */
export function cellWidth(text: string): number {
	return textWidth(text);
}

/**
 * Break `text` into rows of at most `width` cells: at spaces where possible, inside a word only
 * when the word alone is wider than a row. Line breaks in the text start new rows. Never returns
 * an empty array.
 *
 * @example
 * wrap('the quick brown fox', 10) // ['the quick', 'brown fox']
 */
export function wrap(text: string, width: number): string[] {
	const limit = Math.max(1, width);
	const rows: string[] = [];
	for (const paragraph of text.split('\n')) wrapParagraph(paragraph, limit, rows);
	return rows;
}

function wrapParagraph(paragraph: string, width: number, rows: string[]): void {
	let row = '';
	let used = 0;
	for (const token of paragraph.split(/(\s+)/)) {
		if (token === '') continue;
		const tokenWidth = cellWidth(token);
		if (/^\s/.test(token)) {
			// Spaces that would end a row are dropped rather than carried to the next one.
			if (used + tokenWidth <= width) {
				row += token;
				used += tokenWidth;
			} else {
				rows.push(row.trimEnd());
				row = '';
				used = 0;
			}
			continue;
		}
		if (used + tokenWidth <= width) {
			row += token;
			used += tokenWidth;
			continue;
		}
		if (tokenWidth <= width && used > 0) {
			rows.push(row.trimEnd());
			row = token;
			used = tokenWidth;
			continue;
		}
		for (const char of graphemes(token)) {
			const w = cellWidth(char);
			if (used + w > width && used > 0) {
				rows.push(row);
				row = '';
				used = 0;
			}
			row += char;
			used += w;
		}
	}
	rows.push(used === 0 ? row.trim() : row);
}

/** `text` cut to at most `width` cells, with '…' when something was cut. */
export function truncate(text: string, width: number): string {
	if (cellWidth(text) <= width) return text;
	if (width <= 0) return '';
	let out = '';
	let used = 0;
	for (const char of graphemes(text)) {
		const w = cellWidth(char);
		if (used + w > width - 1) break;
		out += char;
		used += w;
	}
	return `${out}…`;
}

/** `text` padded with spaces on the left (`'right'`) or right (`'left'`) to exactly `width` cells (truncated if wider). */
export function pad(text: string, width: number, align: 'left' | 'right' = 'left'): string {
	const cut = truncate(text, width);
	const fill = ' '.repeat(Math.max(0, width - cellWidth(cut)));
	return align === 'left' ? cut + fill : fill + cut;
}
