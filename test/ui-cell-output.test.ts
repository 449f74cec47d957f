import {test} from 'node:test';
import assert from 'node:assert/strict';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';
import {pathToFileURL} from 'node:url';
import fc from 'fast-check';
import {createElement} from 'react';
import {Text} from 'ink';
import {render as renderInk} from 'ink-testing-library';
import CellOutput from '../source/ui/render/cell-output.js';

// Ink's own Output, the class CellOutput stands in for in the bundle. Ink exports only its
// entry point, so the module is loaded by file.
const inkEntry = createRequire(import.meta.url).resolve('ink');
const {default: InkOutput} = (await import(pathToFileURL(join(dirname(inkEntry), 'output.js')).href)) as {default: typeof CellOutput};

type Transformer = (line: string, index: number) => string;
type Clip = {x1: number | undefined; x2: number | undefined; y1: number | undefined; y2: number | undefined};
type Operation = {kind: 'write'; x: number; y: number; text: string; transformers: Transformer[]} | {kind: 'clip'; clip: Clip} | {kind: 'unclip'};
type Frame = {width: number; height: number; operations: Operation[]};

// Pieces of text a frame may hold: plain ASCII, wide and zero-width characters, emoji
// sequences, combining marks, a tab, box drawing, SGR codes (simple, compound, 256 and true
// colour, intensity, resets, malformed) and hyperlinks, and line breaks.
const PIECES = [
	'a', 'hello', ' ', '  ', 'x y', '#42', '│', '·', '漢字', 'ｶ', '😀', '👍🏽', '👩‍💻', '🇫🇷', '❤️', 'e\u0301', '\u200b', '\t', '\n', '\n\n',
	'\x1b[31m', '\x1b[39m', '\x1b[1m', '\x1b[2m', '\x1b[22m', '\x1b[0m', '\x1b[1;31m', '\x1b[38;5;123m', '\x1b[38;2;1;2;3m',
	'\x1b[48;5;12m', '\x1b[49m', '\x1b[4m', '\x1b[24m', '\x1b[7m', '\x1b[27m', '\x1b[3m', '\x1b[23m',
	'\x1b]8;;https://example.com\x07', '\x1b]8;;\x07',
	// Odd SGR: empty, an incomplete 256-colour code, an empty parameter, unterminated, and a CSI that is not SGR.
	'\x1b[m', '\x1b[38;5m', '\x1b[;1m', '\x1b[12', '\x1b[K',
];

// Transformers like the ones Ink's Text applies: colour a whole line, or depend on its index.
const TRANSFORMERS: Transformer[] = [
	line => `\x1b[36m${line}\x1b[39m`,
	line => `\x1b[1m${line}\x1b[22m`,
	(line, index) => (index % 2 === 0 ? `\x1b[2m${line}\x1b[22m` : line),
	line => line.toUpperCase(),
];

const text = fc.array(fc.constantFrom(...PIECES), {minLength: 1, maxLength: 12}).map(pieces => pieces.join(''));
const bound = fc.option(fc.integer({min: -2, max: 32}), {nil: undefined});
const operation: fc.Arbitrary<Operation> = fc.oneof(
	{weight: 6, arbitrary: fc.record({
		kind: fc.constant('write' as const),
		x: fc.integer({min: -3, max: 33}),
		y: fc.integer({min: -2, max: 9}),
		text,
		transformers: fc.subarray(TRANSFORMERS),
	})},
	{weight: 1, arbitrary: fc.record({kind: fc.constant('clip' as const), clip: fc.record({x1: bound, x2: bound, y1: bound, y2: bound})})},
	{weight: 1, arbitrary: fc.constant({kind: 'unclip' as const})},
);
const frame: fc.Arbitrary<Frame> = fc.record({
	width: fc.integer({min: 0, max: 30}),
	height: fc.integer({min: 0, max: 8}),
	operations: fc.array(operation, {maxLength: 12}),
});

function render(Output: typeof CellOutput, {width, height, operations}: Frame): {output: string; height: number} {
	const output = new Output({width, height});
	for (const operation of operations) {
		if (operation.kind === 'write') output.write(operation.x, operation.y, operation.text, {transformers: operation.transformers});
		else if (operation.kind === 'clip') output.clip(operation.clip);
		else output.unclip();
	}
	return output.get();
}

test('CellOutput draws every frame exactly as Ink\'s Output does: clipping, wide characters, styles, transformers', () => {
	fc.assert(
		fc.property(frame, f => {
			assert.deepEqual(render(CellOutput, f), render(InkOutput, f));
		}),
		{numRuns: 3000},
	);
});

test('CellOutput draws a chat window frame as Ink does, and again from its caches on the next frame', () => {
	const row = (time: string, nick: string, content: string, sequence: number): Operation[] => [
		{kind: 'write', x: 0, y: 0, text: time, transformers: [line => `\x1b[2m${line}\x1b[22m`]},
		{kind: 'write', x: 6, y: 0, text: nick, transformers: [line => `\x1b[38;5;${nick.length}m${line}\x1b[39m`]},
		{kind: 'write', x: 16, y: 0, text: '│ ', transformers: [line => `\x1b[2m${line}\x1b[22m`]},
		{kind: 'write', x: 18, y: 0, text: content, transformers: []},
		{kind: 'write', x: 60, y: 0, text: `#${sequence}`, transformers: [line => `\x1b[2m${line}\x1b[22m`]},
	];
	const frameOf = (first: number): Frame => ({
		width: 72,
		height: 10,
		operations: Array.from({length: 10}, (_, i) => row('00:01', i % 3 === 0 ? 'ana' : 'bo', `flood ${first + i} café 漢字 👍🏽`, first + i).map(o => (o.kind === 'write' ? {...o, y: i} : o))).flat(),
	});
	for (const first of [1, 5, 1, 9]) assert.deepEqual(render(CellOutput, frameOf(first)), render(InkOutput, frameOf(first)));
});

test('CellOutput still draws as Ink does after its caches fill up and are dropped', () => {
	// More distinct lines and styles than the caches hold, one frame each, then a frame whose lines were drawn before the drop.
	for (let i = 0; i < 5000; i++) {
		const f: Frame = {width: 24, height: 1, operations: [{kind: 'write', x: 0, y: 0, text: `\x1b[38;5;${i % 256}m${i % 7 === 0 ? '漢' : ''}line ${i}\x1b[39m`, transformers: []}]};
		assert.deepEqual(render(CellOutput, f), render(InkOutput, f), `frame ${i}`);
	}
	const again: Frame = {width: 24, height: 2, operations: [
		{kind: 'write', x: 0, y: 0, text: '\x1b[38;5;1mline 1\x1b[39m', transformers: []},
		{kind: 'write', x: 2, y: 1, text: 'line 4999', transformers: [line => `\x1b[7m${line}\x1b[27m`]},
	]};
	assert.deepEqual(render(CellOutput, again), render(InkOutput, again));
});

test('the UI test suites draw their frames with CellOutput, as the shipped window does (test/run.js preloads the swap)', () => {
	// Count the frames CellOutput produces while ink-testing-library renders: with Ink's own
	// Output (a test process started without test/helpers/render-like-bundle.mjs) there are none.
	const {get} = CellOutput.prototype;
	let frames = 0;
	CellOutput.prototype.get = function (this: CellOutput) {
		frames++;
		return get.call(this);
	};
	try {
		const screen = renderInk(createElement(Text, {bold: true}, 'drawn by CellOutput'));
		assert.equal(screen.lastFrame(), 'drawn by CellOutput');
		screen.unmount();
	} finally {
		CellOutput.prototype.get = get;
	}
	assert.ok(frames > 0, 'Ink rendered with its own Output: run the tests with node test/run.js, which preloads test/helpers/render-like-bundle.mjs');
});
