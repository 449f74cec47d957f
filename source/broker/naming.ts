import {directParties} from '../protocol/names.js';
import type {UnreadDirect} from '../protocol/messages.js';
import type {Connection} from './connection.js';
import type {Engine} from './engines/engine.js';
import {IdentityRegistry} from './identity-registry.js';
import {NameKeys, type NameClaim, type NameKeepOptions} from './name-keys.js';
import {defined} from '../defined.js';

/**
 * Names on this node: binding a connection to a name (a token's, a `hello`'s, or the one a seed
 * client gives in its first subscribe or publish), its release when the connection goes, and what
 * follows from a name (its direct conversations watched, its unread ones listed). Owns the
 * identity registry and, in open mode, the kept names' keys.
 *
 * Guarantee: a connection is bound (moves from unnamed to named) only here, and only once the
 * registry and, in open mode, the name's key allow it; a bound name's `@name` is watched.
 */
export class Naming {
	readonly identities = new IdentityRegistry();
	private readonly nameKeys: NameKeys | undefined;

	constructor(
		private readonly engine: Engine,
		keepNames: NameKeepOptions | undefined,
		private readonly background: (what: string, promise: Promise<unknown>) => void,
	) {
		this.nameKeys = keepNames && new NameKeys(engine.nameKeys, keepNames);
	}

	/** Bind a connection whose identity the handshake proved (a verified token). */
	bindTrusted(connection: Connection, userId: string): void {
		this.identities.bind(connection, userId, undefined, true);
		this.watchDirect(userId);
	}

	/**
	 * `hello`: bind an unnamed connection to `userId` (with its resume token or open mode's key);
	 * a named one keeps its name. `issued`: a newly issued key for the welcome to hand over.
	 */
	async hello(connection: Connection, userId: string, resume: string | undefined, key: string | undefined): Promise<NameClaim> {
		if (connection.userId !== undefined) return {ok: true};
		const bound = await this.claim(connection, userId, resume, key, true);
		if (bound.ok) this.watchDirect(userId);
		return bound;
	}

	/**
	 * The connection's name, binding `name` on first use (seed clients name themselves in subscribe
	 * or publish); undefined, after telling the client why (naming `room`, `clientId` or `id`), when it has none.
	 */
	async ensure(connection: Connection, name: string | undefined, room: string, clientId?: string, id?: string): Promise<string | undefined> {
		if (connection.userId !== undefined) return connection.userId;
		// Built only here, off the path of a named connection's every publish.
		const extra = {room, ...defined({clientId, id})};
		if (name === undefined) {
			connection.error('name_required', 'say who you are first: send hello, or subscribe with a userId', extra);
			return undefined;
		}
		const bound = await this.claim(connection, name, undefined, undefined, false);
		if (!bound.ok) {
			connection.error('name_taken', bound.error, extra);
			return undefined;
		}
		this.watchDirect(name);
		return name;
	}

	/** The resume token of `name`'s session on this node. */
	token(name: string): string | undefined {
		return this.identities.token(name);
	}

	/** `name`'s live connections on this node. */
	connections(name: string): ReadonlySet<Connection> {
		return this.identities.connections(name);
	}

	/**
	 * Whether `recipient` of a direct message can read it now: undefined when they have a
	 * connection on this node, else `offline` or, for a name nobody keeps (open mode), `unknown`.
	 */
	async reach(recipient: string): Promise<'offline' | 'unknown' | undefined> {
		if (this.identities.connections(recipient).size > 0) return undefined;
		return this.nameKeys && !(await this.nameKeys.kept(recipient)) ? 'unknown' : 'offline';
	}

	/** A named connection is gone; `ghost` keeps its name reserved until releaseGhost (the grace period). */
	release(connection: Connection, userId: string, ghost: boolean): void {
		this.identities.release(connection, ghost);
		if (this.nameKeys) this.background(`recording a use of ${userId}`, this.nameKeys.used(userId));
	}

	/** The grace period of a dropped connection from `ip` ended. */
	releaseGhost(userId: string, ip: string): void {
		this.identities.releaseGhost(userId, ip);
	}

	/**
	 * The direct conversations `userId` received messages in that hold some after the user's
	 * acknowledged position (all of them without one, or in another epoch), named as the user
	 * sees them (`@cy`). Two engine reads per conversation, at most MAX_DIRECT_ROOMS of them.
	 */
	async unreadDirect(userId: string): Promise<UnreadDirect[]> {
		const engine = this.engine;
		const unread: UnreadDirect[] = [];
		for (const key of await engine.directRooms.list(userId)) {
			const parties = directParties(key);
			if (!parties || !parties.includes(userId)) continue;
			const other = parties[0] === userId ? parties[1] : parties[0];
			const [state, cursor] = await Promise.all([engine.room(key), engine.getCursor(userId, key)]);
			const after = cursor !== undefined && cursor.epoch === state.epoch ? cursor.sequence : 0;
			if (state.sequence > after) unread.push({room: `@${other}`, sequence: state.sequence, after});
		}
		return unread;
	}

	/**
	 * Bind an untrusted connection to `name`: free on this node (or its resume token, or a seed
	 * client's reconnect), then, in open mode, not kept for someone else (NameKeys). `issue`: a
	 * `hello`, whose `welcome` can hand over a newly issued key.
	 */
	private async claim(connection: Connection, name: string, resume: string | undefined, key: string | undefined, issue: boolean): Promise<NameClaim> {
		const refusal = this.identities.refusal(connection, name, resume);
		if (refusal !== undefined) return {ok: false, error: refusal};
		// A resume token is issued only to a connection that proved the name: it proves it again.
		const proven = !this.nameKeys || this.identities.resumes(name, resume);
		const claim: NameClaim = proven ? {ok: true} : await this.nameKeys.claim(name, key, issue);
		if (!claim.ok) return claim;
		// Another connection may have bound the name while the engine answered.
		const bound = this.identities.bind(connection, name, resume);
		if (!bound.ok) {
			if (claim.issued !== undefined) await this.nameKeys?.forget(name);
			return bound;
		}
		return claim;
	}

	/** Direct messages to `userId` reach this node. */
	private watchDirect(userId: string): void {
		this.background(`watch @${userId}`, this.engine.watch(`@${userId}`));
	}
}
