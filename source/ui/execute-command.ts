/**
 * Present a command's outcome in the chat window: planCommand decides what the command does;
 * this makes its calls on the client, and turns its other steps into view actions and lines.
 */
import type {NatterClient} from '../client/types.js';
import {applyCall} from '../commands/apply-call.js';
import type {IgnoreList} from '../commands/ignore-list.js';
import type {Command} from '../commands/parse-command.js';
import {planCommand, type RoomFacts, type Step} from '../commands/plan-command.js';
import {findRoom} from './state/room.js';
import type {ChatState} from './state/types.js';
import type {UiAction} from './state/ui-actions.js';
import {helpLines} from './help.js';
import {defined} from '../defined.js';

/** What a command may touch. */
export type CommandContext = {
	client: NatterClient;
	state: ChatState;
	dispatch: (action: UiAction) => void;
	quit: () => void;
	now: number;
	/** Whose messages the window hides (/ignore); /ignore is refused without it. */
	ignores?: IgnoreList;
};

/** Run one command. Returns true when the typed line was not taken and should stay in the input (a message too large to send). */
export function executeCommand(command: Command, context: CommandContext): boolean {
	const {client, state} = context;
	const steps = planCommand(command, {
		me: state.me,
		dialect: state.dialect,
		online: client.status.state === 'online',
		room: name => roomFacts(state, client, name),
		refusal: (room, text) => client.refusal(room, text),
		...defined({ignores: context.ignores}),
	});
	for (const step of steps) present(step, context);
	return steps.some(step => step.type === 'keep-input');
}

/** What the window holds for a room: its tab, and whether the client holds a subscription. */
function roomFacts(state: ChatState, client: NatterClient, name: string): RoomFacts | undefined {
	const tab = findRoom(state, name);
	if (!tab) return undefined;
	return {subscribed: client.rooms.includes(name), joined: tab.joined, direct: tab.direct, filter: tab.filter, topic: tab.topic, members: tab.members};
}

function present(step: Step, {client, state, dispatch, quit, now, ignores}: CommandContext): void {
	switch (step.type) {
		case 'call':
			applyCall(client, step.call);
			// My own status shows at once; the broker's presence confirms it later.
			if (step.call.call === 'setAway') dispatch({type: 'set-away', away: true, reason: step.call.reason});
			if (step.call.call === 'setBack') dispatch({type: 'set-away', away: false, reason: undefined});
			return;
		case 'notice':
			dispatch({type: 'notice', lines: [{tone: step.tone, text: step.text}], at: now, ...defined({room: step.room})});
			return;
		case 'focus':
		case 'open':
			dispatch({type: 'open', room: step.room});
			return;
		case 'close':
			dispatch({type: 'close', room: step.room, at: now});
			return;
		case 'await-members':
			// The answer shows where the user typed /who, not in the room asked about.
			dispatch({type: 'want-who', room: step.room, from: state.active});
			return;
		case 'help':
			dispatch({type: 'notice', lines: helpLines(step.topic).map(text => ({tone: 'help' as const, text})), at: now});
			return;
		case 'keep-input':
			// The caller puts the line back (see the return value).
			return;
		case 'ignore': {
			const unsaved = ignores?.set(step.user, step.ignore);
			if (unsaved !== undefined) dispatch({type: 'notice', lines: [{tone: 'error', text: unsaved}], at: now});
			return;
		}
		case 'view':
			dispatch({type: 'view', change: step.change, at: now});
			return;
		case 'quit':
			quit();
			return;
	}
}
