// Keys, the line editor and Tab completion: pure, so every key is tested on its own.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {complete} from '../source/ui/input/complete.js';
import {edit, emptyEditor, type EditAction, type EditorState} from '../source/ui/input/editor.js';
import {parseKeys} from '../source/ui/input/keys.js';

const typed = (text: string, cursor = text.length): EditorState => ({...emptyEditor, text, cursor});
const apply = (state: EditorState, ...actions: EditAction[]): EditorState => actions.reduce(edit, state);
const sources = {rooms: ['general', 'dev', 'design'], users: ['bo', 'bob', 'cy']};

test('keys: plain text, Enter, Backspace (DEL) and Delete (ESC [3~) are told apart', () => {
	assert.deepEqual(parseKeys('a', false), [{name: 'text', text: 'a'}]);
	assert.deepEqual(parseKeys('\r', false), [{name: 'enter'}]);
	assert.deepEqual(parseKeys('\x7f', false), [{name: 'backspace'}]);
	assert.deepEqual(parseKeys('\x1b[3~', false), [{name: 'delete'}]);
	assert.deepEqual(parseKeys('\t', false), [{name: 'tab'}]);
	assert.deepEqual(parseKeys('\x03', false), [{name: 'ctrl', key: 'c'}]);
	assert.deepEqual(parseKeys('\x1b1', false), [{name: 'alt', key: '1'}]);
	assert.deepEqual(parseKeys('\x1b[5~', false), [{name: 'pageup'}]);
	assert.deepEqual(parseKeys('\x1bOQ', false), [{name: 'f2'}]);
	assert.deepEqual(parseKeys('\x1b[1;5D', false), [{name: 'ctrl-left'}]);
	assert.deepEqual(parseKeys('\x1b[1;2A', false), [{name: 'shift-up'}]);
	assert.deepEqual(parseKeys('\x1b', false), [{name: 'escape'}]);
	assert.deepEqual(parseKeys('\x1b[99~', false), [{name: 'unknown', raw: '\x1b[99~'}]);
});

test('keys: text typed fast and Enter in one chunk is the text, then Enter', () => {
	assert.deepEqual(parseKeys('hello\r', false), [{name: 'text', text: 'hello'}, {name: 'enter'}]);
	assert.deepEqual(parseKeys('ab\x7fc', false), [{name: 'text', text: 'ab'}, {name: 'backspace'}, {name: 'text', text: 'c'}]);
});

test('keys: a multi-line paste is one run of text; only a trailing Enter submits', () => {
	assert.deepEqual(parseKeys('one\rtwo\r\nthree', false), [{name: 'text', text: 'one\ntwo\nthree'}]);
	assert.deepEqual(parseKeys('one\ntwo\r', false), [{name: 'text', text: 'one\ntwo'}, {name: 'enter'}]);
	// Inside bracketed paste even the final Enter is text.
	assert.deepEqual(parseKeys('one\rtwo\r', true), [{name: 'text', text: 'one\ntwo\n'}]);
	assert.deepEqual(parseKeys('\x1b[200~', false), [{name: 'paste-start'}]);
	assert.deepEqual(parseKeys('\x1b[201~', true), [{name: 'paste-end'}]);
});

test('editor: insert at the cursor, move left/right by user-perceived characters', () => {
	let s = apply(emptyEditor, {type: 'insert', text: 'a👍🏽b'});
	assert.equal(s.cursor, s.text.length);
	s = apply(s, {type: 'left'}, {type: 'left'});
	assert.equal(s.text.slice(0, s.cursor), 'a', 'the emoji with its skin tone is one step');
	s = apply(s, {type: 'insert', text: 'X'});
	assert.equal(s.text, 'aX👍🏽b');
	s = apply(s, {type: 'right'}, {type: 'right'}, {type: 'right'});
	assert.equal(s.cursor, s.text.length, 'right stops at the end');
});

test('editor: home/end, backspace and delete (also of a wide character)', () => {
	let s = apply(typed('漢字ab'), {type: 'home'});
	assert.equal(s.cursor, 0);
	s = apply(s, {type: 'delete'});
	assert.equal(s.text, '字ab');
	s = apply(s, {type: 'end'}, {type: 'backspace'});
	assert.equal(s.text, '字a');
	assert.equal(apply(typed('x', 0), {type: 'backspace'}).text, 'x', 'backspace at the start does nothing');
	assert.equal(apply(typed('x'), {type: 'delete'}).text, 'x', 'delete at the end does nothing');
});

test('editor: Ctrl+U kills before the cursor, Ctrl+K after it, Ctrl+W the word before', () => {
	assert.deepEqual(apply(typed('hello world', 6), {type: 'kill-before'}), {...emptyEditor, text: 'world', cursor: 0});
	assert.equal(apply(typed('hello world', 5), {type: 'kill-after'}).text, 'hello');
	const w = apply(typed('say hello   '), {type: 'kill-word'});
	assert.equal(w.text, 'say ');
	assert.equal(w.cursor, 4);
	assert.equal(apply(typed('one two', 7), {type: 'word-left'}).cursor, 4);
	assert.equal(apply(typed('one two', 0), {type: 'word-right'}).cursor, 3);
});

test('editor: control characters typed or pasted are dropped, line breaks kept', () => {
	assert.equal(apply(emptyEditor, {type: 'insert', text: 'a\x1b[2Jb\x07c\r\nd'}).text, 'a[2Jbc\nd');
});

test('editor: Up/Down walk the input history and come back to the draft', () => {
	let s = apply(emptyEditor, {type: 'insert', text: 'first'}, {type: 'submitted'}, {type: 'insert', text: 'second'}, {type: 'submitted'});
	assert.deepEqual(s.history, ['first', 'second']);
	s = apply(s, {type: 'insert', text: 'draft'}, {type: 'history-prev'});
	assert.equal(s.text, 'second');
	s = apply(s, {type: 'history-prev'}, {type: 'history-prev'});
	assert.equal(s.text, 'first', 'stops at the oldest');
	s = apply(s, {type: 'history-next'}, {type: 'history-next'});
	assert.equal(s.text, 'draft');
	assert.equal(s.historyIndex, undefined);
	// Repeats and blank lines are not remembered twice.
	s = apply(typed('second'), {type: 'submitted'});
	assert.deepEqual(apply({...s, history: ['second']}, {type: 'insert', text: 'second'}, {type: 'submitted'}).history, ['second']);
});

test('completion: commands, then rooms after /join, users after /msg or @', () => {
	assert.deepEqual(complete('/jo', sources), {start: 0, candidates: ['/join ']});
	assert.deepEqual(complete('/join de', sources), {start: 6, candidates: ['design ', 'dev ']});
	assert.deepEqual(complete('/msg b', sources), {start: 5, candidates: ['@bo ', '@bob ']});
	assert.deepEqual(complete('hey @c', sources), {start: 4, candidates: ['@cy ']});
	assert.deepEqual(complete('c', sources), {start: 0, candidates: ['cy: ']}, 'a name starting the line is addressed, IRC style');
	assert.deepEqual(complete('thanks B', sources), {start: 7, candidates: ['bo ', 'bob ']});
	assert.equal(complete('', sources), undefined);
	assert.deepEqual(complete('/zzz', sources), {start: 0, candidates: []});
});

test('completion: Tab cycles through the matches and keeps the text after the cursor', () => {
	let s = apply(typed('hi b!', 4), {type: 'complete', sources});
	assert.equal(s.text, 'hi bo !');
	s = apply(s, {type: 'complete', sources});
	assert.equal(s.text, 'hi bob !');
	s = apply(s, {type: 'complete', sources});
	assert.equal(s.text, 'hi bo !', 'wraps around');
	s = apply(s, {type: 'insert', text: 'x'});
	assert.equal(s.completion, undefined, 'any other key ends the cycle');
	assert.equal(apply(typed('zz'), {type: 'complete', sources}).text, 'zz', 'no match: nothing changes');
});
