// Keys, the line editor and Tab completion: pure, so every key is tested on its own.
import {afterEach, test} from 'node:test';
import assert from 'node:assert/strict';
import {cleanup} from 'ink-testing-library';
import {graphemes, graphemesBefore, nextBoundary, previousBoundary, textWidth} from '../source/text/graphemes.js';
import {visible} from '../source/ui/components/input-line.js';
import {complete} from '../source/ui/input/complete.js';
import {edit, emptyEditor, type EditAction, type EditorState} from '../source/ui/input/editor.js';
import {editAction} from '../source/ui/input/key-map.js';
import {parseKeys} from '../source/ui/input/keys.js';
import stringWidth from 'string-width';
import {renderApp, until} from './helpers/app-screen.js';

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

// Large pastes. Node 20's Intl.Segmenter is quadratic on long strings, so the editor and the
// input line segment only short pieces (text/graphemes.ts); these prove the pieces add up to
// exactly what the segmenter says, and that a large paste and edits after it give the right text.

afterEach(() => cleanup());

const segmenter = new Intl.Segmenter(undefined, {granularity: 'grapheme'});
const reference = (text: string): string[] => Array.from(segmenter.segment(text), s => s.segment);

/** Deterministic text from atoms that combine in every way UAX #29 knows (marks, ZWJ, flags, jamo, CR LF…). */
function mixedText(atoms: number, seed: number): string {
	const parts = ['a', ' ', '\n', '\r', '\r\n', 'é', 'e\u0301', '\u0301', '漢', '한', '\u1100', '\u1161', '\u11a8', '👍', '👍🏽', '🇺', '🇸', '\u200d', '👩‍👩‍👧', '\ufe0f', '1', '\u20e3', '\u0915', '\u094d', '\u0937', '\u0600', '©', '\t', 'ｱ', '\uff9e'];
	let state = seed;
	let text = '';
	for (let i = 0; i < atoms; i++) {
		state = (state * 1103515245 + 12345) % 2 ** 31;
		text += parts[state % parts.length]!;
	}
	return text;
}

test('graphemes: long mixed text is cut exactly where Intl.Segmenter cuts it, forwards and backwards', () => {
	for (let seed = 1; seed <= 12; seed++) {
		const text = mixedText(seed % 3 === 0 ? 2000 : 300, seed);
		const expected = reference(text);
		assert.deepEqual(graphemes(text), expected, `seed ${seed}`);
		assert.deepEqual([...graphemesBefore(text, text.length)].reverse(), expected, `seed ${seed}, backwards`);
		assert.equal(textWidth(text), stringWidth(text), `seed ${seed}, width`);
		let at = 0;
		for (const grapheme of expected) {
			assert.equal(nextBoundary(text, at), at + grapheme.length);
			assert.equal(previousBoundary(text, at + grapheme.length), at);
			at += grapheme.length;
		}
	}
});

test('graphemes: a long run of emoji with no plain character in it still moves one emoji at a time', () => {
	// No certain boundary for thousands of code units: the fallback asks the segmenter.
	const text = '🇺🇸👍🏽👩‍👩‍👧'.repeat(400);
	const expected = reference(text);
	assert.deepEqual(graphemes(text), expected);
	const middle = expected.slice(0, 601).join('').length;
	assert.equal(previousBoundary(text, middle), middle - expected[600]!.length);
	assert.equal(nextBoundary(text, middle), middle + expected[601]!.length);
});

test('input line: a long line shows the characters just before the cursor after a cut mark, and those after it', () => {
	const text = 'x'.repeat(50_000) + 'the end';
	assert.deepEqual(visible(text, text.length, 12), {before: '…xxxthe end', at: ' ', after: ''});
	assert.deepEqual(visible(text, 0, 6), {before: '', at: 'x', after: 'xxxxx'});
	const cursor = text.length - 7;
	assert.deepEqual(visible(`${text}\nmore`, cursor, 12), {before: '…xxxxxxxxxx', at: 't', after: ''});
	assert.deepEqual(visible('漢字漢字漢字', 4, 7), {before: '…字', at: '漢', after: ''}, 'wide characters count two cells');
});

test('editor: a 100,000-character paste in 4 KiB chunks, then edits around it, give exactly the expected text', () => {
	const line = (i: number) => `line ${i} ${'lorem ipsum dolor sit amet, 漢字 👍🏽 e\u0301 '.repeat(2)}`;
	const lines: string[] = [];
	for (let length = 0; length < 100_000; length += lines.at(-1)!.length + 2) lines.push(line(lines.length));
	const paste = lines.join('\r\n');
	// What a terminal sends: the paste markers, the text in chunks, and they cut anywhere.
	let state = emptyEditor;
	let pasting = false;
	const feed = (raw: string): void => {
		for (const key of parseKeys(raw, pasting)) {
			if (key.name === 'paste-start') pasting = true;
			else if (key.name === 'paste-end') pasting = false;
			else {
				const action = editAction(key, state.text === '');
				if (action && action !== 'complete') state = edit(state, action);
			}
		}
	};
	feed('\x1b[200~');
	for (let at = 0; at < paste.length; at += 4096) feed(paste.slice(at, at + 4096));
	feed('\x1b[201~');
	const expected = paste.replace(/\r\n/g, '\n');
	assert.equal(state.text, expected, 'the paste is the text, line breaks kept as one message');
	assert.equal(state.cursor, expected.length);
	// Typing after it, moving by user-perceived characters, deleting them.
	feed('ok');
	assert.equal(state.text, `${expected}ok`);
	const end = expected.length;
	assert.ok(expected.endsWith('👍🏽 e\u0301 '));
	state = edit(state, {type: 'word-left'});
	assert.equal(state.cursor, end, 'Ctrl+Left goes back over the typed word');
	state = [1, 2, 3].reduce(s => edit(s, {type: 'left'}), state);
	assert.equal(state.text.slice(state.cursor), ' e\u0301 ok', 'three steps left: a space, e with its accent, a space');
	state = edit(state, {type: 'backspace'});
	assert.equal(state.text, `${expected.slice(0, end - 8)}${expected.slice(end - 4)}ok`, 'Backspace removes the whole 👍🏽');
	state = edit(edit(state, {type: 'home'}), {type: 'delete'});
	assert.equal(state.text, `${expected.slice(1, end - 8)}${expected.slice(end - 4)}ok`, 'Home then Delete edit the start of the paste');
	state = edit(edit(state, {type: 'end'}), {type: 'kill-word'});
	assert.equal(state.text, `${expected.slice(1, end - 8)}${expected.slice(end - 4)}`, 'Ctrl+W removes the word typed after the paste');
});

test('window: a bracketed paste in many chunks is one input, typing goes after it, and Enter sends it whole', async () => {
	const screen = renderApp({columns: 100, rows: 20});
	screen.client.joined('general');
	await until(screen, 'you joined general');
	const paste = Array.from({length: 600}, (_, i) => `row ${i} ${'ab👍🏽 '.repeat(20)}`).join('\r');
	screen.stdin.write('\x1b[200~');
	for (let at = 0; at < paste.length; at += 4096) screen.stdin.write(paste.slice(at, at + 4096));
	screen.stdin.write('\x1b[201~');
	await until(screen, frame => frame.split('\n').at(-1)!.includes('(600 lines)'));
	screen.stdin.write('!');
	await until(screen, frame => /👍🏽 !/.test(frame.split('\n').at(-1)!));
	screen.stdin.write('\r');
	await until(screen, () => screen.client.callsOf('publish').length === 1);
	assert.deepEqual(screen.client.callsOf('publish'), [['general', `${paste.replace(/\r/g, '\n')}!`]]);
});

test('window: Tab after /help completes a command name or keys, and after /set a setting', async () => {
	const screen = renderApp({columns: 100, rows: 20});
	screen.client.joined('general');
	await until(screen, 'you joined general');
	const inputLine = (frame: string) => frame.split('\n').at(-1)!;
	for (const [typed, completed] of [['/help fil', '/help filter'], ['/help ke', '/help keys'], ['/set ti', '/set timestamp']] as const) {
		screen.stdin.write('\x15'); // Ctrl+U: an empty line
		screen.stdin.write(typed);
		await until(screen, frame => inputLine(frame).includes(typed));
		screen.stdin.write('\t');
		await until(screen, frame => inputLine(frame).includes(completed), 2000);
	}
});
