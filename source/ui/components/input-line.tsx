import {memo} from 'react';
import {Box, Text} from 'ink';
import {sanitizeLine, sanitizeLineSlice} from '../../text/sanitize.js';
import type {EditorState} from '../input/editor.js';
import {cellWidth, graphemes, truncate} from '../layout/wrap.js';

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
 *
 * @example
 * <InputLine editor={editor} target="general" width={120} />
 */
export const InputLine = memo(function InputLine({editor, target, width, notice}: Props) {
	const prompt = `[${target === '' ? 'natter' : truncate(sanitizeLine(target), 24)}] `;
	const lines = editor.text.split('\n').length;
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

/** What to show of `text` in `space` cells so the cursor is visible: before it, under it, after it. */
export function visible(text: string, cursor: number, space: number): {before: string; at: string; after: string} {
	// Each grapheme is neutralised on its own (the cursor moves by them), its joiners judged by the whole line.
	const shown = (from: number, to: number): string[] => {
		let at = from;
		return graphemes(text.slice(from, to)).map(char => {
			at += char.length;
			return char === '\n' ? '⏎' : sanitizeLineSlice(text, at - char.length, at);
		});
	};
	const before = shown(0, cursor);
	const rest = shown(cursor, text.length);
	const at = rest.shift() ?? ' ';
	// Keep the cursor in view: drop characters from the left until it fits, then fill the right.
	let left = before;
	let used = cellWidth(left.join('')) + cellWidth(at);
	while (used > space && left.length > 0) {
		used -= cellWidth(left[0]!);
		left = left.slice(1);
	}
	const right: string[] = [];
	for (const char of rest) {
		const w = cellWidth(char);
		if (used + w > space) break;
		right.push(char);
		used += w;
	}
	const cut = left.length < before.length;
	return {before: (cut ? '…' : '') + left.slice(cut ? 1 : 0).join(''), at, after: right.join('')};
}
