/**
 * What a parsed command does, decided once for every front end: the calls on the client core,
 * and what to tell the user. The chat window and --json only present the outcome (see
 * ui/execute-command.ts and cli/run-json.ts); neither decides anything a command means.
 */
import {describeMembers} from './describe-members.js';
import type {Command} from './parse-command.js';
import {planHabit} from './plan-habit.js';
import {isDirectRoom} from '../protocol/names.js';
import type {ClientCall, PlanContext, Step} from './step.js';
import {defined} from '../defined.js';

// The types live in step.ts (both planners make them); importers keep finding them here.
export type {ClientCall, PlanContext, RoomFacts, Step} from './step.js';

/** /msg and /join to oneself: one refusal for both. */
const THAT_IS_YOU = 'that is you: a direct message needs someone else';

const call = (c: ClientCall): Step => ({type: 'call', call: c});
const refuse = (text: string, room?: string): Step => ({type: 'notice', kind: 'refusal', tone: 'error', text, ...defined({room})});
const answer = (text: string, room?: string): Step => ({type: 'notice', kind: 'answer', tone: 'info', text, ...defined({room})});

/** Decide what one command does. Pure: the same command and context give the same steps. */
export function planCommand(command: Command, context: PlanContext): Step[] {
	const {dialect, online} = context;
	switch (command.type) {
		case 'say': {
			const why = context.refusal?.(command.room, command.text);
			if (why !== undefined) return [refuse(why, command.room), {type: 'keep-input'}];
			return [call({call: 'publish', room: command.room, text: command.text})];
		}
		case 'join': {
			if (command.room === `@${context.me}`) return [refuse(THAT_IS_YOU)];
			const steps: Step[] = [{type: 'focus', room: command.room}];
			const facts = context.room(command.room);
			if (facts && (facts.joined || facts.direct)) return steps;
			steps.push(call({call: 'join', room: command.room}));
			// Online, the tab shows "room…" until the broker confirms; offline that could take a while.
			if (!online) steps.push({type: 'notice', kind: 'feedback', tone: 'info', text: `you will join ${command.room} once connected`, room: command.room});
			return steps;
		}
		case 'leave': {
			const facts = context.room(command.room);
			if (!facts) return [refuse(`you are not in ${command.room}`)];
			return [facts.subscribed ? call({call: 'leave', room: command.room}) : {type: 'close', room: command.room}];
		}
		case 'history':
			if (!online) return [refuse('the history lives on the broker: wait until you are online')];
			return [call({call: 'fetchHistory', room: command.room, before: Number.MAX_SAFE_INTEGER, limit: command.count, purpose: 'print'})];
		case 'msg': {
			if (command.user === context.me) return [refuse(THAT_IS_YOU)];
			const room = `@${command.user}`;
			const why = context.refusal?.(room, command.text);
			if (why !== undefined) return [refuse(why), {type: 'keep-input'}];
			return [{type: 'open', room}, call({call: 'publish', room, text: command.text})];
		}
		case 'away':
			return [call({call: 'setAway', ...defined({reason: command.reason})}), {type: 'notice', kind: 'feedback', tone: 'away', text: `you are away${command.reason ? `: ${command.reason}` : ''} — /back when you return`}];
		case 'back':
			return [call({call: 'setBack'}), {type: 'notice', kind: 'feedback', tone: 'back', text: 'you are back'}];
		case 'who': {
			const facts = context.room(command.room);
			// The broker has the freshest list; without it (offline, the seed's server) say what we know.
			if (online && dialect.who && facts && !facts.direct) return [{type: 'await-members', room: command.room}, call({call: 'who', room: command.room})];
			if (!facts) return [refuse(`you are not in ${command.room}`)];
			// Answers show where the user typed /who (the active tab), not in the room asked about.
			if (facts.members) return [answer(describeMembers(command.room, facts.members))];
			return [refuse(online ? `this broker cannot list who is in ${command.room}` : 'the member list lives on the broker: wait until you are online')];
		}
		case 'clear_history':
			if (!dialect.clearHistory) return [refuse("this broker (the seed's server) cannot clear history")];
			return [call({call: 'clearHistory', room: command.room})];
		case 'filter': {
			if (command.expr === undefined) {
				const current = context.room(command.room)?.filter;
				return [answer(current === undefined ? `${command.room} has no filter: every message arrives` : `filter of ${command.room}: ${current}`)];
			}
			if (!dialect.filters) return [refuse("this broker (the seed's server) has no content filters")];
			return [call({call: 'setFilter', room: command.room, filter: command.expr === 'off' ? undefined : command.expr})];
		}
		case 'topic':
			return planTopic(command, context);
		case 'help':
			return [{type: 'help', ...defined({topic: command.command})}];
		case 'reconnect':
			if (online) return [refuse('you are connected already')];
			return [call({call: 'reconnect'}), {type: 'notice', kind: 'feedback', tone: 'info', text: 'reconnecting now…'}];
		case 'quit':
			return [{type: 'quit'}];
		case 'ignore': {
			const names = context.ignores?.names ?? [];
			if (command.user === undefined) return [answer(names.length === 0 ? 'you ignore nobody; /ignore NAME hides what NAME says' : `you ignore ${names.join(', ')}`)];
			if (command.user === context.me) return [refuse('that is you: you cannot ignore yourself')];
			if (context.ignores?.has(command.user)) return [answer(`you already ignore ${command.user}`)];
			return [
				{type: 'ignore', user: command.user, ignore: true},
				{type: 'notice', kind: 'feedback', tone: 'info', text: `ignoring ${command.user}: their messages and direct messages are hidden (/unignore ${command.user} to undo)`},
			];
		}
		case 'unignore':
			if (!context.ignores?.has(command.user)) return [refuse(`you do not ignore ${command.user}`)];
			return [
				{type: 'ignore', user: command.user, ignore: false},
				{type: 'notice', kind: 'feedback', tone: 'info', text: `${command.user}'s messages show again`},
			];
		case 'error':
			return [refuse(command.message)];
		case 'me':
		case 'query':
		case 'close':
		case 'search':
		case 'clear':
		case 'set':
			return planHabit(command, context);
	}
}

/** /topic: show the room's topic, or set it (the broker says the change in the room to everyone). */
function planTopic(command: Extract<Command, {type: 'topic'}>, context: PlanContext): Step[] {
	const {room, topic} = command;
	const facts = context.room(room);
	if (facts?.direct ?? isDirectRoom(room)) return [refuse('a direct conversation has no topic: only rooms do')];
	if (!context.dialect.topics) return [refuse("this broker (the seed's server) has no room topics")];
	if (!facts?.subscribed) return [refuse(`you are not in ${room}: /join it first`)];
	if (topic === undefined) return [answer(facts.topic === undefined ? `${room} has no topic; /topic TEXT sets one` : `topic of ${room}: ${facts.topic}`)];
	if (!context.online) return [refuse('the topic lives on the broker: wait until you are online')];
	if (topic === '' && facts.topic === undefined) return [answer(`${room} has no topic to delete`)];
	return [call({call: 'setTopic', room, topic})];
}
