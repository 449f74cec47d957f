import {memo} from 'react';
import {Box} from 'ink';
import type {RowOptions} from '../layout/rows.js';
import {chrome, seqWidth, viewport} from '../layout/viewport.js';
import type {RoomView} from '../state/types.js';
import {RowText} from './row-text.js';

type Props = {
	room: RoomView;
	me: string;
	width: number;
	height: number;
	showSequence: boolean;
	/** Times with seconds (/set timestamp HH:mm:ss). */
	seconds?: boolean;
	/** The home view (no room open): shows how to start. */
	home?: boolean;
};

/** The layout options for a room in a pane of `width` cells (one is kept free as a margin). */
export function rowOptions(room: RoomView, width: number, showSequence: boolean, seconds = false): RowOptions {
	return {width: width - 1, nickWidth: room.nickWidth, seqWidth: seqWidth(room, showSequence), ...(seconds ? {seconds} : {})};
}

/**
 * The active room's timeline: only the rows that fit, bottom-aligned like every chat. While
 * scrolled up, a marker counts the messages that arrived below; at the top of what memory
 * holds, a hint says PageUp loads more (or that it is loading).
 *
 * @example
 * <MessagePane room={room} me="ana" width={96} height={36} showSequence />
 */
export const MessagePane = memo(function MessagePane({room, me, width, height, showSequence, seconds, home}: Props) {
	const view = viewport(room, me, rowOptions(room, width, showSequence, seconds), height, chrome(room, home));
	return (
		<Box flexDirection="column" width={width} height={height} flexShrink={0}>
			{/* Keyed by position: while messages stream in, each line of the pane is updated in place
			    rather than unmounted and mounted again with its layout nodes. */}
			{view.rows.map((row, i) => <RowText key={i} row={row} width={width} />)}
		</Box>
	);
});
