import {slotOfTag, slotTag} from './slot-tags.js';

/**
 * Where the Redis engine keeps a room: every key of one room carries the room in a hash tag
 * (`natter:{general}:seq`), so all of a room's keys share one Redis Cluster slot and a Lua
 * script that touches one room stays cluster-safe.
 */
export type RoomKeys = {
	/** The last sequence assigned in the current epoch (INCR). */
	seq: string;
	/** The room's epoch; a new one whenever the sequence restarts. */
	epoch: string;
	/** Sorted set: score = sequence, member = the message's JSON. */
	history: string;
	/** Hash: userId -> `epoch:sequence`, the user's acknowledged position. */
	cursors: string;
	/** Sorted set: member = `lease|holder userId`, score = +inf (held while its node's lease lives; see RedisPresence). */
	presence: string;
	/** Hash: userId -> JSON `{o: join order, l: [{h: holder, s: status, r?: reason}]}`. */
	members: string;
	/** Pub/sub channel carrying the room's events. */
	channel: string;
	/** The room's topic (a string; absent when it has none). */
	topic: string;
	/**
	 * The generation of the room's slot: a value no node used before, set on first use, shared by every room of
	 * the slot, on the shard that holds them. A room with no stored epoch reads in one derived from
	 * its name and this, so a shard that lost its data (restarted without persistence) gives its
	 * rooms new epochs rather than numbering them from 1 again in the epoch their subscribers hold.
	 */
	generation: string;
	/** Hash: clientId -> `epoch\nexpires\n{id, timestamp, sequence}`, one sender's remembered publishes in the room. */
	dedupe(sender: string): string;
	/** Sorted set: clientId -> expiry (engine clock): the order in which `dedupe(sender)` forgets them. */
	dedupeOrder(sender: string): string;
};

/** The keys and channel of one room (an engine key: a DM's `#dm:a:b` included). */
export function roomKeys(prefix: string, room: string): RoomKeys {
	const tag = escapeKeyPart(room);
	const base = `${prefix}{${tag}}:`;
	return {
		seq: `${base}seq`,
		epoch: `${base}epoch`,
		history: `${base}history`,
		cursors: `${base}cursors`,
		presence: `${base}presence`,
		members: `${base}members`,
		channel: `${base}events`,
		topic: `${base}topic`,
		// Only publishes and reads need it: the slot's CRC is not worked out for every presence call.
		get generation() {
			return `${prefix}{${slotTag(slotOfTag(tag))}}:generation`;
		},
		dedupe: sender => `${base}dedupe:${escapeKeyPart(sender)}`,
		dedupeOrder: sender => `${base}dedupe-order:${escapeKeyPart(sender)}`,
	};
}

/** The nodes' presence leases, both under one hash tag (one slot): see RedisPresence. */
export type LeaseKeys = {
	/** Sorted set: lease -> when it expires (Redis clock, ms). */
	live: string;
	/** Sorted set: expired lease -> when a node claimed it to evict its holders. */
	claimed: string;
	/** Set: the rooms in which `lease` has holders (under the lease's own hash tag). */
	rooms(lease: string): string;
};

export function leaseKeys(prefix: string): LeaseKeys {
	return {
		live: `${prefix}{presence-leases}:live`,
		claimed: `${prefix}{presence-leases}:claimed`,
		rooms: lease => `${prefix}lease:{${escapeKeyPart(lease)}}:rooms`,
	};
}

/** The channel on which a user's direct messages reach every node that has a connection of that user. */
export function userChannel(prefix: string, userId: string): string {
	return `${prefix}user:{${escapeKeyPart(userId)}}`;
}

/**
 * Percent-escape everything but a readable safe set. Room names and client ids may contain `{`,
 * `}` and `:`; unescaped, a crafted name could move a key out of its room's hash tag or, worse,
 * spell another room's key (a clientId `x}:seq` ...). Escaping per UTF-16 code unit keeps the
 * mapping one-to-one even for lone surrogates, which `encodeURIComponent` would throw on.
 */
export function escapeKeyPart(text: string): string {
	return text.replace(/[^A-Za-z0-9._@#+=-]/g, char => {
		const code = char.charCodeAt(0);
		return code < 0x100 ? `%${code.toString(16).padStart(2, '0')}` : `%u${code.toString(16).padStart(4, '0')}`;
	});
}
