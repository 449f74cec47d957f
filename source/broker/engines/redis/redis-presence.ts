import type {Member, PresenceStatus} from '../../../protocol/messages.js';
import {directParties} from '../../../protocol/names.js';
import type {RedisConnection} from './redis-connection.js';
import {roomKeys, type RoomKeys} from './redis-keys.js';
import {defined} from '../../../defined.js';

/** What this node knows of one of its own holders, to refresh it and to put it back after an outage. */
type LocalHolder = {userId: string; status: PresenceStatus; reason?: string};

/** A user's entry in the members hash: arrival order, and each holder's status (see redis-scripts.ts). */
type StoredEntry = {o: number; l: Array<{h: string; s: PresenceStatus; r?: string}>};

type Listing = {running: Promise<Member[]> | undefined; next: Promise<Member[]> | undefined};

/** One status for a user from all its holders: online if any holder is, else away (with a reason, if one gave it). The one place this rule lives: the scripts return raw holder lists. */
function combine(userId: string, holders: StoredEntry['l']): Member {
	let reason: string | undefined;
	for (const holder of holders) {
		if (holder.s === 'online') return {userId, status: 'online'};
		if (holder.r !== undefined) reason = holder.r;
	}
	return reason === undefined ? {userId, status: 'away'} : {userId, status: 'away', reason};
}

/** What RedisPresence needs from the engine around it. */
export type RedisPresenceOptions = {
	redis: RedisConnection;
	prefix: string;
	/** The longest a dead node's users stay listed, in ms. */
	ttlMs: number;
	/** Resolves once a watch of the room that is in flight has taken effect (see RedisEventLink.settled). */
	settled(room: string): Promise<void>;
	log(line: string): void;
};

/**
 * Presence across nodes (Centrifugo's PresenceManager, on Redis). Per room, a sorted set of
 * holders (`holder userId`) scored by expiry on the Redis clock, and a hash of users with their
 * holders' statuses. Each node refreshes its own holders every TTL/3 for 2/3 of the TTL, so one
 * missed refresh is tolerated and a dead node's holders expire within one TTL. Every presence
 * script first sweeps expired holders, and the script that removes a user's last holder
 * publishes the `leave` itself: exactly one node announces it, and only if no node still holds
 * the user. A node whose holders were swept while it was cut off puts them back (with a `join`)
 * on its next refresh.
 */
export class RedisPresence {
	/** room -> holder -> what it holds; only this node's holders. */
	private readonly holders = new Map<string, Map<string, LocalHolder>>();
	private readonly holderTtlMs: number;
	private readonly timer: NodeJS.Timeout;
	private refreshing = false;
	/** room -> the listing in flight and the one callers are waiting to share (see members). */
	private readonly listings = new Map<string, Listing>();

	constructor(private readonly options: RedisPresenceOptions) {
		this.holderTtlMs = Math.max(1, Math.round((options.ttlMs * 2) / 3));
		this.timer = setInterval(() => void this.refresh(), Math.max(50, Math.round(options.ttlMs / 3)));
		this.timer.unref();
	}

	async add(room: string, userId: string, holder: string, status: PresenceStatus, reason?: string): Promise<boolean> {
		const keys = roomKeys(this.options.prefix, room);
		await this.options.settled(room);
		// Recorded as the call is issued: a refresh issued after it (same connection, so it runs after
		// it) extends this holder, and none issued before can add it.
		let local = this.holders.get(room);
		if (!local) {
			local = new Map();
			this.holders.set(room, local);
		}
		local.set(holder, {userId, status, ...defined({reason})});
		const reply = await this.options.redis.script(`joining ${room}`, 'natterPresenceAdd', [keys.presence, keys.members], [
			holder,
			userId,
			status,
			reason === undefined ? 0 : 1,
			reason ?? '',
			this.holderTtlMs,
			...this.announceArgs(room, keys),
		]);
		return reply === 1;
	}

	async remove(room: string, userId: string, holder: string): Promise<boolean> {
		const keys = roomKeys(this.options.prefix, room);
		// Forgotten before the call, so no later refresh can bring the holder back.
		const local = this.holders.get(room);
		local?.delete(holder);
		if (local?.size === 0) this.holders.delete(room);
		const reply = await this.options.redis.script(`leaving ${room}`, 'natterPresenceRemove', [keys.presence, keys.members], [
			holder,
			userId,
			...this.announceArgs(room, keys),
		]);
		return reply === 1;
	}

	async status(room: string, userId: string, holder: string, status: PresenceStatus, reason?: string): Promise<{before: Member; after: Member} | undefined> {
		const keys = roomKeys(this.options.prefix, room);
		const local = this.holders.get(room)?.get(holder);
		if (local) {
			local.status = status;
			if (reason === undefined) delete local.reason;
			else local.reason = reason;
		}
		const reply = await this.options.redis.script(`changing ${userId}'s status in ${room}`, 'natterPresenceStatus', [keys.presence, keys.members], [
			holder,
			userId,
			status,
			reason === undefined ? 0 : 1,
			reason ?? '',
		]);
		if (reply === null) return undefined;
		const holders = JSON.parse(String(reply)) as {before: StoredEntry['l']; after: StoredEntry['l']};
		return {before: combine(userId, holders.before), after: combine(userId, holders.after)};
	}

	/**
	 * Users with a live holder, in the order they arrived. Every join lists its room, so while
	 * one listing is in flight, the calls that come meanwhile share the next one: it is issued
	 * after each of them was made (so it sees their own joins, which went out before on the same
	 * connection), and a thousand joins at once cost a few dozen listings, not a thousand.
	 */
	members(room: string): Promise<Member[]> {
		let listing = this.listings.get(room);
		if (!listing) {
			listing = {running: undefined, next: undefined};
			this.listings.set(room, listing);
		}
		const current = listing;
		if (current.next) return current.next.then(members => [...members]);
		if (!current.running) return this.startListing(room, current);
		const waitFor = current.running.catch(() => undefined);
		current.next = waitFor.then(() => {
			current.next = undefined;
			return this.startListing(room, current);
		});
		return current.next.then(members => [...members]);
	}

	private startListing(room: string, listing: Listing): Promise<Member[]> {
		const running = this.list(room);
		listing.running = running;
		const clear = (): void => {
			if (listing.running !== running) return;
			listing.running = undefined;
			if (!listing.next && this.listings.get(room) === listing) this.listings.delete(room);
		};
		running.then(clear, clear);
		return running;
	}

	private async list(room: string): Promise<Member[]> {
		const keys = roomKeys(this.options.prefix, room);
		await this.options.settled(room);
		const reply = (await this.options.redis.script(`listing ${room}`, 'natterPresenceMembers', [keys.presence, keys.members], this.announceArgs(room, keys))) as string[];
		const entries: Array<{order: number; member: Member}> = [];
		for (let i = 0; i + 1 < reply.length; i += 2) {
			const userId = reply[i]!;
			if (userId === '') continue; // the arrival counter
			const entry = JSON.parse(reply[i + 1]!) as StoredEntry;
			entries.push({order: entry.o, member: combine(userId, entry.l)});
		}
		return entries.sort((a, b) => a.order - b.order).map(entry => entry.member);
	}

	/** Stop refreshing. The holders stay in Redis and expire: see the engine's close(). */
	close(): void {
		clearInterval(this.timer);
	}

	/** Extend this node's holders in every room it holds any, and sweep the expired ones of others. */
	private async refresh(): Promise<void> {
		if (this.refreshing || this.options.redis.command.status !== 'ready') return;
		this.refreshing = true;
		try {
			await Promise.all(
				[...this.holders].map(async ([room, local]) => {
					const keys = roomKeys(this.options.prefix, room);
					const args: Array<string | number> = [this.holderTtlMs, ...this.announceArgs(room, keys)];
					for (const [holder, h] of local) args.push(holder, h.userId, h.status, h.reason === undefined ? 0 : 1, h.reason ?? '');
					await this.options.redis
						.script(`refreshing presence in ${room}`, 'natterPresenceRefresh', [keys.presence, keys.members], args)
						.catch((error: Error) => this.options.log(`redis: ${error.message}`));
				}),
			);
		} finally {
			this.refreshing = false;
		}
	}

	/** Whether the scripts announce (not in direct conversations), where, and the room as JSON. */
	private announceArgs(room: string, keys: RoomKeys): [string, string, string] {
		return [directParties(room) ? '0' : '1', keys.channel, JSON.stringify(room)];
	}
}
