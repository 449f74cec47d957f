// Laying out the timeline: wrapping by display width, neutralising untrusted text, the visible slice.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {render} from 'ink-testing-library';
import stringWidth from 'string-width';
import {RowText} from '../source/ui/components/row-text.js';
import {nameColour} from '../source/ui/layout/name-colour.js';
import {entryRows, fitSegments, textWidth, type Row, type RowOptions} from '../source/ui/layout/rows.js';
import {pageDown, pageUp, scrollTop, viewport} from '../source/ui/layout/viewport.js';
import {truncate, wrap} from '../source/ui/layout/wrap.js';
import {append, emptyRoom} from '../source/ui/state/room.js';
import type {RoomView} from '../source/ui/state/types.js';

const T = Date.UTC(2026, 10, 27, 12, 0);
const options: RowOptions = {width: 60, nickWidth: 5, seqWidth: 4};
const text = (row: Row) => row.segments.map(s => s.text).join('');

function roomWith(count: number, content = (i: number) => `message ${i}`): RoomView {
	const entries = Array.from({length: count}, (_, i) => ({kind: 'message' as const, sequence: i + 1, sender: 'bo', text: content(i + 1), timestamp: T, mine: false, mention: false}));
	return {...append(emptyRoom('general'), entries), lastSequence: count, oldestSequence: 1};
}

test('wrap breaks at spaces and never exceeds the width, also with CJK and emoji', () => {
	assert.deepEqual(wrap('the quick brown fox', 10), ['the quick', 'brown fox']);
	const mixed = '漢字かなカナ 🎉🎉 emoji 👩‍👩‍👧 family and a verylongwordthatcannotfitonaline';
	for (const width of [5, 8, 13, 20]) {
		const rows = wrap(mixed, width);
		for (const row of rows) assert.ok(stringWidth(row) <= width, `${JSON.stringify(row)} is wider than ${width}`);
		assert.equal(rows.join('').replace(/\s/g, ''), mixed.replace(/\s/g, ''), 'nothing is lost');
	}
	assert.deepEqual(wrap('a\nb', 10), ['a', 'b'], 'line breaks start new rows');
	assert.deepEqual(wrap('', 10), ['']);
});

test('truncate cuts by display width and marks the cut', () => {
	assert.equal(truncate('漢字漢字', 5), '漢字…');
	assert.equal(truncate('short', 10), 'short');
});

test('a message row: time, right-aligned sender, separator, text, and the sequence on the right', () => {
	const [row] = entryRows({kind: 'message', key: 1, sequence: 42, sender: 'bo', text: 'hello', timestamp: T, mine: false, mention: false}, options, false);
	const line = text(row!);
	assert.match(line, /^\d\d:\d\d {4}bo │ hello +#42$/);
	assert.equal(stringWidth(line), options.width);
	assert.equal(row!.segments[1]!.color, nameColour('bo'));
});

test('a row too wide for a narrow pane loses its end, not a little of every column', () => {
	// 30 cells cannot hold time, a 10-cell name column, the separator and the 12-cell minimum text column.
	const narrow: RowOptions = {width: 30, nickWidth: 10, seqWidth: 4};
	const [row] = entryRows({kind: 'message', key: 1, sequence: 7, sender: 'bartholomew', text: 'abcdefghijklmnop', timestamp: T, mine: false, mention: false}, narrow, false);
	assert.ok(stringWidth(text(row!)) > 30, 'the laid-out row overflows');
	const fitted = fitSegments(row!, 30);
	assert.equal(stringWidth(fitted.map(s => s.text).join('')), 30);
	assert.deepEqual(fitted.slice(0, 3), row!.segments.slice(0, 3), 'time, name and separator are whole');
	assert.equal(fitted[3]!.text, 'abcdefghij…', 'the text is cut where the pane ends');
	assert.equal(fitted.slice(4).map(s => s.text).join(''), '', 'and the sequence gutter after it is dropped');
	assert.equal(fitSegments(row!, 200), row!.segments, 'a row that fits is left as it is');
	// The edge exactly between the separator and the text: the cut is still marked.
	const atEdge = fitSegments(row!, 19).map(s => s.text).join('');
	assert.equal(stringWidth(atEdge), 19);
	assert.ok(atEdge.endsWith(' │…'), JSON.stringify(atEdge));

	const {lastFrame, unmount} = render(<RowText row={row!} width={30} />);
	const shown = lastFrame()!;
	unmount();
	assert.match(shown, /^\d\d:\d\d bartholom… │ abcdefghij…$/);
});

test('long messages wrap under the text column; every row fits the width', () => {
	const rows = entryRows({kind: 'message', key: 2, sequence: 1, sender: 'cy', text: '字'.repeat(60), timestamp: T, mine: false, mention: false}, options, false);
	assert.ok(rows.length > 1);
	const column = textWidth(options);
	for (const row of rows) assert.ok(stringWidth(text(row)) <= options.width);
	assert.match(text(rows[1]!), new RegExp(`^ {12}│ 字{${Math.floor(column / 2)}}$`));
});

test('hostile names and text are neutralised before they reach a row', () => {
	const hostile = 'x\x1b]0;pwned\x07\x1b[2J\x1b[H\u202egnp.exe\r\x08y';
	const rows = entryRows({kind: 'message', key: 3, sequence: 1, sender: 'ev\x1b[31mil', text: hostile, timestamp: T, mine: false, mention: false}, {...options, nickWidth: 16}, false);
	const all = rows.map(text).join('\n');
	// eslint-disable-next-line no-control-regex -- the point: none of these may reach the terminal
	assert.doesNotMatch(all, /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]/);
	assert.match(all, /␛\]0;pwned␇/);
	assert.match(all, /⟨U\+202E⟩/);
});

test('a gap is a line in place that says how many messages history no longer holds', () => {
	const rows = entryRows({kind: 'gap', key: 4, timestamp: T, count: 37, from: 2, to: 38}, {...options, width: 100}, false);
	assert.equal(rows.length, 1);
	assert.match(text(rows[0]!), /│ … 37 earlier messages are no longer in history \(#2–#38\)$/);
});

test('a day separator goes above the first entry of a new day', () => {
	const rows = entryRows({kind: 'system', key: 5, timestamp: T, tone: 'info', text: 'x'}, options, true);
	assert.equal(rows.length, 2);
	assert.match(text(rows[0]!), /^─+ \w+day \d+ \w+ 2026 ─+$/);
});

test('the viewport shows exactly the rows that fit, bottom-aligned, and only lays out what it shows', () => {
	const short = viewport(roomWith(3), 'ana', options, 10);
	assert.equal(short.rows.length, 10);
	assert.deepEqual(short.rows.slice(0, 6).map(text), Array(6).fill(''));
	assert.match(text(short.rows[6]!), /^─+ \w+day /, 'the timeline opens with its day');
	assert.match(text(short.rows[9]!), /message 3/);
	const long = viewport(roomWith(5000), 'ana', options, 10);
	assert.equal(long.rows.length, 10);
	assert.match(text(long.rows[9]!), /message 5000/);
	assert.equal(long.top, 1990, 'memory holds the last 2000; the view is their last 10');
	assert.equal(long.atTop, false);
});

test('pending messages show greyed below the timeline while following live', () => {
	const room = {...roomWith(2), pending: [{clientId: 'c1', text: 'on its way', queuedAt: T}]};
	const view = viewport(room, 'ana', options, 5);
	const last = view.rows[4]!;
	assert.match(text(last), /ana │ on its way +⋯$/);
	assert.ok(last.segments.some(s => s.text === 'on its way' && s.dim));
});

test('PageUp moves a page back, PageDown returns, the top is reached and reported', () => {
	const room = roomWith(30);
	const up = pageUp(room, options, 10);
	assert.equal(room.entries.findIndex(e => e.key === up.anchor), 20, 'the old top line is now at the bottom');
	assert.match(text(viewport({...room, anchor: up.anchor}, 'ana', options, 10).rows[8]!), /message 21/, 'above the marker row');
	assert.equal(up.reachedTop, false);
	const scrolled = {...room, anchor: up.anchor};
	assert.equal(pageDown(scrolled, options, 10), undefined, 'one page down is live again');
	const top = scrollTop(room, options, 10);
	const atTop = viewport({...room, anchor: top}, 'ana', options, 10);
	assert.equal(atTop.atTop, true);
	assert.match(text(atTop.rows[0]!), /^─+ \w+day /);
	assert.match(text(atTop.rows[1]!), /message 1 /);
	assert.match(text(atTop.rows[9]!), /scrolled up — End to return/);
	assert.equal(pageUp({...room, anchor: top}, options, 10).reachedTop, true);
});

test('names get stable colours', () => {
	assert.equal(nameColour('ana'), nameColour('ana'));
	const colours = new Set(['ana', 'bo', 'cy', 'dee', 'eve', 'fay', 'gus'].map(nameColour));
	assert.ok(colours.size >= 4, 'different names mostly get different colours');
});
