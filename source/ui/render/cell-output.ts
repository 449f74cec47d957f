/**
 * Ink's `Output` (node_modules/ink/build/output.js, Ink 6.8), drawn with less work: the bundled
 * chat window uses this class in its place (scripts/bundle-cli.mjs swaps the import).
 *
 * Why: Ink builds every frame from scratch. For each frame it made a grid of one object per
 * cell, tokenised every line it drew into one object per character with a copy of its style
 * list, and diffed the styles of every pair of neighbouring cells, allocating three Sets and
 * four arrays per cell. On a 120×40 window in a flood that was 14 ms of CPU and about 5 MB of
 * garbage per frame, most of it live across several young-generation collections, so GC cost
 * as much again (bench: tui-flood; before/after in the commit message).
 *
 * Here a row is two flat arrays (what each cell shows, and a style number); a style is
 * interned once as a number; the escape codes between two styles are computed once per pair;
 * a drawn line's cells are kept across frames (the presence panel, the status bar and the
 * names and times of the pane repeat from frame to frame); and a line of printable ASCII, plain
 * or coloured (most of a chat), is split without the tokeniser's grapheme segmenter.
 *
 * The output is byte for byte Ink's: the same clipping, the same tokeniser and style algebra
 * (@alcalzone/ansi-tokenize, the version Ink runs with, see the `overrides` in package.json),
 * the same widths, and the same quirks (a write below the last row or above the first is
 * dropped, one past the right edge extends its row). test/ui-cell-output.test.ts checks that
 * against Ink's own class on random frames.
 */
import {ansiCodesToString, diffAnsiCodes, reduceAnsiCodesIncremental, tokenize, type AnsiCode} from '@alcalzone/ansi-tokenize';
import sliceAnsi from 'slice-ansi';
import stringWidth from 'string-width';

/** What Ink's render-node-to-output applies to each line of a write (colours, for instance). */
type Transformer = (line: string, index: number) => string;

type Clip = {x1: number | undefined; x2: number | undefined; y1: number | undefined; y2: number | undefined};

type Operation =
	| {type: 'write'; x: number; y: number; text: string; transformers: Transformer[]}
	| {type: 'clip'; clip: Clip}
	| {type: 'unclip'};

/** A line cut into cells: what each shows, how many columns it takes, and its style number. */
type Cells = {values: string[]; widths: number[]; styles: number[]};

/** Printable ASCII only: one cell per character, one column each, no style. */
const PLAIN = /^[\x20-\x7e]*$/;
/**
 * Printable ASCII and SGR sequences (ESC [ digits and semicolons m) only: what colouring ASCII
 * text makes. The tokeniser reads such a sequence exactly so (up to its `m`), and every other
 * character is a cell of its own, so the line needs no grapheme segmenter either.
 */
// eslint-disable-next-line no-control-regex
const ASCII_AND_SGR = /^(?:[\x20-\x7e]|\x1b\[[0-9;]*m)*$/;
// eslint-disable-next-line no-control-regex
const SGR = /\x1b\[[0-9;]*m/g;

/**
 * Bounds of the caches kept across frames. Past them everything is dropped and built again:
 * a frame of 40 rows draws a few hundred lines, so this holds many frames' worth.
 */
const MAX_LINES = 4096;
const MAX_STYLES = 1024;
/** Spaces transition keys apart: exact for any number of styles a frame could hold. */
const STRIDE = 2 ** 21;

/** Cells of lines drawn lately, by the line's text (after its transformers). */
const lineCells = new Map<string, Cells>();
/** The style codes of SGR sequences seen, as the tokeniser splits them. */
const sequenceCodes = new Map<string, AnsiCode[]>();
/** Interned styles: number → the reduced codes; 0 is no style. */
const styleCodes: AnsiCode[][] = [[]];
const styleNumbers = new Map<string, number>([['', 0]]);
/** Escape codes to go from one style to another, by `from * STRIDE + to`. */
const transitions = new Map<number, string>();
/** Escape codes that open a style at the start of a row. */
const openings = new Map<number, string>();
/** Display widths of strings (cells, lines, blocks) that are not a single printable ASCII character. */
const widths = new Map<string, number>();

export default class CellOutput {
	width: number;
	height: number;
	private readonly operations: Operation[] = [];

	constructor(options: {width: number; height: number}) {
		this.width = options.width;
		this.height = options.height;
	}

	write(x: number, y: number, text: string, options: {transformers: Transformer[]}): void {
		if (!text) return;
		this.operations.push({type: 'write', x, y, text, transformers: options.transformers});
	}

	clip(clip: Clip): void {
		this.operations.push({type: 'clip', clip});
	}

	unclip(): void {
		this.operations.push({type: 'unclip'});
	}

	get(): {output: string; height: number} {
		// Caches are dropped only here, between frames: cells built this frame hold style numbers.
		if (lineCells.size > MAX_LINES || styleCodes.length > MAX_STYLES || widths.size > MAX_LINES || sequenceCodes.size > MAX_STYLES) resetCaches();
		const values: string[][] = [];
		const styles: number[][] = [];
		for (let y = 0; y < this.height; y++) {
			const rowValues: string[] = [];
			const rowStyles: number[] = [];
			for (let x = 0; x < this.width; x++) {
				rowValues.push(' ');
				rowStyles.push(0);
			}
			values.push(rowValues);
			styles.push(rowStyles);
		}
		const clips: Clip[] = [];
		for (const operation of this.operations) {
			if (operation.type === 'clip') clips.push(operation.clip);
			else if (operation.type === 'unclip') clips.pop();
			else draw(values, styles, operation, clips.at(-1));
		}
		let output = '';
		for (let y = 0; y < values.length; y++) {
			if (y > 0) output += '\n';
			output += rowText(values[y]!, styles[y]!);
		}
		return {output, height: values.length};
	}
}

/** One write into the rows, clipped as Ink clips it. */
function draw(values: string[][], styles: number[][], operation: Extract<Operation, {type: 'write'}>, clip: Clip | undefined): void {
	const {text, transformers} = operation;
	let {x, y} = operation;
	let lines = text.split('\n');
	if (clip) {
		const clipHorizontally = typeof clip.x1 === 'number' && typeof clip.x2 === 'number';
		const clipVertically = typeof clip.y1 === 'number' && typeof clip.y2 === 'number';
		// Entirely outside the clip: nothing to draw.
		if (clipHorizontally && (x + widestLine(text) < clip.x1! || x > clip.x2!)) return;
		if (clipVertically && (y + lines.length < clip.y1! || y > clip.y2!)) return;
		if (clipHorizontally) {
			const x1 = clip.x1!;
			const x2 = clip.x2!;
			lines = lines.map(line => {
				const from = x < x1 ? x1 - x : 0;
				const width = widthOf(line);
				const to = x + width > x2 ? x2 - x : width;
				return sliceAnsi(line, from, to);
			});
			if (x < x1) x = x1;
		}
		if (clipVertically) {
			const y1 = clip.y1!;
			const y2 = clip.y2!;
			const from = y < y1 ? y1 - y : 0;
			const height = lines.length;
			const to = y + height > y2 ? y2 - y : height;
			lines = lines.slice(from, to);
			if (y < y1) y = y1;
		}
	}
	let offsetY = 0;
	for (let index = 0; index < lines.length; index++) {
		const rowValues = values[y + offsetY];
		const rowStyles = styles[y + offsetY];
		// As in Ink, a missing row does not advance to the next: a write that starts outside
		// the rows draws nothing at all.
		if (rowValues === undefined || rowStyles === undefined) continue;
		let line = lines[index]!;
		for (const transformer of transformers) line = transformer(line, index);
		const cells = cellsOf(line);
		let offsetX = x;
		for (let i = 0; i < cells.values.length; i++) {
			const width = cells.widths[i]!;
			const style = cells.styles[i]!;
			rowValues[offsetX] = cells.values[i]!;
			rowStyles[offsetX] = style;
			// A wide character covers the cells after it: they print nothing but keep its style.
			for (let covered = 1; covered < width; covered++) {
				rowValues[offsetX + covered] = '';
				rowStyles[offsetX + covered] = style;
			}
			offsetX += width;
		}
		offsetY++;
	}
}

/**
 * A row as terminal text: each cell's value, with escape codes only where the style changes
 * and a reset after the last cell, trailing blanks trimmed. Cells never written past the
 * right edge (holes) are skipped, as Ink skips them.
 */
function rowText(values: string[], styles: number[]): string {
	let text = '';
	let previous = -1;
	for (let i = 0; i < values.length; i++) {
		const value = values[i];
		if (value === undefined) continue;
		const style = styles[i]!;
		if (previous === -1) text += opening(style);
		else if (style !== previous) text += transition(previous, style);
		text += value;
		previous = style;
	}
	if (previous !== -1) text += transition(previous, 0);
	return text.trimEnd();
}

function cellsOf(line: string): Cells {
	let cells = lineCells.get(line);
	if (cells === undefined) {
		cells = PLAIN.test(line) ? plainCells(line) : ASCII_AND_SGR.test(line) ? sgrCells(line) : styledCells(line);
		lineCells.set(line, cells);
	}
	return cells;
}

function plainCells(line: string): Cells {
	const values = line.split('');
	return {values, widths: values.map(() => 1), styles: values.map(() => 0)};
}

/** Printable ASCII between SGR sequences: each sequence goes through the tokeniser once, ever. */
function sgrCells(line: string): Cells {
	const cells: Cells = {values: [], widths: [], styles: []};
	let codes: AnsiCode[] = [];
	let style = 0;
	let at = 0;
	for (const match of line.matchAll(SGR)) {
		pushPlain(cells, line, at, match.index, style);
		codes = reduceAnsiCodesIncremental(codes, codesOf(match[0]));
		style = styleNumber(codes);
		at = match.index + match[0].length;
	}
	pushPlain(cells, line, at, line.length, style);
	return cells;
}

function pushPlain(cells: Cells, line: string, from: number, to: number, style: number): void {
	for (let i = from; i < to; i++) {
		cells.values.push(line[i]!);
		cells.widths.push(1);
		cells.styles.push(style);
	}
}

function codesOf(sequence: string): AnsiCode[] {
	let codes = sequenceCodes.get(sequence);
	if (codes === undefined) {
		codes = tokenize(sequence).filter((token): token is AnsiCode => token.type === 'ansi');
		sequenceCodes.set(sequence, codes);
	}
	return codes;
}

/** A line with other escape codes or non-ASCII text, cut into cells by Ink's tokeniser. */
function styledCells(line: string): Cells {
	const values: string[] = [];
	const widthsOfCells: number[] = [];
	const stylesOfCells: number[] = [];
	let codes: AnsiCode[] = [];
	let style = 0;
	for (const token of tokenize(line)) {
		if (token.type === 'ansi') {
			codes = reduceAnsiCodesIncremental(codes, [token]);
			style = styleNumber(codes);
		} else if (token.type === 'char') {
			values.push(token.value);
			// Ink gives every character at least one column, even one string-width measures as 0.
			widthsOfCells.push(Math.max(1, widthOf(token.value)));
			stylesOfCells.push(style);
		}
	}
	return {values, widths: widthsOfCells, styles: stylesOfCells};
}

function styleNumber(codes: AnsiCode[]): number {
	if (codes.length === 0) return 0;
	let key = '';
	for (const code of codes) key += `${code.code}\u0000${code.endCode}\u0001`;
	let number = styleNumbers.get(key);
	if (number === undefined) {
		number = styleCodes.length;
		styleCodes.push(codes);
		styleNumbers.set(key, number);
	}
	return number;
}

function opening(style: number): string {
	let codes = openings.get(style);
	if (codes === undefined) {
		codes = ansiCodesToString(styleCodes[style]!);
		openings.set(style, codes);
	}
	return codes;
}

function transition(from: number, to: number): string {
	const key = from * STRIDE + to;
	let codes = transitions.get(key);
	if (codes === undefined) {
		codes = ansiCodesToString(diffAnsiCodes(styleCodes[from]!, styleCodes[to]!));
		transitions.set(key, codes);
	}
	return codes;
}

function widthOf(text: string): number {
	if (text.length === 1) {
		const code = text.charCodeAt(0);
		if (code >= 0x20 && code <= 0x7e) return 1;
	}
	let width = widths.get(text);
	if (width === undefined) {
		width = stringWidth(text);
		widths.set(text, width);
	}
	return width;
}

function widestLine(text: string): number {
	let widest = 0;
	for (const line of text.split('\n')) widest = Math.max(widest, widthOf(line));
	return widest;
}

function resetCaches(): void {
	lineCells.clear();
	sequenceCodes.clear();
	styleCodes.length = 1;
	styleNumbers.clear();
	styleNumbers.set('', 0);
	transitions.clear();
	openings.clear();
	widths.clear();
}
