import {constantTimeEqual} from '../auth/constant-time-equal.js';
import {nameSkeleton} from '../protocol/names.js';
import type {Connection} from './connection.js';
import {newToken} from './ids.js';

/**
 * A name's session on this node: the name as its holder typed it, its live connections, the
 * addresses of dropped ones still within their grace period (ghosts), and the resume token.
 */
type Session = {name: string; token: string; connections: Set<Connection>; ghosts: string[]};

export type BindResult = {ok: true; token: string} | {ok: false; error: string};

/**
 * Who holds which name on this node. Names are compared as people see them (nameSkeleton):
 * while `bob` is held, `Bob`, `bоb` (Cyrillic о) and `ｂｏｂ` are taken too. A name held by a
 * live connection (or by one that dropped abnormally and is still within its grace period) can
 * be taken by another connection only with the resume token the broker issued for it, so a
 * client can reclaim its name after a network drop before the heartbeat has noticed the old
 * socket, and nobody else can. One exception keeps the seed chapter's clients working: they
 * have no token and reconnect 2 s after a drop, so when only ghosts hold the name, a connection
 * from the address of one of them takes the session over.
 */
export class IdentityRegistry {
	/** Sessions by the name's comparison form (binding compares look-alikes)... */
	private readonly sessions = new Map<string, Session>();
	/** ...and by the name itself, so a DM's delivery finds its connections without computing a skeleton. */
	private readonly byName = new Map<string, Session>();

	/** Why `connection` may not take `name` now (undefined when it may). Changes nothing. */
	refusal(connection: Connection, name: string, token: string | undefined, trusted = false): string | undefined {
		const session = this.sessions.get(nameSkeleton(name));
		if (!session || (session.connections.size === 0 && session.ghosts.length === 0)) return undefined;
		if (session.name !== name) return `"${name}" looks like "${session.name}", a name in use; pick another`;
		if (trusted || (token !== undefined && constantTimeEqual(token, session.token))) return undefined;
		if (token === undefined && session.connections.size === 0 && session.ghosts.includes(connection.ip)) return undefined;
		return `the name "${name}" is in use; pick another, or present its resume token`;
	}

	/** Bind `connection` to `name`. `trusted` skips the token check (identity proven by a JWT). */
	bind(connection: Connection, name: string, token: string | undefined, trusted = false): BindResult {
		const error = this.refusal(connection, name, token, trusted);
		if (error !== undefined) return {ok: false, error};
		const skeleton = nameSkeleton(name);
		let session = this.sessions.get(skeleton);
		if (!session || session.name !== name) {
			if (session) this.byName.delete(session.name);
			session = {name, token: newToken(), connections: new Set(), ghosts: []};
			this.sessions.set(skeleton, session);
			this.byName.set(name, session);
		}
		session.connections.add(connection);
		connection.nameAs(name);
		return {ok: true, token: session.token};
	}

	/** Whether `token` is the resume token of `name`'s session on this node (issued to whoever proved the name). */
	resumes(name: string, token: string | undefined): boolean {
		const session = this.session(name);
		return token !== undefined && session !== undefined && constantTimeEqual(token, session.token);
	}

	/** The resume token of a bound name. */
	token(name: string): string | undefined {
		return this.session(name)?.token;
	}

	/** The live connections of a name on this node (none for a look-alike of a held name). */
	connections(name: string): ReadonlySet<Connection> {
		return this.session(name)?.connections ?? EMPTY;
	}

	/** A connection is gone; `ghost` keeps the name reserved until `releaseGhost` (the grace period). */
	release(connection: Connection, ghost: boolean): void {
		const name = connection.userId;
		if (name === undefined) return;
		const session = this.session(name);
		if (!session || !session.connections.delete(connection)) return;
		if (ghost) session.ghosts.push(connection.ip);
		this.forgetIfIdle(session);
	}

	/** The grace period of a connection that dropped from `ip` ended. */
	releaseGhost(name: string, ip: string): void {
		const session = this.session(name);
		if (!session) return;
		const i = session.ghosts.indexOf(ip);
		if (i >= 0) session.ghosts.splice(i, 1);
		this.forgetIfIdle(session);
	}

	private session(name: string): Session | undefined {
		return this.byName.get(name);
	}

	private forgetIfIdle(session: Session): void {
		if (session.connections.size > 0 || session.ghosts.length > 0) return;
		this.sessions.delete(nameSkeleton(session.name));
		this.byName.delete(session.name);
	}
}

const EMPTY: ReadonlySet<Connection> = new Set();
