import {memo} from 'react';
import {Box, Text} from 'ink';
import {sanitizeLine} from '../../text/sanitize.js';
import type {EditorState} from '../input/editor.js';
import {graphemesBefore, graphemesFrom} from '../../text/graphemes.js';
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
 * after it as still fit. Reads only those characters, however long the text.
 */
export function visible(text: string, cursor: number, space: number): {before: string; at: string; after: string} {
	const following = graphemesFrom(text, cursor);
	const first = following.next();
	const at = first.done ? ' ' : display(first.value);
	let used = cellWidth(at);
	// Walk left from the cursor while the characters fit; one more that does not means a cut.
	const left: string[] = [];
	let cut = false;
	for (const grapheme of graphemesBefore(text, cursor)) {
		const shown = display(grapheme);
		const w = cellWidth(shown);
		if (used + w > space) {
			cut = true;
			break;
		}
		left.push(shown);
		used += w;
	}
	left.reverse();
	const right: string[] = [];
	for (const grapheme of following) {
		const shown = display(grapheme);
		const w = cellWidth(shown);
		if (used + w > space) break;
		right.push(shown);
		used += w;
	}
	return {before: (cut ? '…' : '') + left.slice(cut ? 1 : 0).join(''), at, after: right.join('')};
}

/** How many lines `text` holds (1 + its line breaks), without splitting it. */
function countLines(text: string): number {
	let lines = 1;
	for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) lines++;
	return lines;
}

// What the user typed is shown like any other text (neutralised), and line breaks as '⏎'.
function display(char: string): string {
	return char === '\n' ? '⏎' : sanitizeLine(char);
}
