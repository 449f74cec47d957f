import {memo} from 'react';
import {Box, Text} from 'ink';
import type {Row} from '../layout/rows.js';

type Props = {row: Row; width: number};

/**
 * One pre-laid-out terminal row: exactly one line, cut (never wrapped) at `width`. Rows are
 * cached per timeline entry, so an unchanged row is the same object and is not rendered again.
 */
export const RowText = memo(function RowText({row, width}: Props) {
	return (
		<Box height={1} width={width} flexShrink={0}>
			<Text wrap="truncate-end">
				{row.segments.map((segment, i) => (
					<Text
						key={i}
						color={segment.color}
						backgroundColor={segment.backgroundColor}
						dimColor={segment.dim}
						bold={segment.bold}
						inverse={segment.inverse}
						italic={segment.italic}
					>
						{segment.text}
					</Text>
				))}
			</Text>
		</Box>
	);
});
