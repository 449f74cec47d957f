import {useEffect, useState} from 'react';
import {useStdout} from 'ink';

/** Terminal size in cells. */
export type TerminalSize = {columns: number; rows: number};

/**
 * The terminal's size, updated when it is resized. `override` fixes it (tests, which have no
 * real terminal); otherwise unknown dimensions fall back to 80×24.
 */
export function useTerminalSize(override: Partial<TerminalSize> = {}): TerminalSize {
	const {stdout} = useStdout();
	const read = (): TerminalSize => ({
		columns: override.columns ?? (stdout.columns || 80),
		rows: override.rows ?? (stdout.rows || 24),
	});
	const [size, setSize] = useState(read);
	useEffect(() => {
		const onResize = (): void => setSize(read());
		stdout.on('resize', onResize);
		onResize();
		return () => {
			stdout.off('resize', onResize);
		};
	}, [stdout, override.columns, override.rows]);
	return size;
}
