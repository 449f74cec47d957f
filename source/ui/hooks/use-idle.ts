import {useCallback, useEffect, useRef} from 'react';

/** Options of useIdle. */
export type UseIdleOptions = {
	/** Time without activity before `onIdle` (ms); 0 or less turns idleness off. */
	idleMs: number;
	onIdle: () => void;
	/** The first activity after `onIdle`. */
	onActive: () => void;
};

/**
 * Notice when the user stops typing and when they come back. Returns `touch`, to be called on
 * every key; the timer starts at mount.
 *
 * @example
 * const touch = useIdle({idleMs: 300_000, onIdle: () => client.setAway('idle'), onActive: () => client.setBack()});
 */
export function useIdle(options: UseIdleOptions): () => void {
	const latest = useRef(options);
	latest.current = options;
	const timer = useRef<NodeJS.Timeout | undefined>(undefined);
	const idle = useRef(false);

	const arm = useCallback(() => {
		if (timer.current) clearTimeout(timer.current);
		timer.current = undefined;
		if (latest.current.idleMs <= 0) return;
		timer.current = setTimeout(() => {
			idle.current = true;
			latest.current.onIdle();
		}, latest.current.idleMs);
		timer.current.unref?.();
	}, []);

	useEffect(() => {
		arm();
		return () => {
			if (timer.current) clearTimeout(timer.current);
		};
	}, [arm, options.idleMs]);

	return useCallback(() => {
		if (idle.current) {
			idle.current = false;
			latest.current.onActive();
		}
		arm();
	}, [arm]);
}
