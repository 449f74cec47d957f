import {memo} from 'react';
import {Box, Text} from 'ink';
import {sanitizeLine, sanitizeLineSlice} from '../../text/sanitize.js';
import type {EditorState} from '../input/editor.js';
import {boundaryAtOrBefore, certainBoundary, graphemesBefore, graphemesFrom} from '../../text/graphemes.js';
import {cellWidth, truncate} from '../layout/wrap.js';

type Props = {
	editor: EditorState;
	/** The conversation the line goes to ('' when none is open). */
	target: string;
	width: number;
	/** Shown instead of the line (e.g. while closing). */
	notice?: string;
};

/**
 * The input line: `[room] text` with a block cursor. Long lines scroll sideways to keep the
 * cursor in view; line breaks of a multi-line paste show as '⏎' and the line count appears.
 * Only what fits around the cursor is segmented and measured, so a 100,000-character paste
 * renders as fast as a short line.
 *
 * @example
 * <InputLine editor={editor} target="general" width={120} />
 */
export const InputLine = memo(function InputLine({editor, target, width, notice}: Props) {
	const prompt = `[${target === '' ? 'natter' : truncate(sanitizeLine(target), 24)}] `;
	const lines = countLines(editor.text);
	const badge = lines > 1 ? ` (${lines} lines)` : '';
	if (notice !== undefined) {
		return (
			<Box height={1} width={width} flexShrink={0}>
				<Text wrap="truncate-end"><Text color="cyan" bold>{prompt}</Text><Text dimColor>{notice}</Text></Text>
			</Box>
		);
	}
	const space = Math.max(4, width - cellWidth(prompt) - cellWidth(badge) - 1);
	const view = visible(editor.text, editor.cursor, space);
	return (
		<Box height={1} width={width} flexShrink={0}>
			<Text wrap="truncate-end">
				<Text color="cyan" bold>{prompt}</Text>
				<Text>{view.before}</Text>
				<Text inverse>{view.at}</Text>
				<Text>{view.after}</Text>
				<Text dimColor>{badge}</Text>
			</Text>
		</Box>
	);
});

/**
 * What to show of `text` in `space` cells so the cursor is visible: before it, under it, after
 * it. As many characters before the cursor as fit (with '…' when some are cut), then as many
 * after it as still fit. Reads only the stretch around the cursor, however long the text.
 */
export function visible(text: string, cursor: number, space: number): {before: string; at: string; after: string} {
	// A stretch cut at grapheme boundaries that holds more than fits: one slice, so the walk
	// reads a short flat string rather than the editor's long (concatenated) one.
	const reach = 4 * space + 64;
	const start = cursor <= reach ? 0 : boundaryAtOrBefore(text, cursor - reach);
	let end = Math.min(text.length, cursor + reach);
	while (end < text.length && end < cursor + 2 * reach && !certainBoundary(text, end)) end++;
	if (start > 0 || end < text.length) {
		if (certainBoundary(text, end)) {
			const view = walk(text.slice(start, end), cursor - start, space);
			// Enough when the walk stopped inside the stretch (or reached a real end) on both sides.
			if ((view.cut || start === 0) && (view.full || end === text.length)) return shown(view);
		}
	}
	return shown(walk(text, cursor, space));
}

function shown({before, at, after}: {before: string; at: string; after: string}): {before: string; at: string; after: string} {
	return {before, at, after};
}

function walk(text: string, cursor: number, space: number): {before: string; at: string; after: string; cut: boolean; full: boolean} {
	const following = graphemesFrom(text, cursor);
	const first = following.next();
	const at = first.done ? ' ' : display(text, cursor, first.value);
	let used = cells(at);
	// Walk left from the cursor while the characters fit; one more that does not means a cut.
	const left: string[] = [];
	let cut = false;
	let from = cursor;
	for (const grapheme of graphemesBefore(text, cursor)) {
		from -= grapheme.length;
		const shown = display(text, from, grapheme);
		const w = cells(shown);
		if (used + w > space) {
			cut = true;
			break;
		}
		left.push(shown);
		used += w;
	}
	left.reverse();
	const right: string[] = [];
	let full = false;
	let to = first.done ? cursor : cursor + first.value.length;
	for (const grapheme of following) {
		const shown = display(text, to, grapheme);
		to += grapheme.length;
		const w = cells(shown);
		if (used + w > space) {
			full = true;
			break;
		}
		right.push(shown);
		used += w;
	}
	return {before: (cut ? '…' : '') + left.slice(cut ? 1 : 0).join(''), at, after: right.join(''), cut, full};
}

/** How many lines `text` holds (1 + its line breaks), without splitting it. */
function countLines(text: string): number {
	let lines = 1;
	for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) lines++;
	return lines;
}

// What the user typed is shown like any other text (neutralised), and line breaks as '⏎'; each
// grapheme on its own (the cursor moves by them), its joiners judged by the whole text around it.
// Printable ASCII, most of any paste, is itself and one cell wide: no need to ask.
function display(text: string, from: number, char: string): string {
	if (char.length === 1 && char >= ' ' && char <= '~') return char;
	return char === '\n' ? '⏎' : sanitizeLineSlice(text, from, from + char.length);
}

function cells(shown: string): number {
	return shown.length === 1 && shown >= ' ' && shown <= '~' ? 1 : cellWidth(shown);
}
