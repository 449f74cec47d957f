/**
 * One timeline entry → the terminal rows it occupies at a given width. Pure and cached per
 * entry object (entries are immutable), so scrolling and re-rendering a busy room only lays out
 * what is new. Every untrusted string is neutralised here, before it can reach the terminal.
 */
import {sanitizeLine, sanitizeText} from '../../text/sanitize.js';
import type {Entry, PendingEntry, SystemTone} from '../state/types.js';
import {nameColour} from './name-colour.js';
import {clock, clockWidth, dayLabel} from './time.js';
import {cellWidth, pad, truncate, wrap} from './wrap.js';
import {defined} from '../../defined.js';

/** A run of text in one style. Colours are Ink colour names. */
export type Segment = {text: string; color?: string; backgroundColor?: string; dim?: boolean; bold?: boolean; inverse?: boolean; italic?: boolean};

/** One terminal row: styled segments whose widths add up to at most the pane width. */
export type Row = {key: string; segments: Segment[]};

/** What the layout of a room depends on besides its entries. */
export type RowOptions = {
	width: number;
	/** Width of the sender column. */
	nickWidth: number;
	/** Width of the sequence gutter on the right (0 hides it). */
	seqWidth: number;
	/** Times with seconds (/set timestamp HH:mm:ss). */
	seconds?: boolean;
};

/** What /search marks in an entry: the text found, and whether this entry is the match shown. */
export type Highlight = {text: string; current: boolean};
const SEPARATOR = ' │ ';
/** Narrowest text column before the layout gives up aligning and just wraps. */
const MIN_TEXT = 12;

const TONES: Record<SystemTone, {glyph: string; color: string}> = {
	join: {glyph: '-->', color: 'green'},
	leave: {glyph: '<--', color: 'red'},
	away: {glyph: '--', color: 'yellow'},
	back: {glyph: '--', color: 'green'},
	info: {glyph: '--', color: 'cyan'},
	help: {glyph: '', color: 'white'},
	error: {glyph: '!!', color: 'redBright'},
	connection: {glyph: '--', color: 'blueBright'},
};

/** Width of the text column for these options. */
export function textWidth(options: RowOptions): number {
	return Math.max(MIN_TEXT, options.width - timeWidth(options) - 1 - options.nickWidth - SEPARATOR.length - options.seqWidth);
}

function timeWidth(options: RowOptions): number {
	// /set timestamp for this window, else the format chosen at start (config `timestamp`).
	return options.seconds === undefined ? clockWidth() : options.seconds ? 8 : 5;
}

/**
 * The segments of `row` that fit in `width` cells: the one that crosses the edge is cut with
 * '…' and the rest dropped, so a row too wide (a pane narrower than the columns need) loses
 * its end, as one truncated line would, rather than a little of every segment.
 */
export function fitSegments(row: Row, width: number): Segment[] {
	let used = 0;
	for (const [i, segment] of row.segments.entries()) {
		const w = cellWidth(segment.text);
		if (used + w <= width) {
			used += w;
			continue;
		}
		if (used < width) return [...row.segments.slice(0, i), {...segment, text: truncate(segment.text, width - used)}];
		// The edge falls exactly between two segments: the '…' takes the last cell of the last one shown.
		const kept = row.segments.slice(0, i);
		let last = kept.length - 1;
		while (last >= 0 && kept[last]!.text === '') last--;
		if (last >= 0) kept[last] = {...kept[last]!, text: truncate(`${kept[last]!.text}…`, cellWidth(kept[last]!.text))};
		return kept;
	}
	return row.segments;
}

const cache = new WeakMap<object, {signature: string; rows: Row[]}>();

/**
 * The rows of one entry; `dayBreak` adds a day separator above it (the previous entry was on
 * another day), `readMarker` the `── new ──` line (it is the first entry not seen before).
 */
export function entryRows(entry: Entry, options: RowOptions, dayBreak: boolean, readMarker = false, highlight?: Highlight): Row[] {
	const signature = `${options.width}|${options.nickWidth}|${options.seqWidth}|${options.seconds === true}|${dayBreak}|${readMarker}|${highlight === undefined ? '' : `${highlight.current}${highlight.text}`}`;
	const hit = cache.get(entry);
	if (hit?.signature === signature) return hit.rows;
	const rows = [
		...(dayBreak ? [daySeparator(entry.timestamp, options.width, `d${entry.key}`)] : []),
		...(readMarker ? [newMarker(options.width, `n${entry.key}`)] : []),
		...layout(entry, options, highlight),
	];
	cache.set(entry, {signature, rows});
	return rows;
}

/** The rows of a message that is still on its way (greyed, with a '⋯' in the gutter). */
export function pendingRows(entry: PendingEntry, me: string, options: RowOptions): Row[] {
	return messageRows({
		key: `p${entry.clientId}`,
		time: clock(entry.queuedAt, options.seconds),
		sender: me,
		text: entry.text,
		senderStyle: {dim: true},
		textStyle: {dim: true},
		gutter: '⋯',
		options,
	});
}

/** A full-width centred "──── Tuesday 26 November 2024 ────" row. */
export function daySeparator(timestamp: number, width: number, key: string): Row {
	const label = ` ${dayLabel(timestamp)} `;
	const side = Math.max(0, width - cellWidth(label));
	const left = Math.floor(side / 2);
	return {key, segments: [{text: '─'.repeat(left) + label + '─'.repeat(side - left), dim: true}]};
}

/** The read marker: a full-width `── new ─────` row above the first message not seen yet. */
export function newMarker(width: number, key: string): Row {
	const label = '── new ';
	return {key, segments: [{text: label + '─'.repeat(Math.max(0, width - cellWidth(label))), color: 'redBright'}]};
}

function layout(entry: Entry, options: RowOptions, highlight?: Highlight): Row[] {
	const key = `e${entry.key}`;
	switch (entry.kind) {
		case 'message': {
			const color = nameColour(entry.sender);
			return messageRows({
				key,
				time: clock(entry.timestamp, options.seconds),
				// An action (/me) reads as a sentence: `* bo waves`.
				sender: entry.action ? '*' : entry.sender,
				text: entry.action ? `${sanitizeLine(entry.sender)} ${entry.text}` : entry.text,
				...defined({highlight}),
				senderStyle: entry.mention ? {color, inverse: true, bold: true} : {color, bold: entry.mine},
				textStyle: entry.mention ? {bold: true} : {},
				gutter: `#${entry.sequence}`,
				options,
			});
		}
		case 'reprint':
			return messageRows({
				key,
				time: clock(entry.timestamp, options.seconds),
				sender: entry.sender,
				text: entry.text,
				...defined({highlight}),
				senderStyle: {color: nameColour(entry.sender), dim: true},
				textStyle: {dim: true},
				gutter: `#${entry.sequence}`,
				options,
			});
		case 'failed':
			return messageRows({
				key,
				time: clock(entry.timestamp, options.seconds),
				sender: entry.sender,
				text: entry.text,
				senderStyle: {color: 'redBright', bold: true},
				textStyle: {color: 'redBright'},
				gutter: '✖',
				options,
			});
		case 'system': {
			const tone = TONES[entry.tone];
			if (entry.tone === 'help') return helpRows(key, sanitizeText(entry.text), options.width);
			return messageRows({
				key,
				time: clock(entry.timestamp, options.seconds),
				sender: tone.glyph,
				text: entry.text,
				senderStyle: {color: tone.color},
				textStyle: entry.tone === 'error' ? {color: tone.color} : entry.tone === 'info' || entry.tone === 'connection' ? {} : {dim: true},
				gutter: '',
				options,
				raw: true,
			});
		}
		case 'gap': {
			const range = entry.from !== undefined && entry.to !== undefined && entry.count > 1 ? ` (#${entry.from}–#${entry.to})` : entry.from !== undefined ? ` (#${entry.from})` : '';
			const noun = entry.count === 1 ? 'message is' : 'messages are';
			return messageRows({
				key,
				time: clock(entry.timestamp, options.seconds),
				sender: '--',
				text: `… ${entry.count} earlier ${noun} no longer in history${range}`,
				senderStyle: {color: 'yellow'},
				textStyle: {color: 'yellow'},
				gutter: '',
				options,
				raw: true,
			});
		}
	}
}

type MessageParts = {
	key: string;
	time: string;
	sender: string;
	text: string;
	senderStyle: Omit<Segment, 'text'>;
	textStyle: Omit<Segment, 'text'>;
	gutter: string;
	options: RowOptions;
	/** The sender is one of our glyphs, not a name: no neutralising needed, right-aligned as is. */
	raw?: boolean;
	highlight?: Highlight;
};

function messageRows(parts: MessageParts): Row[] {
	const {options} = parts;
	const sender = parts.raw ? parts.sender : sanitizeLine(parts.sender);
	const columnWidth = textWidth(options);
	const lines = wrap(sanitizeText(parts.text), columnWidth);
	const indent = ' '.repeat(timeWidth(options) + 1 + options.nickWidth);
	return lines.map((line, i) => {
		const segments: Segment[] = i === 0
			? [
				{text: `${parts.time} `, dim: true},
				{text: pad(sender, options.nickWidth, 'right'), ...parts.senderStyle},
				{text: SEPARATOR, dim: true},
			]
			: [{text: indent}, {text: SEPARATOR, dim: true}];
		segments.push(...(parts.highlight === undefined ? [{text: line, ...parts.textStyle}] : marked(line, parts.textStyle, parts.highlight)));
		if (options.seqWidth > 0 && i === 0 && parts.gutter !== '') {
			const fill = columnWidth - cellWidth(line);
			segments.push({text: ' '.repeat(Math.max(0, fill)) + pad(parts.gutter, options.seqWidth, 'right'), dim: true});
		}
		return {key: `${parts.key}.${i}`, segments};
	});
}

/**
 * One row's text with every occurrence of the searched text (ignoring case) standing out: the
 * match shown in reverse video, the others in yellow. A match cut by the wrap is not marked.
 */
function marked(line: string, style: Omit<Segment, 'text'>, highlight: Highlight): Segment[] {
	const lower = line.toLowerCase();
	const needle = highlight.text.toLowerCase();
	// Lowercasing changed the length (İ and the like): offsets would not line up, so mark nothing.
	if (needle === '' || lower.length !== line.length) return [{text: line, ...style}];
	const found: Omit<Segment, 'text'> = highlight.current ? {color: 'black', backgroundColor: 'yellowBright', bold: true} : {color: 'yellow', bold: true};
	const out: Segment[] = [];
	let from = 0;
	for (let at = lower.indexOf(needle); at >= 0; at = lower.indexOf(needle, at + needle.length)) {
		if (at > from) out.push({text: line.slice(from, at), ...style});
		out.push({text: line.slice(at, at + needle.length), ...found});
		from = at + needle.length;
	}
	if (from < line.length || out.length === 0) out.push({text: line.slice(from), ...style});
	return out;
}

// Help is a two-column table over the whole width: continuation rows hang under the
// description column, and headings stand out.
function helpRows(key: string, text: string, width: number): Row[] {
	const column = /^(\s*\S.*?\s{2,})\S/.exec(text)?.[1] ?? '';
	const indent = column === '' ? 0 : cellWidth(column);
	const rows = wrap(text.slice(column.length), Math.max(MIN_TEXT, width - 2 - indent));
	return rows.map((line, i) => ({
		key: `${key}.${i}`,
		segments: i === 0 && column !== ''
			? [{text: `  ${column}`, color: 'cyan'}, {text: line}]
			: [{text: `  ${' '.repeat(i === 0 ? 0 : indent)}${line}`, bold: column === ''}],
	}));
}
