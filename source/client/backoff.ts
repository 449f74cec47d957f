/**
 * Reconnect delay for attempt n (1-based): exponential from `min` up to `max`, with "equal
 * jitter" (half fixed, half random) so a broker restart is not met by every client at once,
 * yet no client retries sooner than half the nominal delay.
 */
export function backoffDelay(attempt: number, min: number, max: number, random: () => number = Math.random): number {
	const nominal = Math.min(max, min * 2 ** Math.max(0, attempt - 1));
	return Math.round(nominal / 2 + random() * (nominal / 2));
}
