import type {Member, PresenceStatus} from '../../../protocol/messages.js';
import {defined} from '../../../defined.js';

/** One connection's say about its user's status. */
type Holder = {readonly status: PresenceStatus; readonly reason?: string};

/**
 * A user's holders in one room. Nearly every user holds a room through one connection, so that
 * case is one small record; a Map (about 200 bytes even when it holds one entry) only once a
 * second connection of the same user joins (issue 21: memory per idle connection).
 */
type Holders = {readonly holder: string; readonly say: Holder} | Map<string, Holder>;

/**
 * Who is present in which room, counted per holder (a connection), so a user with several
 * connections joins once and leaves once. The memory and durable engines share it: presence
 * describes live sockets of this process, so it never needs to outlive the process.
 */
export class PresenceTable {
	/** room -> userId -> holder(s) -> status */
	private readonly rooms = new Map<string, Map<string, Holders>>();

	/** Register one holder of `userId` in `room`; true when the user was not present before. */
	add(room: string, userId: string, holder: string, status: PresenceStatus, reason?: string): boolean {
		let users = this.rooms.get(room);
		if (!users) {
			users = new Map();
			this.rooms.set(room, users);
		}
		const holders = users.get(userId);
		const say = toHolder(status, reason);
		if (!holders) users.set(userId, {holder, say});
		else if (holders instanceof Map) holders.set(holder, say);
		else if (holders.holder === holder) users.set(userId, {holder, say});
		else users.set(userId, new Map([[holders.holder, holders.say], [holder, say]]));
		return !holders;
	}

	/** Drop one holder; true when it was the user's last one in the room. */
	remove(room: string, userId: string, holder: string): boolean {
		const users = this.rooms.get(room);
		const holders = users?.get(userId);
		if (!users || !holders) return false;
		if (holders instanceof Map) {
			if (!holders.delete(holder) || holders.size > 0) return false;
		} else if (holders.holder !== holder) return false;
		users.delete(userId);
		// Forget empty rooms, so a long-lived node does not keep every room it ever saw.
		if (users.size === 0) this.rooms.delete(room);
		return true;
	}

	/** Change one holder's status; the user's combined status before and after, or undefined for an unknown holder. */
	status(room: string, userId: string, holder: string, status: PresenceStatus, reason?: string): {before: Member; after: Member} | undefined {
		const users = this.rooms.get(room);
		const holders = users?.get(userId);
		if (!users || !holders || !(holders instanceof Map ? holders.has(holder) : holders.holder === holder)) return undefined;
		const before = combine(userId, holders);
		const say = toHolder(status, reason);
		if (holders instanceof Map) holders.set(holder, say);
		else users.set(userId, {holder, say});
		return {before, after: combine(userId, users.get(userId)!)};
	}

	/** One entry per present user, in the order they arrived. */
	members(room: string): Member[] {
		const users = this.rooms.get(room);
		if (!users) return [];
		return [...users].map(([userId, holders]) => combine(userId, holders));
	}
}

/** A user's status across holders: online if any connection is online, else away (with the latest reason). */
export function combine(userId: string, holders: Holders): Member {
	let reason: string | undefined;
	for (const holder of holders instanceof Map ? holders.values() : [holders.say]) {
		if (holder.status === 'online') return {userId, status: 'online'};
		reason = holder.reason ?? reason;
	}
	return {userId, status: 'away', ...defined({reason})};
}

/** Every plain online holder shares this record: most holders say exactly that. */
const ONLINE: Holder = Object.freeze({status: 'online'});

function toHolder(status: PresenceStatus, reason: string | undefined): Holder {
	if (status === 'online' && reason === undefined) return ONLINE;
	return {status, ...defined({reason})};
}
