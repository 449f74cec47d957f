import {useCallback, useRef, useState} from 'react';
import {Box, useApp} from 'ink';
import type {NatterClient} from '../client/types.js';
import {parseCommand} from '../commands/parse-command.js';
import {InputLine} from './components/input-line.js';
import {MessagePane, rowOptions} from './components/message-pane.js';
import {PresencePanel} from './components/presence-panel.js';
import {RoomTabs} from './components/room-tabs.js';
import {StatusBar} from './components/status-bar.js';
import {executeCommand} from './execute-command.js';
import {useChat} from './hooks/use-chat.js';
import {useIdle} from './hooks/use-idle.js';
import {useKeys} from './hooks/use-keys.js';
import {useNow} from './hooks/use-now.js';
import {useTerminalSize} from './hooks/use-terminal-size.js';
import {edit, emptyEditor, type EditAction} from './input/editor.js';
import type {Key} from './input/keys.js';
import {bottomIndex, pageDown, pageUp, scrollTop} from './layout/viewport.js';
import {activeRoom} from './state/room.js';
import type {ChatState, MemberView, RoomView} from './state/types.js';
import {SCROLLBACK_PAGE} from './state/types.js';

type Props = {
	client: NatterClient;
	/** The broker URL, shown until the client reports where it is connected. */
	serverUrl: string;
	/** With --serve: the address others can use to join. */
	serveAddress?: string;
	/** Time without input before I am marked away (ms; default 5 minutes; 0 never). */
	idleMs?: number;
	/** Fixed terminal size (tests); the real terminal's otherwise. */
	columns?: number;
	rows?: number;
	/** Shortest time between renders caused by client events (ms). */
	frameMs?: number;
	/** Called after the client closed on /quit or Ctrl+C (the default exits Ink). */
	onExit?: () => void;
};

/** Narrower than this, the member panel hides unless asked for. */
const PANEL_MIN_COLUMNS = 80;
const PANEL_WIDTH = 24;

/**
 * The chat window: tabs on top, the active room's messages with its members on the right, the
 * status bar and the input line at the bottom. It renders exactly one row less than the
 * terminal's height, so Ink redraws in place instead of clearing the screen.
 *
 * @example
 * render(<App client={client} serverUrl="ws://127.0.0.1:8080" />, {exitOnCtrlC: false});
 */
export function App({client, serverUrl, serveAddress, idleMs = 5 * 60_000, columns, rows, frameMs, onExit}: Props) {
	const {exit} = useApp();
	const size = useTerminalSize({...(columns === undefined ? {} : {columns}), ...(rows === undefined ? {} : {rows})});
	const {state, dispatch, latest} = useChat(client, frameMs === undefined ? {} : {frameMs});
	const [editor, setEditor] = useState(emptyEditor);
	// One input chunk can hold several keys ("hello" + Enter): each must see the one before it.
	const editorNow = useRef(editor);
	const change = (action: EditAction): void => {
		editorNow.current = edit(editorNow.current, action);
		setEditor(editorNow.current);
	};
	const [closing, setClosing] = useState(false);
	const autoAway = useRef(false);
	const now = useNow(true);

	const height = Math.max(4, size.rows - 1);
	const paneHeight = height - 3;
	const room = activeRoom(state);
	const panelShown = state.showPresence ?? size.columns >= PANEL_MIN_COLUMNS;
	const paneWidth = panelShown ? Math.max(20, size.columns - PANEL_WIDTH) : size.columns;

	const quit = useCallback(() => {
		if (closing) return;
		setClosing(true);
		void client.close().finally(() => (onExit ?? exit)());
	}, [client, closing, exit, onExit]);

	const touch = useIdle({
		idleMs,
		onIdle: () => {
			// Someone who said /away chose their status; idleness does not overwrite it.
			if (state.away) return;
			autoAway.current = true;
			client.setAway('idle');
			dispatch({type: 'set-away', away: true, reason: 'idle'});
		},
		onActive: () => {
			if (!autoAway.current) return;
			autoAway.current = false;
			client.setBack();
			dispatch({type: 'set-away', away: false, reason: undefined});
		},
	});

	const scroll = (how: 'page-up' | 'page-down' | 'top' | 'bottom' | 'line-up' | 'line-down'): void => {
		const current = latest();
		const room = activeRoom(current);
		if (room === current.home) return;
		const options = rowOptions(room, paneWidth, current.showSequence);
		let anchor: number | undefined;
		let wantOlder = false;
		if (how === 'page-up') {
			const moved = pageUp(room, options, paneHeight);
			anchor = moved.anchor;
			wantOlder = moved.reachedTop;
		} else if (how === 'page-down') {
			anchor = pageDown(room, options, paneHeight);
		} else if (how === 'top') {
			anchor = scrollTop(room, options, paneHeight);
			wantOlder = true;
		} else if (how === 'line-up' || how === 'line-down') {
			const index = bottomIndex(room) + (how === 'line-up' ? -1 : 1);
			anchor = index >= room.entries.length - 1 ? undefined : room.entries[Math.max(0, index)]?.key;
		}
		dispatch({type: 'scroll', room: room.name, anchor});
		if (wantOlder) loadOlder(room);
	};

	const loadOlder = (view: RoomView): void => {
		if (view.backlog !== 'more' || client.status.state !== 'online') return;
		dispatch({type: 'request-history', room: view.name, request: {kind: 'scrollback'}});
		client.fetchHistory(view.name, view.oldestSequence ?? view.lastSequence + 1, SCROLLBACK_PAGE);
	};

	const submit = (): void => {
		const text = editorNow.current.text;
		change({type: 'submitted'});
		if (text.trim() === '') return;
		const current = latest();
		const room = activeRoom(current);
		// Sending means looking at the latest again.
		if (room.anchor !== undefined && !text.startsWith('/')) dispatch({type: 'scroll', room: room.name, anchor: undefined});
		executeCommand(parseCommand(text, {activeRoom: current.active}), {client, state: current, dispatch, quit, now: Date.now()});
	};

	useKeys(key => {
		touch();
		if (closing) return;
		const empty = editorNow.current.text === '';
		const action = editAction(key, empty);
		if (action) {
			change(action === 'complete' ? {type: 'complete', sources: completionSources(latest())} : action);
			return;
		}
		const command = viewCommand(key, empty);
		switch (command) {
			case 'submit':
				return submit();
			case 'quit':
				return quit();
			case 'next-tab':
				return dispatch({type: 'switch-by', delta: 1});
			case 'previous-tab':
				return dispatch({type: 'switch-by', delta: -1});
			case 'toggle-panel':
				return dispatch({type: 'toggle-presence', shownNow: panelShown});
			case 'toggle-sequence':
				return dispatch({type: 'toggle-sequence'});
			case undefined:
				if (key.name === 'alt' && /^[1-9]$/.test(key.key)) dispatch({type: 'switch-to', index: Number(key.key) - 1});
				return;
			default:
				return scroll(command);
		}
	});

	return (
		<Box flexDirection="column" width={size.columns} height={height}>
			<RoomTabs rooms={state.rooms} active={state.active} width={size.columns} />
			<Box flexDirection="row" height={paneHeight} width={size.columns}>
				<MessagePane room={room} me={state.me} width={paneWidth} height={paneHeight} showSequence={state.showSequence} home={room === state.home} />
				{panelShown ? <PresencePanel room={room === state.home ? undefined : room} {...peerOf(state, room)} me={state.me} width={size.columns - paneWidth} height={paneHeight} /> : null}
			</Box>
			<StatusBar
				connection={state.connection}
				me={state.me}
				away={state.away}
				rtt={state.rtt}
				serverUrl={serverUrl}
				{...(serveAddress === undefined ? {} : {serveAddress})}
				flavour={state.flavour}
				pending={state.rooms.reduce((sum, r) => sum + r.pending.length, 0)}
				closing={closing}
				now={now}
				width={size.columns}
			/>
			<InputLine editor={editor} target={state.active ?? ''} width={size.columns} {...(closing ? {notice: 'closing: sending what is pending…'} : {})} />
		</Box>
	);
}

type ViewCommand = 'submit' | 'quit' | 'next-tab' | 'previous-tab' | 'toggle-panel' | 'toggle-sequence' | 'page-up' | 'page-down' | 'top' | 'bottom' | 'line-up' | 'line-down';

/** Keys that edit the input line. Home/End edit only when there is something to edit. */
function editAction(key: Key, empty: boolean): EditAction | 'complete' | undefined {
	switch (key.name) {
		case 'text':
			return {type: 'insert', text: key.text};
		case 'backspace':
		case 'delete':
			return {type: key.name};
		case 'left':
		case 'right':
			return {type: key.name};
		case 'ctrl-left':
			return {type: 'word-left'};
		case 'ctrl-right':
			return {type: 'word-right'};
		case 'home':
		case 'end':
			return empty ? undefined : {type: key.name};
		case 'up':
			return {type: 'history-prev'};
		case 'down':
			return {type: 'history-next'};
		case 'tab':
			return 'complete';
		case 'ctrl':
			return ({a: {type: 'home'}, e: {type: 'end'}, b: {type: 'left'}, f: {type: 'right'}, u: {type: 'kill-before'}, k: {type: 'kill-after'}, w: {type: 'kill-word'}, h: {type: 'backspace'}, d: empty ? undefined : {type: 'delete'}} as Record<string, EditAction | undefined>)[key.key];
		case 'alt':
			if (key.key === '\r' || key.key === '\n') return {type: 'insert', text: '\n'};
			return ({b: {type: 'word-left'}, f: {type: 'word-right'}, d: {type: 'kill-after'}} as Record<string, EditAction | undefined>)[key.key];
		default:
			return undefined;
	}
}

/** Keys that act on the window rather than the line. */
function viewCommand(key: Key, empty: boolean): ViewCommand | undefined {
	switch (key.name) {
		case 'enter':
			return 'submit';
		case 'pageup':
			return 'page-up';
		case 'pagedown':
			return 'page-down';
		case 'shift-up':
			return 'line-up';
		case 'shift-down':
			return 'line-down';
		case 'ctrl-home':
			return 'top';
		case 'ctrl-end':
		case 'escape':
			return 'bottom';
		case 'home':
			return empty ? 'top' : undefined;
		case 'end':
			return empty ? 'bottom' : undefined;
		case 'f2':
			return 'toggle-panel';
		case 'f3':
			return 'toggle-sequence';
		case 'ctrl':
			return ({c: 'quit', n: 'next-tab', p: 'previous-tab', t: 'toggle-panel'} as Record<string, ViewCommand | undefined>)[key.key];
		default:
			return undefined;
	}
}

/** Rooms and people Tab can complete: every tab's name, and every member and DM peer seen. */
function completionSources(state: ChatState): {rooms: string[]; users: string[]} {
	const users = new Set<string>();
	for (const room of state.rooms) {
		for (const member of room.members) if (member.userId !== state.me) users.add(member.userId);
		if (room.direct) users.add(room.name.slice(1));
		for (const entry of room.entries) if (entry.kind === 'message' && !entry.mine) users.add(entry.sender);
	}
	return {rooms: state.rooms.filter(room => !room.direct).map(room => room.name), users: [...users]};
}

/** For a direct conversation, the other person's status as seen in the rooms we share. */
function peerOf(state: ChatState, room: RoomView): {peer?: MemberView} {
	if (!room.direct) return {};
	const name = room.name.slice(1);
	for (const other of state.rooms) {
		const found = other.members.find(m => m.userId === name && m.status !== 'offline');
		if (found) return {peer: found};
	}
	return {};
}
