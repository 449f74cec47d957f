/**
 * `input-paste`: what a bracketed paste costs the input line, by paste size, in process (natter
 * only; no broker or terminal involved). natter's own useKeys, key parsing, editor and InputLine
 * run inside Ink (ink-testing-library's render: Ink's real input parser, React, layout and
 * output, with every frame written): the paste goes in as a terminal sends it, between the
 * bracketed-paste markers in 4 KiB chunks, and is timed until its frame is written. Then single
 * keystrokes typed after a 100,000-character paste, each timed to its frame.
 *
 * Issue 17 (finding 2): 20,000 characters took 1 s in tmux, 40,000 took 20.7 s, 70,000 more
 * than 2 minutes. The target is linear: `100k / 10k` near 10.
 */
import {useState} from 'react';
import {render, cleanup} from 'ink-testing-library';
import {InputLine} from '../../source/ui/components/input-line.js';
import {useKeys} from '../../source/ui/hooks/use-keys.js';
import {edit, emptyEditor} from '../../source/ui/input/editor.js';
import {editAction} from '../../source/ui/input/key-map.js';
import {emptyChecks} from '../checks.js';
import type {Metric, RunOutput, Scenario} from './types.js';

const SIZES = [10_000, 20_000, 40_000, 100_000];
const CHUNK = 4096;
const KEYSTROKES = 200;
/** A size that takes longer than this is the last one tried (the old editor needed minutes for 40,000). */
const BUDGET_MS = 20_000;
const WIDTH = 120;

/** The input line as the window runs it: keys from useKeys, edited, rendered. */
function Line() {
	const [editor, setEditor] = useState(emptyEditor);
	useKeys(key => {
		const action = editAction(key, false);
		if (action && action !== 'complete') setEditor(current => edit(current, action));
	});
	return <InputLine editor={editor} target="bench" width={WIDTH} />;
}

/** Lines of ordinary prose, `size` characters in all, ending with a marker the frame shows. */
function pasteOf(size: number): {text: string; marker: string} {
	const marker = `END-${size}`;
	const row = 'the quick brown fox jumps over the lazy dog, 0123456789 ';
	let text = '';
	while (text.length < size) text += `${row.repeat(2)}\r`;
	return {text: text.slice(0, size - marker.length) + marker, marker};
}

function label(size: number): string {
	return size.toLocaleString('en-US');
}

const METRICS: Metric[] = [
	...SIZES.map(size => ({key: `paste${size / 1000}k`, label: `paste of ${label(size)} characters to its frame`, unit: 'ms', digits: 1})),
	{key: 'ratio', label: 'cost 100,000 / 10,000 (linear: 10)', unit: 'x', digits: 1},
	{key: 'keystrokeEmpty', label: `keystroke after a 2,000 paste, mean of ${KEYSTROKES}`, unit: 'ms', digits: 2},
	{key: 'keystroke', label: `keystroke after a 100,000 paste, mean of ${KEYSTROKES}`, unit: 'ms', digits: 2},
	{key: 'keystrokeMax', label: 'keystroke after a 100,000 paste, slowest', unit: 'ms', digits: 2},
];

/** Wait (without blocking timers) until `check` holds; the frame is usually written synchronously. */
async function until(check: () => boolean, ms: number): Promise<void> {
	const deadline = performance.now() + ms;
	while (!check()) {
		if (performance.now() > deadline) throw new Error('the frame never showed the paste');
		await new Promise(resolve => setImmediate(resolve));
	}
}

type Screen = ReturnType<typeof render>;

/** Paste `text` as a terminal does; ms until the frame shows its end. */
async function pasteInto(screen: Screen, {text, marker}: {text: string; marker: string}): Promise<number> {
	const start = performance.now();
	screen.stdin.write('\x1b[200~');
	for (let at = 0; at < text.length; at += CHUNK) screen.stdin.write(text.slice(at, at + CHUNK));
	screen.stdin.write('\x1b[201~');
	await until(() => (screen.lastFrame() ?? '').includes(marker), 600_000);
	return performance.now() - start;
}

/** Type KEYSTROKES letters one by one; ms from each to its frame. */
async function typeInto(screen: Screen): Promise<number[]> {
	const times: number[] = [];
	for (let i = 0; i < KEYSTROKES; i++) {
		const before = screen.lastFrame();
		const start = performance.now();
		screen.stdin.write(String.fromCharCode(97 + (i % 26)));
		await until(() => screen.lastFrame() !== before, 10_000);
		times.push(performance.now() - start);
	}
	return times;
}

const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

export function inputPaste(): Scenario {
	return {
		name: 'input-paste',
		title: 'the input line: a bracketed paste of 10,000 to 100,000 characters, and typing after it (natter only, in process)',
		metrics: METRICS,
		sockets: () => 0,
		repetitions: options => (options.quick ? 1 : 3),
		async run({server}): Promise<RunOutput> {
			if (server.kind === 'seed') return {values: {}, checks: emptyChecks(), notes: ['the seed has no input line: natter only']};
			const values: Record<string, number> = {};
			const notes: string[] = [];
			// Warm up (module loading, the JIT) on a small paste, and time typing on a short line.
			const warm = render(<Line />);
			try {
				await pasteInto(warm, pasteOf(2000));
				values.keystrokeEmpty = mean(await typeInto(warm));
			} finally {
				warm.unmount();
				cleanup();
			}
			for (const size of SIZES) {
				const screen = render(<Line />);
				try {
					const took = await pasteInto(screen, pasteOf(size));
					values[`paste${size / 1000}k`] = took;
					if (size === 100_000) {
						const times = await typeInto(screen);
						values.keystroke = mean(times);
						values.keystrokeMax = Math.max(...times);
					}
					if (took > BUDGET_MS) {
						notes.push(`a paste of ${label(size)} took ${(took / 1000).toFixed(1)} s: larger sizes not run`);
						break;
					}
				} finally {
					screen.unmount();
					cleanup();
				}
			}
			if (values.paste100k !== undefined && values.paste10k !== undefined) values.ratio = values.paste100k / values.paste10k;
			return {values, checks: emptyChecks(), notes};
		},
	};
}
