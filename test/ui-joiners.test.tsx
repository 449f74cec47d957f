// Zero-width joiners and non-joiners in the chat window: emoji sequences and joining scripts show as
// the sequence they form, in a peer's message, in my own (pending and echoed) and in the input line;
// a joiner that forms nothing still shows as a code.
import {afterEach, test} from 'node:test';
import assert from 'node:assert/strict';
import {cleanup} from 'ink-testing-library';
import stringWidth from 'string-width';
import {visible} from '../source/ui/components/input-line.js';
import {renderApp, until, type Screen} from './helpers/app-screen.js';

afterEach(() => cleanup());

const FAMILY = '👨\u200d👩\u200d👧';
const RAINBOW = '🏳\ufe0f\u200d🌈';
const PERSIAN = 'م\u200cی';
const TEXT = `${FAMILY} ${RAINBOW} ${PERSIAN}`;

async function type(screen: Screen, ...chunks: string[]): Promise<void> {
	for (const chunk of chunks) {
		screen.stdin.write(chunk);
		await new Promise(resolve => setTimeout(resolve, 5));
	}
}

const row = (frame: string, pattern: RegExp) => frame.split('\n').find(l => pattern.test(l)) ?? '';

test("a peer's emoji ZWJ sequences and Persian ZWNJ render as the sequences they form, the gutter aligned by their drawn width", async () => {
	const screen = renderApp({columns: 100, rows: 12});
	screen.client.joined('general', ['ana', 'bo']);
	await until(screen, 'you joined general');
	screen.client.message('general', 'bo', TEXT, 1);
	screen.client.message('general', 'bo', 'plain', 2);
	const frame = await until(screen, 'plain');
	assert.doesNotMatch(frame, /U\+200[CD]/);
	const withJoiners = row(frame, /bo │ 👨/);
	assert.ok(withJoiners.includes(`bo │ ${TEXT} `), withJoiners);
	// The sequence column ends in the same terminal column on both rows: each sequence was measured as one glyph.
	const plain = row(frame, /bo │ plain/);
	assert.equal(stringWidth(withJoiners.slice(0, withJoiners.indexOf('#1') + 2)), stringWidth(plain.slice(0, plain.indexOf('#2') + 2)));
});

test('my own message with joiners shows the sequences in the input line, while pending, and once echoed', async () => {
	const screen = renderApp({columns: 100, rows: 12});
	screen.client.joined('general', ['ana']);
	await until(screen, 'you joined general');
	await type(screen, TEXT);
	let frame = await until(screen, f => (f.split('\n').at(-1) ?? '').includes(PERSIAN));
	assert.doesNotMatch(frame, /U\+200[CD]/);
	// The cursor between ZWNJ and the letter it keeps apart: the joiner is still judged by the whole line.
	assert.deepEqual(visible(PERSIAN, 2, 20), {before: 'م\u200c', at: 'ی', after: ''});
	assert.deepEqual(visible('a\u200cb', 2, 20), {before: 'a⟨U+200C⟩', at: 'b', after: ''});
	await type(screen, '\r');
	frame = await until(screen, f => /ana │ .* +⋯/.test(f));
	assert.ok(row(frame, /⋯/).includes(TEXT), frame);
	screen.client.emit({type: 'sent', room: 'general', clientId: 'c1', sequence: 1, duplicate: false});
	screen.client.message('general', 'ana', TEXT, 1);
	frame = await until(screen, f => /#1/.test(f));
	assert.ok(row(frame, /#1/).includes(`ana │ ${TEXT} `));
	assert.doesNotMatch(frame, /U\+200[CD]/);
});

test('a joiner that forms nothing (inside an ASCII word, at the start, in a run) still shows as a code', async () => {
	const screen = renderApp({columns: 100, rows: 12});
	screen.client.joined('general', ['ana', 'bo']);
	await until(screen, 'you joined general');
	screen.client.message('general', 'bo', '\u200dhi al\u200cice 👨\u200d\u200d👩', 1);
	const frame = await until(screen, '#1');
	assert.match(frame, /bo │ ⟨U\+200D⟩hi al⟨U\+200C⟩ice 👨⟨U\+200D⟩⟨U\+200D⟩👩/);
});
