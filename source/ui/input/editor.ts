/**
 * The input line's editing model: text, cursor, input history and Tab completion. Pure; the
 * InputLine component renders it and the app feeds it keys. The cursor is a UTF-16 offset that
 * only ever sits between user-perceived characters, so an emoji or a CJK character is one step.
 */
import {nextBoundary, previousBoundary} from '../../text/graphemes.js';
import {complete, type CompletionSources} from './complete.js';

/** An in-progress Tab cycle: which word is being completed and the candidates for it. */
export type CompletionCycle = {start: number; candidates: readonly string[]; index: number; after: string};

/** Everything the input line holds. */
export type EditorState = {
	text: string;
	cursor: number;
	/** Lines sent before, oldest first. */
	history: readonly string[];
	/** Which history line is shown (undefined: the line being written). */
	historyIndex: number | undefined;
	/** The line being written, kept while browsing history. */
	draft: string;
	completion: CompletionCycle | undefined;
};

/** One editing step. */
export type EditAction =
	| {type: 'insert'; text: string}
	| {type: 'left' | 'right' | 'home' | 'end' | 'word-left' | 'word-right'}
	| {type: 'backspace' | 'delete' | 'kill-before' | 'kill-after' | 'kill-word'}
	| {type: 'history-prev' | 'history-next'}
	| {type: 'complete'; sources: CompletionSources}
	/** The line was submitted: remember it in history and start an empty one. */
	| {type: 'submitted'};

const HISTORY_LIMIT = 500;

/** An empty input line with no history. */
export const emptyEditor: EditorState = {text: '', cursor: 0, history: [], historyIndex: undefined, draft: '', completion: undefined};

/** Apply one editing step. */
export function edit(state: EditorState, action: EditAction): EditorState {
	const next = apply(state, action);
	// Any step but another Tab ends a completion cycle.
	return action.type === 'complete' || next.completion === undefined ? next : {...next, completion: undefined};
}

function apply(state: EditorState, action: EditAction): EditorState {
	const {text, cursor} = state;
	switch (action.type) {
		case 'insert': {
			const clean = cleanInsert(action.text);
			if (clean === '') return state;
			return {...state, text: text.slice(0, cursor) + clean + text.slice(cursor), cursor: cursor + clean.length};
		}
		case 'left':
			return {...state, cursor: previousBoundary(text, cursor)};
		case 'right':
			return {...state, cursor: nextBoundary(text, cursor)};
		case 'home':
			return {...state, cursor: 0};
		case 'end':
			return {...state, cursor: text.length};
		case 'word-left':
			return {...state, cursor: wordStart(text, cursor)};
		case 'word-right':
			return {...state, cursor: wordEnd(text, cursor)};
		case 'backspace': {
			const at = previousBoundary(text, cursor);
			return {...state, text: text.slice(0, at) + text.slice(cursor), cursor: at};
		}
		case 'delete': {
			const at = nextBoundary(text, cursor);
			return {...state, text: text.slice(0, cursor) + text.slice(at)};
		}
		case 'kill-before':
			return {...state, text: text.slice(cursor), cursor: 0};
		case 'kill-after':
			return {...state, text: text.slice(0, cursor)};
		case 'kill-word': {
			const at = wordStart(text, cursor);
			return {...state, text: text.slice(0, at) + text.slice(cursor), cursor: at};
		}
		case 'history-prev': {
			if (state.history.length === 0 || state.historyIndex === 0) return state;
			const index = state.historyIndex === undefined ? state.history.length - 1 : state.historyIndex - 1;
			const line = state.history[index]!;
			return {...state, historyIndex: index, draft: state.historyIndex === undefined ? text : state.draft, text: line, cursor: line.length};
		}
		case 'history-next': {
			if (state.historyIndex === undefined) return state;
			const index = state.historyIndex + 1;
			const line = index < state.history.length ? state.history[index]! : state.draft;
			return {...state, historyIndex: index < state.history.length ? index : undefined, text: line, cursor: line.length};
		}
		case 'complete':
			return completeStep(state, action.sources);
		case 'submitted': {
			const last = state.history.at(-1);
			const history = text.trim() === '' || text === last ? state.history : [...state.history, text].slice(-HISTORY_LIMIT);
			return {...emptyEditor, history};
		}
	}
}

function completeStep(state: EditorState, sources: CompletionSources): EditorState {
	let cycle = state.completion;
	if (cycle) {
		cycle = {...cycle, index: (cycle.index + 1) % cycle.candidates.length};
	} else {
		const found = complete(state.text.slice(0, state.cursor), sources);
		if (!found || found.candidates.length === 0) return state;
		cycle = {start: found.start, candidates: found.candidates, index: 0, after: state.text.slice(state.cursor)};
	}
	const before = state.text.slice(0, cycle.start) + cycle.candidates[cycle.index]!;
	return {...state, text: before + cycle.after, cursor: before.length, completion: cycle};
}

// Typed or pasted text: line breaks are kept (a multi-line paste is one message); every other
// control character but TAB is dropped, since the terminal sent it as a key we do not bind.
function cleanInsert(text: string): string {
	// eslint-disable-next-line no-control-regex
	return text.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '');
}

function wordStart(text: string, cursor: number): number {
	let at = cursor;
	while (at > 0 && /\s/.test(text[at - 1]!)) at--;
	while (at > 0 && !/\s/.test(text[at - 1]!)) at--;
	return at;
}

function wordEnd(text: string, cursor: number): number {
	let at = cursor;
	while (at < text.length && /\s/.test(text[at]!)) at++;
	while (at < text.length && !/\s/.test(text[at]!)) at++;
	return at;
}
