import {useEffect, useRef} from 'react';
import {useStdin} from 'ink';
import {parseKeys, type Key} from '../input/keys.js';

/** How long a bracketed paste may pause before what arrived so far is inserted anyway. */
const PASTE_IDLE_MS = 100;

/**
 * Call `handler` for every key the user presses. Unlike Ink's useInput this keeps the raw
 * sequence, so Backspace (DEL) and Delete (ESC [3~) stay apart, and it follows bracketed paste
 * so a pasted Enter is text, not a send. A bracketed paste arrives in many chunks (about 4 KiB
 * each from a terminal); they are collected and handed over as one text key when the paste
 * ends, so a 100,000-character paste costs one edit and one render, not twenty-five. Should the
 * end marker never come, what arrived is handed over after a pause of PASTE_IDLE_MS.
 *
 * @example
 * useKeys(key => { if (key.name === 'pageup') scrollUp(); });
 */
export function useKeys(handler: (key: Key) => void, active = true): void {
	const {internal_eventEmitter: events, setRawMode, isRawModeSupported} = useStdin();
	const latest = useRef(handler);
	latest.current = handler;
	const pasting = useRef(false);

	useEffect(() => {
		if (!active || !isRawModeSupported) return;
		setRawMode(true);
		return () => setRawMode(false);
	}, [active, isRawModeSupported, setRawMode]);

	useEffect(() => {
		if (!active) return;
		// The paste so far, as chunks: joined once at the end (appending to one string would
		// copy it again for every chunk).
		let pasted: string[] = [];
		let idle: ReturnType<typeof setTimeout> | undefined;
		const flush = (): void => {
			clearTimeout(idle);
			idle = undefined;
			if (pasted.length === 0) return;
			const text = pasted.join('');
			pasted = [];
			latest.current({name: 'text', text});
		};
		const onInput = (raw: string): void => {
			for (const key of parseKeys(raw, pasting.current)) {
				if (key.name === 'paste-start') {
					pasting.current = true;
				} else if (key.name === 'paste-end') {
					pasting.current = false;
					flush();
				} else if (pasting.current && key.name === 'text') {
					pasted.push(key.text);
					clearTimeout(idle);
					idle = setTimeout(flush, PASTE_IDLE_MS);
				} else {
					// Anything else keeps its place after the text before it.
					flush();
					latest.current(key);
				}
			}
		};
		events.on('input', onInput);
		return () => {
			events.removeListener('input', onInput);
			flush();
		};
	}, [active, events]);
}
