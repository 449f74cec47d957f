import type {Socket} from 'node:net';

/**
 * How long a socket that has only presence frames to send may stay corked. A burst of joins
 * to a big room is n announcements to n members: sent at once, that is one write system call
 * per member per join (n²); held this long, each member gets a few writes for the whole burst.
 * A chat frame sent meanwhile to the same socket ends the hold at the end of its turn, and all
 * frames leave in the order they were sent, so presence is never reordered against messages;
 * it is only late, by at most this much, when nothing else is going out.
 */
export const PRESENCE_HOLD_MS = 15;

/**
 * One socket as the writer sees it. Made by SocketWriter.outlet; its fields belong to the writer
 * (a connection holds it, passes it back, and never changes it).
 */
export type Outlet = {
	readonly socket: Socket;
	/** Whether the socket is corked: until the end of this turn, or for presence only (PRESENCE_HOLD_MS). */
	held: 'no' | 'turn' | 'lazy';
	/** The turn in which a fan-out frame was last written to the socket directly (see `direct`). */
	directTurn: number;
};

/**
 * The cork scheduler of one broker: when the frames written to its sockets leave. Each broker
 * (createBroker) owns one and hands it to its connections, so two brokers in one process never
 * share a turn, a mode or a corked list.
 *
 * Guarantees: every frame written through an outlet leaves in the order it was written, whatever
 * was corked; a socket corked for a turn is uncorked once that turn's I/O callbacks have run (so
 * a turn's frames to one socket leave in one write system call); a socket corked for presence
 * only is uncorked within PRESENCE_HOLD_MS, or at the end of the turn of its next other frame.
 */
export class SocketWriter {
	/** Outlets corked in this event-loop turn: uncorked together at its end (endOfTurn). */
	private readonly corked: Outlet[] = [];
	private endScheduled = false;
	/**
	 * Whether a fan-out frame that is a socket's first in this turn is written at once. Corking pays
	 * when a turn sends a socket several frames (a busy room: one write call for all of them); when
	 * it sends one (a quiet room), holding it to the end of the turn only makes every member wait
	 * for the whole room's frames to be queued (bench fixed-5k). So fan-out writes directly while
	 * turns carry one frame per socket; once a socket gets a second frame in a turn, sockets cork
	 * from their first frame on, until a turn's corked sockets average fewer than two frames.
	 */
	private direct = true;
	/** In direct mode: some socket was sent a second fan-out frame in this turn. */
	private secondFrame = false;
	/** In corked mode: fan-out frames written to corked sockets in this turn. */
	private heldFrames = 0;
	/** Counts event-loop turns that wrote anything: tells a socket's first frame of a turn. */
	private turn = 0;
	/** Outlets corked for presence only, and the timer that uncorks them. */
	private readonly lazilyCorked: Outlet[] = [];
	private lazyTimer: NodeJS.Timeout | undefined;
	private readonly endOfTurn = (): void => {
		this.endScheduled = false;
		const sockets = this.corked.length;
		for (const outlet of this.corked) uncork(outlet, 'turn');
		this.corked.length = 0;
		this.direct = this.direct ? !this.secondFrame : this.heldFrames < 2 * sockets;
		this.secondFrame = false;
		this.heldFrames = 0;
		this.turn++;
	};
	private readonly flushLazilyCorked = (): void => {
		this.lazyTimer = undefined;
		for (const outlet of this.lazilyCorked) uncork(outlet, 'lazy');
		this.lazilyCorked.length = 0;
	};

	/** The writer's handle on `socket`. */
	outlet(socket: Socket): Outlet {
		return {socket, held: 'no', directTurn: -1};
	}

	/**
	 * Write a ready-made fan-out frame (textFrame). `lazy` (presence announcements) lets it wait up
	 * to PRESENCE_HOLD_MS for company; otherwise it leaves now (a quiet turn's first frame to the
	 * socket) or at the end of the turn.
	 */
	writeFrame(outlet: Outlet, frame: Buffer, lazy: boolean): void {
		if (lazy) this.holdLazily(outlet);
		else if (this.direct && outlet.held === 'no' && outlet.directTurn !== this.turn) {
			// The socket's first frame in a quiet turn: it leaves now.
			outlet.directTurn = this.turn;
			this.scheduleEndOfTurn();
		} else {
			// A socket held only for presence counts as quiet: presence is corked whatever the mode.
			if (!this.direct) this.heldFrames++;
			else if (outlet.held !== 'lazy') this.secondFrame = true;
			this.hold(outlet);
		}
		outlet.socket.write(frame);
	}

	/** Cork the socket for the rest of this event-loop turn: the turn's frames leave in one write. */
	hold(outlet: Outlet): void {
		if (outlet.held === 'turn') return;
		// Already corked for presence: it stays corked (once), but now leaves at the end of this turn.
		if (outlet.held === 'no') outlet.socket.cork();
		outlet.held = 'turn';
		this.corked.push(outlet);
		this.scheduleEndOfTurn();
	}

	/** Cork the socket for presence: it leaves within PRESENCE_HOLD_MS, or with the next other frame. */
	private holdLazily(outlet: Outlet): void {
		if (outlet.held !== 'no') return;
		outlet.held = 'lazy';
		outlet.socket.cork();
		this.lazilyCorked.push(outlet);
		this.lazyTimer ??= setTimeout(this.flushLazilyCorked, PRESENCE_HOLD_MS);
	}

	private scheduleEndOfTurn(): void {
		if (this.endScheduled) return;
		this.endScheduled = true;
		setImmediate(this.endOfTurn);
	}
}

/** The hold of kind `kind` ended: let the socket write what was queued (a hold since changed to another kind is left to it). */
function uncork(outlet: Outlet, kind: 'turn' | 'lazy'): void {
	if (outlet.held !== kind) return;
	outlet.held = 'no';
	outlet.socket.uncork();
}
