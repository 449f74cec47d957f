import {memo} from 'react';
import {Box, Text} from 'ink';
import {fitSegments, type Row} from '../layout/rows.js';
import {defined} from '../../defined.js';

type Props = {row: Row; width: number};

/**
 * One pre-laid-out terminal row: exactly one line, cut (never wrapped) at `width`. Rows are
 * cached per timeline entry, so an unchanged row is the same object and is not rendered again.
 *
 * Each segment is a Text of its own, side by side, not one Text with nested styled Texts: Ink
 * measures a Text by the width of its text with its nested styles applied, so one styled row
 * was a string full of escape codes and a `│`, which string-width strips and then walks
 * grapheme by grapheme with Intl.Segmenter. A plain segment takes its ASCII fast path, and the
 * separator is the same string in every row, measured once (bench: tui-flood). Side by side,
 * Ink would shrink every segment of a row too wide a little; fitSegments cuts its end instead.
 */
export const RowText = memo(function RowText({row, width}: Props) {
	return (
		<Box height={1} width={width} flexShrink={0}>
			{fitSegments(row, width).map((segment, i) => (
				<Text
					key={i}
					wrap="truncate-end"
					{...defined({color: segment.color, backgroundColor: segment.backgroundColor, dimColor: segment.dim, bold: segment.bold, inverse: segment.inverse, italic: segment.italic})}
				>
					{segment.text}
				</Text>
			))}
		</Box>
	);
});
