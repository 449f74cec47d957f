import {useEffect, useRef} from 'react';
import {useStdin} from 'ink';
import {parseKeys, type Key} from '../input/keys.js';

/**
 * Call `handler` for every key the user presses. Unlike Ink's useInput this keeps the raw
 * sequence, so Backspace (DEL) and Delete (ESC [3~) stay apart, and it follows bracketed paste
 * so a pasted Enter is text, not a send.
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
		const onInput = (raw: string): void => {
			for (const key of parseKeys(raw, pasting.current)) {
				if (key.name === 'paste-start') pasting.current = true;
				else if (key.name === 'paste-end') pasting.current = false;
				else latest.current(key);
			}
		};
		events.on('input', onInput);
		return () => {
			events.removeListener('input', onInput);
		};
	}, [active, events]);
}
