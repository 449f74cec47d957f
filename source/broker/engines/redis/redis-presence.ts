import type {Member, PresenceStatus} from '../../../protocol/messages.js';
import {directParties} from '../../../protocol/names.js';
import type {RedisConnection} from './redis-connection.js';
import {leaseKeys, roomKeys, type LeaseKeys, type RoomKeys} from './redis-keys.js';
import {defined} from '../../../defined.js';
import {newToken} from '../../ids.js';

/** What this node knows of one of its own holders, to put it back after an outage; `stored` is its name in Redis (`lease|holder`). */
type LocalHolder = {userId: string; status: PresenceStatus; reason?: string; stored: string};

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
	/** This node's id: its leases are `nodeId.nonce.1`, `nodeId.nonce.2`, … */
	nodeId: string;
	/** The longest a dead node's users stay listed, in ms. */
	ttlMs: number;
	/** Resolves once a watch of the room that is in flight has taken effect (see RedisEventLink.settled). */
	settled(room: string): Promise<void>;
	log(line: string): void;
};

/** Expired leases one beat claims at most; the rest wait for the next beat. */
const CLAIMS_PER_BEAT = 16;
/** Rooms evicted or reasserted at once. */
const ROOMS_AT_ONCE = 32;
/**
 * How long a lease's room set outlives its last renewal: long enough that the leases of a whole
 * fleet that was down for days are still evicted when a node returns, and not forever (a set a
 * late SADD recreated after its eviction goes by itself).
 */
const LEASE_ROOMS_TTL_MS = 7 * 24 * 3600 * 1000;
/** Rooms the audit reasserts per beat at least; more when a node holds many (one pass in at most 120 beats). */
const AUDIT_ROOMS = 16;
const AUDIT_BEATS = 120;

/**
 * Presence across nodes (after Centrifugo's PresenceManager and Socket.IO's Redis adapter's node
 * heartbeats). Per room, a sorted set of holders and a hash of users with their holders'
 * statuses. A holder lives as long as its node's **lease**: one entry per node in one sorted set,
 * renewed every TTL/3 for 2/3 of the TTL by one script that does not grow with the rooms a node
 * serves. (Refreshing every holder of every room instead cost one script per room and node each
 * round; with 10,000 rooms a round outlasted the holders' TTL and presence flapped: docs/scaling.md.)
 *
 * - A node's holders are stored as `lease|holder` with score +inf, and each lease keeps the set of
 *   rooms it has holders in. A node registers its lease before its first holder, and a room in
 *   the lease's set before its first holder there, so whoever evicts the lease finds every room.
 * - Every beat claims the leases that expired (atomically: one node claims each) and the claimer
 *   evicts their holders room by room; the script that removes a user's last holder publishes the
 *   `leave`, so it is announced once, and only if no node still holds the user. A dead node's
 *   users are gone within one TTL (lease 2/3, plus at most one beat of another node).
 * - A node whose lease was lost (cut off from Redis past the lease, or Redis restarted empty)
 *   takes a new lease and puts all its holders back under it, announcing `join` for the users
 *   that were evicted meanwhile; one that was not evicted yet is replaced without a leave or join.
 * - An audit puts back, a few rooms a beat, holders that vanished while the lease lived (a
 *   failover that lost the last writes of a shard): presence heals without a deadline to miss.
 */
export class RedisPresence {
	/** room -> holder -> what it holds; only this node's holders. */
	private readonly holders = new Map<string, Map<string, LocalHolder>>();
	private readonly leaseTtlMs: number;
	private readonly keys: LeaseKeys;
	private readonly timer: NodeJS.Timeout;
	private incarnation = 1;
	private readonly nonce = newToken().slice(0, 6);
	private lease: string;
	/** The registration of the current lease: settled when the lease is in Redis. */
	private registration: Promise<void> | undefined;
	/** Rooms in the current lease's room set (or on their way there). */
	private readonly leaseRooms = new Map<string, Promise<unknown>>();
	private beating = false;
	private auditing = false;
	/** The holders need putting back under the current lease (it was lost); cleared by a full pass. */
	private needsReassert = false;
	private reasserting = false;
	/** room -> joins on their way: the room stays in the lease's set while one is. */
	private readonly adding = new Map<string, number>();
	/** Removals Redis did not take (an outage), by `room\nstored holder`: retried every beat, so no holder outlives its connection. */
	private readonly unremoved = new Map<string, {room: string; userId: string; stored: string}>();
	private readonly evicting = new Set<string>();
	/** The rooms the audit still has to visit in this pass. */
	private auditQueue: string[] = [];
	/** room -> the listing in flight and the one callers are waiting to share (see members). */
	private readonly listings = new Map<string, Listing>();

	constructor(private readonly options: RedisPresenceOptions) {
		this.leaseTtlMs = Math.max(1, Math.round((options.ttlMs * 2) / 3));
		this.keys = leaseKeys(options.prefix);
		this.lease = this.leaseName();
		this.timer = setInterval(() => void this.beat(), Math.max(50, Math.round(options.ttlMs / 3)));
		this.timer.unref();
	}

	async add(room: string, userId: string, holder: string, status: PresenceStatus, reason?: string): Promise<boolean> {
		const keys = roomKeys(this.options.prefix, room);
		await this.options.settled(room);
		this.adding.set(room, (this.adding.get(room) ?? 0) + 1);
		try {
			// The lease is in Redis, and the room in its set, before its holder: whoever evicts the lease finds it.
			for (let lease = ''; lease !== this.lease || !this.leaseRooms.has(room); ) {
				lease = this.lease;
				await this.registered();
				await this.inLeaseRooms(room);
			}
		} finally {
			const left = (this.adding.get(room) ?? 1) - 1;
			if (left === 0) this.adding.delete(room);
			else this.adding.set(room, left);
		}
		// Recorded as the call is issued (nothing awaited in between): a reassert issued after it
		// sees this holder and replaces it if the lease changes.
		let local = this.holders.get(room);
		if (!local) {
			local = new Map();
			this.holders.set(room, local);
		}
		const stored = `${this.lease}|${holder}`;
		local.set(holder, {userId, status, stored, ...defined({reason})});
		const reply = await this.options.redis.script(`joining ${room}`, 'natterPresenceAdd', [keys.presence, keys.members], [
			stored,
			userId,
			status,
			reason === undefined ? 0 : 1,
			reason ?? '',
			...this.announceArgs(room, keys),
		]);
		return reply === 1;
	}

	async remove(room: string, userId: string, holder: string): Promise<boolean> {
		const keys = roomKeys(this.options.prefix, room);
		// Forgotten before the call, so no later reassert can bring the holder back.
		const local = this.holders.get(room);
		const stored = local?.get(holder)?.stored ?? `${this.lease}|${holder}`;
		local?.delete(holder);
		if (local?.size === 0) this.holders.delete(room);
		let reply: unknown;
		try {
			reply = await this.options.redis.script(`leaving ${room}`, 'natterPresenceRemove', [keys.presence, keys.members], [stored, userId, ...this.announceArgs(room, keys)]);
		} catch (error) {
			// Under a live lease nothing else would ever take the holder away: retried every beat (with its leave).
			this.unremoved.set(`${room}\n${stored}`, {room, userId, stored});
			throw error;
		}
		await this.leftRoom(room);
		return reply === 1;
	}

	/** The room leaves the lease's set once no holder of this node is in it and none is joining. */
	private async leftRoom(room: string): Promise<void> {
		if (this.holders.has(room) || this.adding.has(room) || !this.leaseRooms.delete(room)) return;
		const key = this.keys.rooms(this.lease);
		await this.options.redis.request(`leaving ${room}`, () => this.options.redis.command.srem(key, room)).catch((error: Error) => this.options.log(`redis: ${error.message}`));
	}

	/** Removals that failed, again: each evicts exactly its holder, announcing the leave if it was the user's last. */
	private async retryRemovals(): Promise<void> {
		for (const [key, {room, userId, stored}] of [...this.unremoved]) {
			if (this.holders.get(room)?.get(stored.slice(stored.indexOf('|') + 1))?.stored === stored) {
				this.unremoved.delete(key); // the same holder joined again meanwhile: it is wanted
				continue;
			}
			const keys = roomKeys(this.options.prefix, room);
			await this.options.redis.script(`leaving ${room}`, 'natterPresenceEvict', [keys.presence, keys.members], [`${stored} `, ...this.announceArgs(room, keys)]);
			this.unremoved.delete(key);
			this.options.log(`redis: ${userId}'s presence in ${room} removed on retry`);
			await this.leftRoom(room);
		}
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
			local?.stored ?? `${this.lease}|${holder}`,
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

	/** Stop renewing. The lease and holders stay in Redis until the lease expires: see the engine's close(). */
	close(): void {
		clearInterval(this.timer);
	}

	private leaseName(): string {
		// `|` ends the lease in a stored holder: a node id cannot contain one. The nonce keeps a node
		// restarted under the same id out of the old process's lease, which another node may be evicting.
		return `${this.options.nodeId.replaceAll('|', '_')}.${this.nonce}.${this.incarnation}`;
	}

	/** The current lease, registered in Redis (once; again after a failed attempt). */
	private registered(): Promise<void> {
		this.registration ??= this.runBeat(true).then(
			claimed => {
				for (const lease of claimed) void this.evict(lease);
			},
			(error: unknown) => {
				this.registration = undefined;
				throw error;
			},
		);
		return this.registration;
	}

	/** Put `room` in the current lease's room set before the lease's first holder there. */
	private inLeaseRooms(room: string): Promise<unknown> {
		let added = this.leaseRooms.get(room);
		if (!added) {
			const key = this.keys.rooms(this.lease);
			added = this.options.redis.request(`joining ${room}`, () => this.options.redis.command.sadd(key, room));
			// A failed SADD is retried by the next holder (and by the audit).
			added.catch(() => this.leaseRooms.get(room) === added && this.leaseRooms.delete(room));
			this.leaseRooms.set(room, added);
		}
		return added;
	}

	/** Renew the lease (or register it), and return the leases this node claimed. Throws when the lease was lost. */
	private async runBeat(register: boolean): Promise<string[]> {
		const reply = (await this.options.redis.script('renewing the presence lease', 'natterLeaseBeat', [this.keys.live, this.keys.claimed], [this.lease, this.leaseTtlMs, register ? 1 : 0, CLAIMS_PER_BEAT])) as Array<number | string>;
		if (reply[0] === 1) throw new LeaseLostError();
		return reply.slice(1).map(String);
	}

	/** Every TTL/3: renew the lease, evict what this node claimed, audit a few rooms. */
	private async beat(): Promise<void> {
		if (this.beating || this.options.redis.command.status !== 'ready') return;
		this.beating = true;
		try {
			let claimed: string[];
			try {
				claimed = this.registration ? await this.runBeat(false) : (await this.registered(), []);
			} catch (error) {
				if (!(error instanceof LeaseLostError)) throw error;
				this.needsReassert = true;
				await this.renewLease();
				claimed = [];
			}
			// Putting thousands of rooms back takes longer than a beat: the beats go on meanwhile.
			if (this.needsReassert) void this.reassertAll();
			const roomsKey = this.keys.rooms(this.lease);
			await this.options.redis.request('renewing the presence lease', () => this.options.redis.command.pexpire(roomsKey, LEASE_ROOMS_TTL_MS));
			for (const lease of claimed) void this.evict(lease);
			if (this.unremoved.size > 0) void this.retryRemovals().catch((error: Error) => this.options.log(`redis: ${error.message}`));
			void this.audit();
		} catch (error) {
			this.options.log(`redis: ${(error as Error).message}`);
		} finally {
			this.beating = false;
		}
	}

	/** The lease was lost: take the next one (its holders are put back by reassertAll). */
	private async renewLease(): Promise<void> {
		this.incarnation += 1;
		this.lease = this.leaseName();
		this.leaseRooms.clear();
		this.registration = undefined;
		this.options.log(`redis: this node's presence lease expired (cut off from Redis, or Redis lost it); its users are put back under ${this.lease}`);
		await this.registered();
	}

	/** Every holder of this node back under the current lease; until one pass completes, every beat starts another. */
	private async reassertAll(): Promise<void> {
		if (this.reasserting) return;
		this.reasserting = true;
		const lease = this.lease;
		try {
			await this.reassert([...this.holders.keys()]);
			if (this.lease === lease) this.needsReassert = false;
		} catch (error) {
			this.options.log(`redis: ${(error as Error).message}`);
		} finally {
			this.reasserting = false;
		}
	}

	/** Put missing holders of `rooms` back (with a join), under the current lease. */
	private async reassert(rooms: string[]): Promise<void> {
		const lease = this.lease;
		for (let i = 0; i < rooms.length && this.lease === lease; i += ROOMS_AT_ONCE) {
			const batch = rooms.slice(i, i + ROOMS_AT_ONCE).filter(room => this.holders.has(room));
			if (batch.length === 0) continue;
			// Sent again even for rooms the set should hold: a failover may have lost the SADD.
			const roomsKey = this.keys.rooms(lease);
			const added = this.options.redis.request('putting presence back', () => this.options.redis.command.sadd(roomsKey, ...batch));
			for (const room of batch) if (!this.leaseRooms.has(room)) this.leaseRooms.set(room, added);
			added.catch(() => {
				for (const room of batch) if (this.leaseRooms.get(room) === added) this.leaseRooms.delete(room);
			});
			await added;
			await Promise.all(
				batch.map(async room => {
					const local = this.holders.get(room);
					if (!local || this.lease !== lease) return;
					const keys = roomKeys(this.options.prefix, room);
					const args: Array<string | number> = [...this.announceArgs(room, keys)];
					for (const [holder, h] of local) {
						const stored = `${lease}|${holder}`;
						args.push(h.stored, stored, h.userId, h.status, h.reason === undefined ? 0 : 1, h.reason ?? '');
						h.stored = stored;
					}
					await this.options.redis.script(`putting presence back in ${room}`, 'natterPresenceReassert', [keys.presence, keys.members], args);
				}),
			);
		}
	}

	/** A few rooms each beat: one pass over all of this node's rooms in at most AUDIT_BEATS beats. */
	private async audit(): Promise<void> {
		if (this.auditing) return;
		this.auditing = true;
		try {
			if (this.auditQueue.length === 0) this.auditQueue = [...this.holders.keys()];
			const count = Math.max(AUDIT_ROOMS, Math.ceil(this.holders.size / AUDIT_BEATS));
			await this.reassert(this.auditQueue.splice(0, count));
		} catch (error) {
			this.options.log(`redis: ${(error as Error).message}`);
		} finally {
			this.auditing = false;
		}
	}

	/** Remove every holder of a lease this node claimed, room by room, then the lease itself. */
	private async evict(lease: string): Promise<void> {
		if (this.evicting.has(lease)) return;
		this.evicting.add(lease);
		const {redis} = this.options;
		const roomsKey = this.keys.rooms(lease);
		try {
			for (;;) {
				const rooms = await redis.request(`evicting ${lease}`, () => redis.command.srandmember(roomsKey, ROOMS_AT_ONCE));
				if (rooms.length === 0) break;
				await Promise.all(
					rooms.map(room => {
						const keys = roomKeys(this.options.prefix, room);
						return redis.script(`evicting ${lease} from ${room}`, 'natterPresenceEvict', [keys.presence, keys.members], [`${lease}|`, ...this.announceArgs(room, keys)]);
					}),
				);
				await redis.request(`evicting ${lease}`, () => redis.command.srem(roomsKey, ...rooms));
			}
			await redis.request(`evicting ${lease}`, () => redis.command.zrem(this.keys.claimed, lease));
		} catch (error) {
			// The claim stays: after one TTL, some node's beat claims the lease again.
			this.options.log(`redis: ${(error as Error).message}`);
		} finally {
			this.evicting.delete(lease);
		}
	}

	/** Whether the scripts announce (not in direct conversations), where, and the room as JSON. */
	private announceArgs(room: string, keys: RoomKeys): [string, string, string] {
		return [directParties(room) ? '0' : '1', keys.channel, JSON.stringify(room)];
	}
}

/** The beat found the node's lease gone (see RedisPresence). */
class LeaseLostError extends Error {
	constructor() {
		super("this node's presence lease was lost");
	}
}
