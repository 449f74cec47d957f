import type {Connection} from './connection.js';

/**
 * How often the heartbeat pings a slice of the connections. Pinging every connection in one turn
 * is one write per socket, and as many pongs come back right after: beside 10,000 connections a
 * live room stalled for about a quarter of a second every interval (bench: capacity). So the
 * interval is cut into ticks of about this length, each pinging the connections whose id falls
 * in its slice; every connection is still pinged once per interval.
 */
export const HEARTBEAT_TICK_MS = 250;
/**
 * Pings sent in one turn of the event loop; a tick's slice goes out in runs of this many with
 * I/O between them. 19,500 connections make slices of 325, whose writes (and the pongs right
 * after) held a live room's messages for several milliseconds every tick (bench: capacity-100k).
 */
export const PINGS_PER_TURN = 64;

/**
 * The heartbeat of one node's connections: each is pinged once per interval, and one that has
 * not answered its previous ping by then is terminated. Owns which slice each connection is in.
 */
export class Heartbeat {
	/** The connections of each slice (by id), so a tick visits only its own. */
	private readonly slices: Array<Set<Connection>>;
	/** The tick that comes next. */
	private next = 0;
	/** How often to call tick(): the interval over the number of slices. */
	readonly tickMs: number;

	constructor(
		intervalMs: number,
		private readonly log: (line: string) => void,
		/** True once the node is closing: no more pings then. */
		private readonly closing: () => boolean,
	) {
		const count = Math.max(1, Math.round(intervalMs / HEARTBEAT_TICK_MS));
		this.tickMs = intervalMs / count;
		this.slices = Array.from({length: count}, () => new Set());
	}

	add(connection: Connection): void {
		this.slices[connection.id % this.slices.length]!.add(connection);
	}

	delete(connection: Connection): void {
		this.slices[connection.id % this.slices.length]!.delete(connection);
	}

	/** One tick (call every tickMs): ping this tick's slice, terminating those that did not answer their previous ping, one interval ago. */
	tick(): void {
		const slice = this.slices[this.next++ % this.slices.length]!;
		// A copy: terminating a connection removes it from the slice once its socket has closed.
		this.pingRun([...slice], 0);
	}

	/** Ping PINGS_PER_TURN of a slice from `start`, then let I/O in before the next run. */
	private pingRun(slice: Connection[], start: number): void {
		const end = Math.min(slice.length, start + PINGS_PER_TURN);
		for (let i = start; i < end; i++) {
			const connection = slice[i]!;
			if (this.closing() || connection.state.kind === 'closed') continue;
			if (!connection.ping()) {
				this.log(`heartbeat timeout: ${connection.userId ?? connection.id}`);
				connection.terminate();
			}
		}
		if (end < slice.length) setImmediate(() => this.pingRun(slice, end));
	}
}
