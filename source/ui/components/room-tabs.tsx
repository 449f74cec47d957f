import {memo} from 'react';
import {Box, Text} from 'ink';
import {sanitizeLine} from '../../text/sanitize.js';
import type {RoomView} from '../state/types.js';
import {cellWidth, truncate} from '../layout/wrap.js';

type Props = {rooms: readonly RoomView[]; numbers: ReadonlyMap<string, number>; active: string | undefined; width: number};

type Tab = {name: string; label: string; badge: string; room: RoomView};

const TITLE = ' natter ';
const MAX_LABEL = 20;

/**
 * The tab bar: every room and direct conversation in order, each with the number it keeps for
 * the session (Alt+1..9 picks it; see ChatState.tabNumbers). The active
 * tab is highlighted; others show their unread count, and a '!' when I was mentioned (or sent a
 * direct message). When the tabs do not fit, the bar scrolls to keep the active one in view.
 *
 * @example
 * <RoomTabs rooms={state.rooms} numbers={state.tabNumbers} active={state.active} width={120} />
 */
export const RoomTabs = memo(function RoomTabs({rooms, numbers, active, width}: Props) {
	const tabs: Tab[] = rooms.map((room, i) => ({
		name: room.name,
		// A funnel marks a filtered room: some of its messages are deliberately not shown.
		label: ` ${numbers.get(room.name) ?? i + 1}:${truncate(sanitizeLine(room.name), MAX_LABEL)}${room.filter === undefined ? '' : '⧩'}${room.joined || room.direct ? '' : '…'}`,
		badge: room.name === active || room.unread === 0 ? (room.mention && room.name !== active ? '!' : '') : ` ${room.unread > 999 ? '999+' : room.unread}${room.mention ? '!' : ''}`,
		room,
	}));
	const shown = visibleTabs(tabs, active, width - cellWidth(TITLE) - 2);
	return (
		<Box height={1} width={width} flexShrink={0}>
			<Text wrap="truncate-end">
				<Text bold inverse color="cyan">{TITLE}</Text>
				{shown.before ? <Text dimColor>‹</Text> : <Text> </Text>}
				{shown.tabs.map(tab => (
					<Text key={tab.name} {...tabStyle(tab, active)}>
						{tab.label}
						<Text color={tab.room.mention ? 'magentaBright' : 'yellow'} bold={tab.room.mention} inverse={false}>{tab.badge}</Text>
						{' '}
					</Text>
				))}
				{shown.after ? <Text dimColor>›</Text> : null}
				{rooms.length === 0 ? <Text dimColor> no room open — /join ROOM</Text> : null}
			</Text>
		</Box>
	);
});

function tabStyle(tab: Tab, active: string | undefined): {inverse?: boolean; bold?: boolean; dimColor?: boolean; color?: string} {
	if (tab.name === active) return {inverse: true, bold: true};
	if (tab.room.mention) return {color: 'magentaBright', bold: true};
	if (tab.room.unread > 0) return {bold: true};
	if (!tab.room.joined && !tab.room.direct) return {dimColor: true};
	return {};
}

/** The run of tabs that fits in `space` cells and contains the active one. */
function visibleTabs(tabs: Tab[], active: string | undefined, space: number): {tabs: Tab[]; before: boolean; after: boolean} {
	const widthOf = (tab: Tab) => cellWidth(tab.label + tab.badge) + 1;
	const total = tabs.reduce((sum, tab) => sum + widthOf(tab), 0);
	if (total <= space) return {tabs, before: false, after: false};
	const index = Math.max(0, tabs.findIndex(tab => tab.name === active));
	let first = index;
	let last = index;
	let used = widthOf(tabs[index]!);
	// Grow to the right first (the following tabs are the likelier next stop), then left.
	while (last + 1 < tabs.length && used + widthOf(tabs[last + 1]!) <= space - 1) used += widthOf(tabs[++last]!);
	while (first > 0 && used + widthOf(tabs[first - 1]!) <= space - 1) used += widthOf(tabs[--first]!);
	return {tabs: tabs.slice(first, last + 1), before: first > 0, after: last < tabs.length - 1};
}
