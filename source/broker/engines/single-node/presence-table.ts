import type {Member, PresenceStatus} from '../../../protocol/messages.js';

/** One connection's say about its user's status. */
type Holder = {status: PresenceStatus; reason?: string};

/**
 * Who is present in which room, counted per holder (a connection), so a user with several
 * connections joins once and leaves once. The memory and durable engines share it: presence
 * describes live sockets of this process, so it never needs to outlive the process.
 */
export class PresenceTable {
	/** room -> userId -> holder -> status */
	private readonly rooms = new Map<string, Map<string, Map<string, Holder>>>();

	/** Register one holder of `userId` in `room`; true when the user was not present before. */
	add(room: string, userId: string, holder: string, status: PresenceStatus, reason?: string): boolean {
		let users = this.rooms.get(room);
		if (!users) {
			users = new Map();
			this.rooms.set(room, users);
		}
		let holders = users.get(userId);
		const first = !holders;
		if (!holders) {
			holders = new Map();
			users.set(userId, holders);
		}
		holders.set(holder, toHolder(status, reason));
		return first;
	}

	/** Drop one holder; true when it was the user's last one in the room. */
	remove(room: string, userId: string, holder: string): boolean {
		const users = this.rooms.get(room);
		const holders = users?.get(userId);
		if (!users || !holders || !holders.delete(holder)) return false;
		if (holders.size > 0) return false;
		users.delete(userId);
		// Forget empty rooms, so a long-lived node does not keep every room it ever saw.
		if (users.size === 0) this.rooms.delete(room);
		return true;
	}

	/** Change one holder's status; the user's combined status before and after, or undefined for an unknown holder. */
	status(room: string, userId: string, holder: string, status: PresenceStatus, reason?: string): {before: Member; after: Member} | undefined {
		const holders = this.rooms.get(room)?.get(userId);
		if (!holders || !holders.has(holder)) return undefined;
		const before = combine(userId, holders);
		holders.set(holder, toHolder(status, reason));
		return {before, after: combine(userId, holders)};
	}

	/** One entry per present user, in the order they arrived. */
	members(room: string): Member[] {
		const users = this.rooms.get(room);
		if (!users) return [];
		return [...users].map(([userId, holders]) => combine(userId, holders));
	}
}

/** A user's status across holders: online if any connection is online, else away (with the latest reason). */
export function combine(userId: string, holders: Map<string, Holder>): Member {
	let reason: string | undefined;
	for (const holder of holders.values()) {
		if (holder.status === 'online') return {userId, status: 'online'};
		reason = holder.reason ?? reason;
	}
	return {userId, status: 'away', ...(reason === undefined ? {} : {reason})};
}

function toHolder(status: PresenceStatus, reason: string | undefined): Holder {
	return {status, ...(reason === undefined ? {} : {reason})};
}
