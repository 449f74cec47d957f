/**
 * What the habit commands (/me, /query, /close, /search, /clear, /set) do, decided once for
 * every front end like the rest of planCommand. /search, /clear and /set act only on the
 * window's view: they are `view` steps, which --json refuses.
 */
import {ACTION_DATA} from '../protocol/action.js';
import type {Command} from './parse-command.js';
import type {PlanContext, Step} from './step.js';
import {defined} from '../defined.js';

/** The habit commands' part of Command. */
export type HabitCommand = Extract<Command, {type: 'me' | 'query' | 'close' | 'search' | 'clear' | 'set'}>;

// ViewChange lives with Step in step.ts; importers keep finding it here.
export type {ViewChange} from './step.js';

/** Decide what one habit command does. Pure. */
export function planHabit(command: HabitCommand, context: PlanContext): Step[] {
	switch (command.type) {
		case 'me':
			return [{type: 'call', call: {call: 'publish', room: command.room, text: command.text, data: {...ACTION_DATA}}}];
		case 'query': {
			if (command.user === context.me) return [{type: 'notice', kind: 'refusal', tone: 'error', text: 'that is you: a direct message needs someone else'}];
			return [{type: 'open', room: `@${command.user}`}];
		}
		case 'close': {
			const facts = context.room(command.room);
			if (!facts) return [{type: 'notice', kind: 'refusal', tone: 'error', text: `no tab ${command.room} is open`}];
			return [facts.subscribed ? {type: 'call', call: {call: 'leave', room: command.room}} : {type: 'close', room: command.room}];
		}
		case 'search':
			return [{type: 'view', change: {change: 'search', room: command.room, ...defined({text: command.text})}}];
		case 'clear':
			return [{type: 'view', change: {change: 'clear', room: command.room}}];
		case 'set':
			return [{type: 'view', change: {change: 'set', setting: command.setting, value: command.value}}];
	}
}
