import {Box} from 'ink';
import type {Row, RowOptions} from '../layout/rows.js';
import {seqWidth, viewport} from '../layout/viewport.js';
import type {RoomView} from '../state/types.js';
import {RowText} from './row-text.js';

type Props = {
	room: RoomView;
	me: string;
	width: number;
	height: number;
	showSequence: boolean;
	/** The home view (no room open): shows how to start. */
	home?: boolean;
};

/** The layout options for a room in a pane of `width` cells (one is kept free as a margin). */
export function rowOptions(room: RoomView, width: number, showSequence: boolean): RowOptions {
	return {width: width - 1, nickWidth: room.nickWidth, seqWidth: seqWidth(room, showSequence)};
}

/**
 * The active room's timeline: only the rows that fit, bottom-aligned like every chat. While
 * scrolled up, a marker counts the messages that arrived below; at the top of what memory
 * holds, a hint says PageUp loads more (or that it is loading).
 *
 * @example
 * <MessagePane room={room} me="ana" width={96} height={36} showSequence />
 */
export function MessagePane({room, me, width, height, showSequence, home}: Props) {
	const view = viewport(room, me, rowOptions(room, width, showSequence), height, {header: header(room, home), footer: footer(room)});
	return (
		<Box flexDirection="column" width={width} height={height} flexShrink={0}>
			{view.rows.map(row => <RowText key={row.key} row={row} width={width} />)}
		</Box>
	);
}

function header(room: RoomView, home: boolean | undefined): Row | undefined {
	if (home) return {key: 'header', segments: [{text: 'You are in no room. Type /join ROOM to enter one, /msg @user TEXT to talk to someone, /help for everything.', color: 'cyan'}]};
	if (room.backlog === 'more') return {key: 'header', segments: [{text: '↑ earlier messages: PageUp to load them', dim: true}]};
	if (room.backlog === 'loading') return {key: 'header', segments: [{text: '⋯ loading earlier messages…', dim: true}]};
	return undefined;
}

function footer(room: RoomView): Row | undefined {
	if (room.anchor === undefined) return undefined;
	const text = room.unseen > 0
		? ` ▼ ${room.unseen} new message${room.unseen === 1 ? '' : 's'} below — End to jump to the latest `
		: ' ▼ scrolled up — End to return to the latest ';
	return {key: 'footer', segments: [{text, color: 'yellow', inverse: true, bold: room.unseen > 0}]};
}
