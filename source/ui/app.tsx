import {useCallback, useEffect, useRef, useState} from 'react';
import {Box, useApp} from 'ink';
import type {NatterClient} from '../client/types.js';
import type {NotifyMode} from '../cli/config-file.js';
import {createIgnoreList, hideIgnored, type IgnoreList} from '../commands/ignore-list.js';
import {parseCommand} from '../commands/parse-command.js';
import {InputLine} from './components/input-line.js';
import {MessagePane, rowOptions} from './components/message-pane.js';
import {PresencePanel} from './components/presence-panel.js';
import {RoomTabs} from './components/room-tabs.js';
import {StatusBar} from './components/status-bar.js';
import {TopicLine, topicFits} from './components/topic-line.js';
import {executeCommand} from './execute-command.js';
import {alertFor, wantsAttention} from './notify.js';
import {useChat} from './hooks/use-chat.js';
import type {EarlyEvents} from './state/early-events.js';
import {useIdle} from './hooks/use-idle.js';
import {useKeys} from './hooks/use-keys.js';
import {useNow} from './hooks/use-now.js';
import {useTerminalSize} from './hooks/use-terminal-size.js';
import {edit, emptyEditor, type EditAction} from './input/editor.js';
import {editAction, viewCommand} from './input/key-map.js';
import {bottomIndex, pageDown, pageUp, scrollTop} from './layout/viewport.js';
import {activeRoom, scrollbackBefore} from './state/room.js';
import {completionSources, peerOf} from './state/selectors.js';
import type {RoomView} from './state/types.js';
import {SCROLLBACK_PAGE} from './state/types.js';
import {defined} from '../defined.js';

type Props = {
	client: NatterClient;
	/** The broker URL, shown until the client reports where it is connected. */
	serverUrl: string;
	/** With --serve: the URLs other machines can join with (empty: only loopback reaches the broker). */
	serveAddresses?: readonly string[];
	/** Time without input before I am marked away (ms; default 5 minutes; 0 never). */
	idleMs?: number;
	/** Fixed terminal size (tests); the real terminal's otherwise. */
	columns?: number;
	rows?: number;
	/** Shortest time between renders caused by client events (ms). */
	frameMs?: number;
	/** Called after the client closed on /quit or Ctrl+C (the default exits Ink). */
	onExit?: () => void;
	/** The client was started before the window: what it emitted meanwhile (see recordEarlyEvents). */
	early?: EarlyEvents;
	/** A line shown once, in the first room that opens (the CLI's `type /help …` hint). */
	hint?: string;
	/** Whose messages the window hides (/ignore changes it); an empty list kept in memory by default. */
	ignores?: IgnoreList;
	/** How a mention or direct message away from my eyes rings (default bell). */
	notify?: NotifyMode;
	/** Where the ringing bytes go (default the terminal, process.stdout). */
	alert?: (bytes: string) => void;
};

/** What a terminal with focus reporting (\x1b[?1004h) sends when it gains and loses focus. */
const FOCUS_IN = '\x1b[I';
const FOCUS_OUT = '\x1b[O';

/** Narrower than this, the member panel hides unless asked for. */
const PANEL_MIN_COLUMNS = 80;
const PANEL_WIDTH = 24;
/** How long quitting waits for pending messages to go out (Ctrl+C again quits at once). */
const QUIT_FLUSH_MS = 5000;

/**
 * The chat window: tabs on top, the active room's messages with its members on the right, the
 * status bar and the input line at the bottom. It renders exactly one row less than the
 * terminal's height, so Ink redraws in place instead of clearing the screen.
 *
 * @example
 * render(<App client={client} serverUrl="ws://127.0.0.1:8080" />, {exitOnCtrlC: false});
 */
export function App({client, serverUrl, serveAddresses, idleMs = 5 * 60_000, columns, rows, frameMs, onExit, early, hint, ignores: givenIgnores, notify = 'bell', alert}: Props) {
	const {exit} = useApp();
	const size = useTerminalSize({...defined({columns, rows})});
	const ownIgnores = useRef<IgnoreList | undefined>(undefined);
	const ignores = givenIgnores ?? (ownIgnores.current ??= createIgnoreList([]));
	const {state, dispatch, latest} = useChat(client, {...defined({frameMs, early}), shown: event => hideIgnored(event, ignores)});
	const [editor, setEditor] = useState(emptyEditor);
	// One input chunk can hold several keys ("hello" + Enter): each must see the one before it.
	const editorNow = useRef(editor);
	const change = (action: EditAction): void => {
		editorNow.current = edit(editorNow.current, action);
		setEditor(editorNow.current);
	};
	// Until the terminal says otherwise (focus reporting), assume it is looked at.
	const focused = useRef(true);
	useEffect(() => {
		if (notify === 'off') return;
		const write = alert ?? ((bytes: string) => void process.stdout.write(bytes));
		return client.on(raw => {
			const event = hideIgnored(raw, ignores);
			if (event?.type !== 'message') return;
			const now = latest();
			if (wantsAttention(event, {me: now.me, active: now.active, focused: focused.current})) write(alertFor(notify, event));
		});
	}, [client, notify, alert, ignores, latest]);
	const [closing, setClosing] = useState(false);
	const autoAway = useRef(false);
	const now = useNow(true);
	const hinted = useRef(false);
	useEffect(() => {
		if (hint === undefined || hinted.current || state.active === undefined) return;
		hinted.current = true;
		dispatch({type: 'notice', lines: [{tone: 'help', text: hint}], at: Date.now()});
	}, [hint, state.active, dispatch]);

	const pending = state.rooms.reduce((sum, r) => sum + r.pending.length, 0);
	const height = Math.max(4, size.rows - 1);
	const room = activeRoom(state);
	// The topic takes a row from the pane, never the pane's last two (a 20x6 terminal still chats).
	const topic = room === state.home || room.topic === undefined || !topicFits(height - 3) ? undefined : room.topic;
	const paneHeight = height - 3 - (topic === undefined ? 0 : 1);
	const panelShown = state.showPresence ?? size.columns >= PANEL_MIN_COLUMNS;
	const paneWidth = panelShown ? Math.max(20, size.columns - (state.panelWidth ?? PANEL_WIDTH)) : size.columns;

	const quit = useCallback(() => {
		// Asked again while waiting for the pending messages: quit without them (run-tui prints them).
		if (closing) {
			void client.close(0);
			return;
		}
		setClosing(true);
		void client.close(QUIT_FLUSH_MS).finally(() => (onExit ?? exit)());
	}, [client, closing, exit, onExit]);

	const touch = useIdle({
		idleMs,
		onIdle: () => {
			// Someone who said /away chose their status; idleness does not overwrite it.
			if (state.away) return;
			autoAway.current = true;
			client.setAway('idle');
			dispatch({type: 'set-away', away: true, reason: 'idle'});
			dispatch({type: 'notice', lines: [{tone: 'away', text: 'you are away: idle'}], at: Date.now()});
		},
		onActive: () => {
			if (!autoAway.current) return;
			autoAway.current = false;
			client.setBack();
			dispatch({type: 'set-away', away: false, reason: undefined});
			dispatch({type: 'notice', lines: [{tone: 'back', text: 'you are back'}], at: Date.now()});
		},
	});

	const scroll = (how: 'page-up' | 'page-down' | 'top' | 'bottom' | 'line-up' | 'line-down'): void => {
		const current = latest();
		const view = activeRoom(current);
		if (view === current.home) return;
		const options = rowOptions(view, paneWidth, current.showSequence, current.seconds);
		// Back to the latest ends a /search.
		if (how === 'bottom' && view.search !== undefined) return dispatch({type: 'search-end'});
		let anchor: number | undefined;
		let wantOlder = false;
		if (how === 'page-up') {
			const moved = pageUp(view, options, paneHeight);
			anchor = moved.anchor;
			wantOlder = moved.reachedTop;
		} else if (how === 'page-down') {
			anchor = pageDown(view, options, paneHeight);
		} else if (how === 'top') {
			anchor = scrollTop(view, options, paneHeight);
			wantOlder = true;
		} else if (how === 'line-up' || how === 'line-down') {
			const index = bottomIndex(view) + (how === 'line-up' ? -1 : 1);
			anchor = index >= view.entries.length - 1 ? undefined : view.entries[Math.max(0, index)]?.key;
			wantOlder = index <= 0;
		}
		dispatch({type: 'scroll', room: view.name, anchor});
		if (wantOlder) loadOlder(view);
	};

	const loadOlder = (view: RoomView): void => {
		if (view.backlog !== 'more' || client.status.state !== 'online') return;
		// The answer carries its request back (the client core matches it), so the order of these two is free.
		if (client.fetchHistory(view.name, scrollbackBefore(view), SCROLLBACK_PAGE, 'scrollback') !== undefined) {
			dispatch({type: 'request-history', room: view.name, request: {kind: 'scrollback'}});
		}
	};

	const submit = (): void => {
		const before = editorNow.current;
		const text = before.text;
		change({type: 'submitted'});
		if (text.trim() === '') return;
		const current = latest();
		const room = activeRoom(current);
		// Sending means looking at the latest again.
		if (room.anchor !== undefined && !text.startsWith('/')) dispatch({type: 'scroll', room: room.name, anchor: undefined});
		const keep = executeCommand(parseCommand(text, {activeRoom: current.active}), {client, state: current, dispatch, quit, now: Date.now(), ignores});
		if (keep) {
			// Not sent (too large for this broker): the text stays to be edited.
			editorNow.current = before;
			setEditor(before);
		}
	};

	useKeys(key => {
		if (key.name === 'unknown' && (key.raw === FOCUS_IN || key.raw === FOCUS_OUT)) {
			focused.current = key.raw === FOCUS_IN;
			return;
		}
		touch();
		client.markActive();
		if (closing) {
			if (viewCommand(key, true) === 'quit') quit();
			return;
		}
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
			case 'search-previous':
				return dispatch({type: 'search-step'});
			case undefined:
				if (key.name === 'alt' && /^[1-9]$/.test(key.key)) dispatch({type: 'switch-to', number: Number(key.key)});
				if (key.name === 'alt' && key.key.toLowerCase() === 'a') dispatch({type: 'next-active'});
				return;
			default:
				return scroll(command);
		}
	});

	return (
		<Box flexDirection="column" width={size.columns} height={height}>
			<RoomTabs rooms={state.rooms} numbers={state.tabNumbers} active={state.active} width={size.columns} />
			{topic === undefined ? null : <TopicLine topic={topic} width={size.columns} />}
			<Box flexDirection="row" height={paneHeight} width={size.columns}>
				<MessagePane room={room} me={state.me} width={paneWidth} height={paneHeight} showSequence={state.showSequence} {...(state.seconds ? {seconds: true} : {})} home={room === state.home} />
				{panelShown ? <PresencePanel room={room === state.home ? undefined : room} {...peerOf(state, room)} me={state.me} width={size.columns - paneWidth} height={paneHeight} now={now} /> : null}
			</Box>
			<StatusBar
				connection={state.connection}
				me={state.me}
				away={state.away}
				rtt={state.rtt}
				serverUrl={serverUrl}
				{...defined({serveAddresses})}
				flavour={state.dialect.name}
				pending={pending}
				closing={closing}
				now={now}
				width={size.columns}
			/>
			<InputLine editor={editor} target={state.active ?? ''} width={size.columns} {...(closing ? {notice: pending > 0 ? `sending ${pending} pending… (Ctrl+C again to quit without them)` : 'closing…'} : {})} />
		</Box>
	);
}
