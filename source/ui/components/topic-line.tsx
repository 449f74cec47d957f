import {memo} from 'react';
import {Box, Text} from 'ink';
import {sanitizeLine} from '../../text/sanitize.js';
import {truncate} from '../layout/wrap.js';

type Props = {topic: string; width: number};

/**
 * The active room's topic, on one line under the tab bar: neutralised (a topic is a peer's text,
 * so no escape sequence, control or bidi character reaches the terminal; a line break shows as
 * ⏎) and cut to the width. Shown only while the room has a topic and the window has room for it.
 *
 * @example
 * <TopicLine topic="deploy at 5" width={120} />
 */
export const TopicLine = memo(function TopicLine({topic, width}: Props) {
	return (
		<Box height={1} width={width} flexShrink={0}>
			<Text wrap="truncate-end" dimColor>
				{truncate(` ${sanitizeLine(topic)}`, width)}
			</Text>
		</Box>
	);
});

/** Whether a window whose pane would be `paneHeight` rows can give one to the topic (the pane keeps at least two). */
export function topicFits(paneHeight: number): boolean {
	return paneHeight >= 3;
}
