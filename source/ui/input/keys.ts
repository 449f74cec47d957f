/**
 * Terminal input → keys. Ink hands over one event per escape sequence and one per run of plain
 * text; a run can hold several keystrokes (fast typing, a script) or a whole paste. A paste is
 * kept together: line breaks inside a run are part of the text, and only a final Enter submits,
 * so a multi-line paste becomes one message, never a burst of sends.
 */

/** A key (or a run of text) the app acts on. */
export type Key =
	| {name: 'text'; text: string}
	| {
		name:
			| 'enter' | 'backspace' | 'delete' | 'tab' | 'shift-tab' | 'escape'
			| 'left' | 'right' | 'up' | 'down' | 'home' | 'end' | 'pageup' | 'pagedown'
			| 'ctrl-left' | 'ctrl-right' | 'ctrl-home' | 'ctrl-end' | 'shift-up' | 'shift-down'
			| 'f2' | 'f3' | 'paste-start' | 'paste-end';
	}
	/** Ctrl+letter: `key` is the lower-case letter. */
	| {name: 'ctrl'; key: string}
	/** Alt (Meta)+character. */
	| {name: 'alt'; key: string}
	| {name: 'unknown'; raw: string};

const SEQUENCES: Record<string, Key['name']> = {
	'[A': 'up', '[B': 'down', '[C': 'right', '[D': 'left',
	OA: 'up', OB: 'down', OC: 'right', OD: 'left',
	'[H': 'home', '[F': 'end', OH: 'home', OF: 'end',
	'[1~': 'home', '[7~': 'home', '[4~': 'end', '[8~': 'end',
	'[3~': 'delete', '[5~': 'pageup', '[6~': 'pagedown',
	'[Z': 'shift-tab',
	OQ: 'f2', '[12~': 'f2', OR: 'f3', '[13~': 'f3',
	'[200~': 'paste-start', '[201~': 'paste-end',
	'[1;5D': 'ctrl-left', '[1;5C': 'ctrl-right', '[1;3D': 'ctrl-left', '[1;3C': 'ctrl-right',
	'[1;5H': 'ctrl-home', '[1;5F': 'ctrl-end', '[1;3H': 'ctrl-home', '[1;3F': 'ctrl-end',
	'[1;2A': 'shift-up', '[1;2B': 'shift-down',
};

/**
 * The keys in one input event. `pasting` is true between the bracketed-paste markers, where
 * every character, Enter included, is text.
 *
 * @example
 * parseKeys('hi\r', false)        // [{name: 'text', text: 'hi'}, {name: 'enter'}]
 * parseKeys('a\rb\rc', false)     // [{name: 'text', text: 'a\nb\nc'}] (a paste: one message)
 */
export function parseKeys(raw: string, pasting: boolean): Key[] {
	if (raw.startsWith('\x1b') && raw.length > 1) return [escapeKey(raw)];
	if (raw === '\x1b') return [{name: 'escape'}];
	if (pasting) return [{name: 'text', text: raw.replace(/\r\n?/g, '\n')}];
	if (raw === '\t') return [{name: 'tab'}];
	const keys: Key[] = [];
	let text = '';
	const flush = (): void => {
		if (text !== '') keys.push({name: 'text', text});
		text = '';
	};
	for (let i = 0; i < raw.length; i++) {
		const char = raw[i]!;
		if (char === '\r' || char === '\n') {
			if (char === '\r' && raw[i + 1] === '\n') i++;
			// A break with more text after it is inside a paste; only a trailing one is Enter.
			if (i === raw.length - 1) {
				flush();
				keys.push({name: 'enter'});
			} else {
				text += '\n';
			}
			continue;
		}
		const code = char.charCodeAt(0);
		if (char === '\x7f' || char === '\b') {
			flush();
			keys.push({name: 'backspace'});
		} else if (char === '\t') {
			text += char;
		} else if (code < 0x20) {
			flush();
			keys.push({name: 'ctrl', key: String.fromCharCode(code + 0x60)});
		} else {
			text += char;
		}
	}
	flush();
	return keys;
}

function escapeKey(raw: string): Key {
	let body = raw;
	while (body.startsWith('\x1b')) body = body.slice(1);
	const known = SEQUENCES[body];
	if (known) return {name: known} as Key;
	if (raw === '\x1b\x7f' || raw === '\x1b\b') return {name: 'ctrl', key: 'w'};
	// ESC followed by one character is how terminals send Alt+character.
	if ([...body].length === 1 && !raw.startsWith('\x1b\x1b')) return {name: 'alt', key: body};
	return {name: 'unknown', raw};
}
