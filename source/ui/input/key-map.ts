/**
 * Which key does what: editing keys go to the input line, the rest act on the window. Pure, so
 * the bindings can be read (and tested) in one place; /help keys lists the same.
 */
import type {EditAction} from './editor.js';
import type {Key} from './keys.js';

/** What a key asks of the window (rather than of the input line). */
export type ViewCommand = 'submit' | 'quit' | 'next-tab' | 'previous-tab' | 'toggle-panel' | 'toggle-sequence' | 'search-previous' | 'page-up' | 'page-down' | 'top' | 'bottom' | 'line-up' | 'line-down';

/** Keys that edit the input line. Home/End edit only when there is something to edit. */
export function editAction(key: Key, empty: boolean): EditAction | 'complete' | undefined {
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
export function viewCommand(key: Key, empty: boolean): ViewCommand | undefined {
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
			return ({c: 'quit', n: 'next-tab', p: 'previous-tab', t: 'toggle-panel', r: 'search-previous'} as Record<string, ViewCommand | undefined>)[key.key];
		default:
			return undefined;
	}
}
