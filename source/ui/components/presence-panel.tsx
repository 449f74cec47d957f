import {memo, type ReactNode} from 'react';
import {Box, Text} from 'ink';
import {sanitizeLine} from '../../text/sanitize.js';
import {nameColour} from '../layout/name-colour.js';
import {truncate} from '../layout/wrap.js';
import {departed} from '../state/room.js';
import type {MemberView, RoomView} from '../state/types.js';

type Props = {
	room: RoomView | undefined;
	/** For a direct conversation: the other person's status as seen in shared rooms. */
	peer?: MemberView;
	me: string;
	width: number;
	height: number;
	/** The current time: who left more than a minute ago is no longer listed. */
	now: number;
};

const ORDER = {online: 0, away: 1, offline: 2} as const;
const DOT = {online: '●', away: '◐', offline: '○'} as const;
const DOT_COLOUR = {online: 'green', away: 'yellow', offline: 'gray'} as const;

/** Members sorted as the panel lists them: online, then away, then offline; by name within each. */
export function sortMembers(members: readonly MemberView[]): MemberView[] {
	return [...members].sort((a, b) => ORDER[a.status] - ORDER[b.status] || a.userId.localeCompare(b.userId));
}

/**
 * The right-hand panel: who is in the active room and how they are (online, away with the
 * reason), sorted and counted; someone who just left stays dimmed for a minute
 * (DEPARTED_LINGER_MS), then goes. For a direct conversation it shows the other person.
 *
 * @example
 * <PresencePanel room={room} me="ana" width={24} height={30} now={Date.now()} />
 */
export const PresencePanel = memo(function PresencePanel({room, peer, me, width, height, now}: Props) {
	const inner = width - 2;
	const lines: Array<{key: string; node: ReactNode}> = [];
	const line = (key: string, node: ReactNode) => lines.push({key, node});
	if (!room) {
		line('title', <Text bold>no room</Text>);
	} else if (room.direct) {
		line('title', <Text bold>{truncate(sanitizeLine(room.name), inner)}</Text>);
		line('sub', <Text dimColor>direct conversation</Text>);
		line('gap', <Text> </Text>);
		const other: MemberView = peer ?? {userId: room.name.slice(1), status: 'offline'};
		line('peer', member(other, me, inner));
	} else {
		const sorted = sortMembers(room.members.filter(m => !departed(m, now)));
		const count = (status: MemberView['status']) => sorted.filter(m => m.status === status).length;
		const online = count('online');
		const away = count('away');
		line('title', <Text bold>{truncate(sanitizeLine(room.name), inner)}</Text>);
		line('count', <Text dimColor>{`${online} online${away > 0 ? ` · ${away} away` : ''}`}</Text>);
		line('gap', <Text> </Text>);
		const space = height - lines.length;
		const fits = sorted.length <= space ? sorted : sorted.slice(0, Math.max(0, space - 1));
		for (const m of fits) line(`m:${m.userId}`, member(m, me, inner));
		if (fits.length < sorted.length) line('more', <Text dimColor>{`… ${sorted.length - fits.length} more`}</Text>);
	}
	return (
		<Box flexDirection="column" width={width} height={height} flexShrink={0} borderStyle="single" borderTop={false} borderBottom={false} borderRight={false} borderDimColor paddingLeft={1}>
			{lines.slice(0, height).map(({key, node}) => (
				<Box key={key} height={1}>
					<Text wrap="truncate-end">{node}</Text>
				</Box>
			))}
		</Box>
	);
}, samePanel);

// The panel shows only the room's name, kind and members: a new message (a new room object)
// leaves it as it was, and so does the clock unless someone who left may be due to go.
function samePanel(a: Props, b: Props): boolean {
	return a.room?.name === b.room?.name && a.room?.direct === b.room?.direct && a.room?.members === b.room?.members
		&& a.peer === b.peer && a.me === b.me && a.width === b.width && a.height === b.height
		&& (a.now === b.now || !b.room?.members.some(m => m.status === 'offline'));
}

function member(m: MemberView, me: string, width: number): ReactNode {
	const name = truncate(sanitizeLine(m.userId), Math.max(1, width - 2));
	const reason = m.status === 'away' && m.reason ? ` ${sanitizeLine(m.reason)}` : '';
	return (
		<Text>
			<Text color={DOT_COLOUR[m.status]}>{DOT[m.status]} </Text>
			<Text color={m.status === 'offline' ? 'gray' : nameColour(m.userId)} bold={m.userId === me} dimColor={m.status === 'offline'}>{name}</Text>
			<Text dimColor>{reason}</Text>
		</Text>
	);
}
