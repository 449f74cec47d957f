type Flight<T> = {running: Promise<T> | undefined; next: Promise<T> | undefined};

/**
 * Reads by key that share their flights: while one read of a key is in flight, the calls that
 * come meanwhile share the next one, issued once the first is done (so it sees everything those
 * callers did before calling). A thousand calls at once cost two reads, not a thousand. Sharers
 * each get their own `copy` of the result.
 */
export class CoalescedReads<T> {
	private readonly flights = new Map<string, Flight<T>>();

	constructor(
		private readonly read: (key: string) => Promise<T>,
		private readonly copy: (value: T) => T,
	) {}

	get(key: string): Promise<T> {
		let flight = this.flights.get(key);
		if (!flight) {
			flight = {running: undefined, next: undefined};
			this.flights.set(key, flight);
		}
		const current = flight;
		if (current.next) return current.next.then(this.copy);
		if (!current.running) return this.start(key, current);
		const waitFor = current.running.catch(() => undefined);
		current.next = waitFor.then(() => {
			current.next = undefined;
			return this.start(key, current);
		});
		return current.next.then(this.copy);
	}

	private start(key: string, flight: Flight<T>): Promise<T> {
		const running = this.read(key);
		flight.running = running;
		const clear = (): void => {
			if (flight.running !== running) return;
			flight.running = undefined;
			if (!flight.next && this.flights.get(key) === flight) this.flights.delete(key);
		};
		running.then(clear, clear);
		return running;
	}
}
