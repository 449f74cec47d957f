import {constantTimeEqual} from '../auth/constant-time-equal.js';
import type {Connection} from './connection.js';
import {newToken} from './ids.js';

/** A name's session on this node: its live connections, the ghosts of dropped ones, and the resume token. */
type Session = {token: string; connections: Set<Connection>; ghosts: number};

export type BindResult = {ok: true; token: string} | {ok: false; error: string};

/**
 * Who holds which name on this node. A name held by a live connection (or by one that dropped
 * abnormally and is still within its grace period) can be taken by another connection only
 * with the resume token the broker issued for it, so a client can reclaim its name after a
 * network drop before the heartbeat has noticed the old socket, and nobody else can.
 */
export class IdentityRegistry {
	private readonly sessions = new Map<string, Session>();

	/** Bind `connection` to `name`. `trusted` skips the token check (identity proven by a JWT). */
	bind(connection: Connection, name: string, token: string | undefined, trusted = false): BindResult {
		let session = this.sessions.get(name);
		if (session && (session.connections.size > 0 || session.ghosts > 0) && !trusted && (token === undefined || !constantTimeEqual(token, session.token))) {
			return {ok: false, error: `the name "${name}" is in use; pick another, or present its resume token`};
		}
		if (!session) {
			session = {token: newToken(), connections: new Set(), ghosts: 0};
			this.sessions.set(name, session);
		}
		session.connections.add(connection);
		connection.nameAs(name);
		return {ok: true, token: session.token};
	}

	/** The resume token of a bound name. */
	token(name: string): string | undefined {
		return this.sessions.get(name)?.token;
	}

	/** The live connections of a name on this node. */
	connections(name: string): ReadonlySet<Connection> {
		return this.sessions.get(name)?.connections ?? EMPTY;
	}

	/** A connection is gone; `ghost` keeps the name reserved until `releaseGhost` (the grace period). */
	release(connection: Connection, ghost: boolean): void {
		const name = connection.userId;
		if (name === undefined) return;
		const session = this.sessions.get(name);
		if (!session || !session.connections.delete(connection)) return;
		if (ghost) session.ghosts++;
		this.forgetIfIdle(name, session);
	}

	/** The grace period of a dropped connection ended. */
	releaseGhost(name: string): void {
		const session = this.sessions.get(name);
		if (!session) return;
		session.ghosts = Math.max(0, session.ghosts - 1);
		this.forgetIfIdle(name, session);
	}

	private forgetIfIdle(name: string, session: Session): void {
		if (session.connections.size === 0 && session.ghosts === 0) this.sessions.delete(name);
	}
}

const EMPTY: ReadonlySet<Connection> = new Set();
