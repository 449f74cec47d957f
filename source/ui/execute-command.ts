/**
 * Carry out a parsed command in the chat window: call the client, and put a line in the pane
 * for everything the user should see (what happened, or why nothing did).
 */
import type {NatterClient} from '../client/types.js';
import type {Command} from '../commands/parse-command.js';
import {describeMembers} from './state/reduce.js';
import {findRoom} from './state/room.js';
import type {ChatState, SystemTone} from './state/types.js';
import type {UiAction} from './state/ui-actions.js';
import {helpLines} from './help.js';

/** What a command may touch. */
export type CommandContext = {
	client: NatterClient;
	state: ChatState;
	dispatch: (action: UiAction) => void;
	quit: () => void;
	now: number;
};

/** /msg and /join to oneself: one refusal for both. */
const THAT_IS_YOU = 'that is you: a direct message needs someone else';

/** Run one command. */
export function executeCommand(command: Command, context: CommandContext): void {
	const {client, state, dispatch, now} = context;
	const say = (tone: SystemTone, text: string, room?: string): void => {
		dispatch({type: 'notice', lines: [{tone, text}], at: now, ...(room === undefined ? {} : {room})});
	};
	const online = client.status.state === 'online';
	switch (command.type) {
		case 'say':
			client.publish(command.room, command.text);
			return;
		case 'join': {
			if (command.room === `@${state.me}`) {
				say('error', THAT_IS_YOU);
				return;
			}
			const tab = findRoom(state, command.room);
			dispatch({type: 'open', room: command.room});
			if (tab && (tab.joined || tab.direct)) return;
			client.join(command.room);
			// Online, the tab shows "room…" until the broker confirms; offline that could take a while.
			if (!online) say('info', `you will join ${command.room} once connected`, command.room);
			return;
		}
		case 'leave': {
			if (!findRoom(state, command.room)) {
				say('error', `you are not in ${command.room}`);
				return;
			}
			if (client.rooms.includes(command.room)) client.leave(command.room);
			else dispatch({type: 'close', room: command.room, at: now});
			return;
		}
		case 'history':
			if (!online) {
				say('error', 'the history lives on the broker: wait until you are online');
				return;
			}
			dispatch({type: 'request-history', room: command.room, request: {kind: 'print', count: command.count}});
			client.fetchHistory(command.room, Number.MAX_SAFE_INTEGER, command.count);
			return;
		case 'msg': {
			if (command.user === state.me) {
				say('error', THAT_IS_YOU);
				return;
			}
			const room = `@${command.user}`;
			dispatch({type: 'open', room});
			client.publish(room, command.text);
			return;
		}
		case 'away':
			client.setAway(command.reason);
			dispatch({type: 'set-away', away: true, reason: command.reason});
			say('away', `you are away${command.reason ? `: ${command.reason}` : ''} — /back when you return`);
			return;
		case 'back':
			client.setBack();
			dispatch({type: 'set-away', away: false, reason: undefined});
			say('back', 'you are back');
			return;
		case 'who': {
			const tab = findRoom(state, command.room);
			// The broker has the freshest list; without it (offline, the seed's server) say what we know.
			if (online && state.flavour !== 'seed' && tab && !tab.direct) {
				dispatch({type: 'want-who', room: command.room, from: state.active});
				client.who(command.room);
			} else if (tab) {
				say('info', describeMembers(command.room, tab.members));
			} else {
				say('error', `you are not in ${command.room}`);
			}
			return;
		}
		case 'clear_history':
			if (state.flavour === 'seed') {
				say('error', "this broker (the seed's server) cannot clear history");
				return;
			}
			client.clearHistory(command.room);
			return;
		case 'filter':
			if (command.expr === undefined) {
				const current = findRoom(state, command.room)?.filter;
				say('info', current === undefined ? `${command.room} has no filter: every message arrives` : `filter of ${command.room}: ${current}`);
				return;
			}
			if (state.flavour === 'seed') {
				say('error', "this broker (the seed's server) has no content filters");
				return;
			}
			client.setFilter(command.room, command.expr === 'off' ? undefined : command.expr);
			return;
		case 'help':
			dispatch({type: 'notice', lines: helpLines(command.command).map(text => ({tone: 'help' as const, text})), at: now});
			return;
		case 'quit':
			context.quit();
			return;
		case 'error':
			say('error', command.message);
			return;
	}
}
