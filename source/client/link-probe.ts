import type {WebSocket} from 'ws';

/**
 * The client's own heartbeat on one socket: a ping every `intervalMs`, and a socket that has not
 * answered the previous ping by the next one is terminated. TCP can take minutes to notice a
 * peer that vanished (a laptop lid, a dropped route); this notices within two intervals, and the
 * reconnect loop takes over from the close. Each pong also measures the round trip.
 *
 * @example
 * const probe = new LinkProbe(5000);
 * socket.on('open', () => probe.start(socket));
 * socket.on('pong', () => showRtt(probe.pong()));
 * socket.on('close', () => probe.stop());
 */
export class LinkProbe {
	private timer: NodeJS.Timeout | undefined;
	private sentAt = 0;
	private awaiting = false;

	constructor(private readonly intervalMs: number) {}

	/** Ping `socket` now and every interval until stop(); replaces any earlier socket's probe. */
	start(socket: WebSocket): void {
		this.stop();
		this.awaiting = false;
		const tick = (): void => {
			if (this.awaiting) {
				// No pong for a whole interval: the link is dead even if TCP has not noticed.
				socket.terminate();
				return;
			}
			this.awaiting = true;
			this.sentAt = Date.now();
			try {
				socket.ping();
			} catch {
				// The socket died under us: its close handler deals with it.
			}
		};
		this.timer = setInterval(tick, this.intervalMs);
		this.timer.unref?.();
		tick();
	}

	stop(): void {
		if (this.timer) clearInterval(this.timer);
		this.timer = undefined;
	}

	/** The socket answered: the round trip of the last ping, in ms. */
	pong(): number {
		this.awaiting = false;
		return Date.now() - this.sentAt;
	}
}
