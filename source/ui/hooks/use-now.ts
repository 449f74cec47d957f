import {useEffect, useState} from 'react';

/** The current time, refreshed every `everyMs` while `active` (a countdown, a clock). */
export function useNow(active: boolean, everyMs = 1000): number {
	const [now, setNow] = useState(() => Date.now());
	useEffect(() => {
		if (!active) return;
		setNow(Date.now());
		const timer = setInterval(() => setNow(Date.now()), everyMs);
		timer.unref?.();
		return () => clearInterval(timer);
	}, [active, everyMs]);
	return now;
}
