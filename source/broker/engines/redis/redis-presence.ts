import type {Member, PresenceStatus} from '../../../protocol/messages.js';
import type {RedisConnection} from './redis-connection.js';
import {roomKeys} from './redis-keys.js';
import {announceArgs} from './presence-scripts.js';
import {PresenceLease} from './presence-lease.js';
import {CoalescedReads} from './coalesced-reads.js';
import {defined} from '../../../defined.js';

/** What this node knows of one of its own holders, to put it back after an outage; `stored` is its name in Redis (`lease|holder`). */
type LocalHolder = {userId: string; status: PresenceStatus; reason?: string; stored: string};

/** A user's entry in the members hash: arrival order, and each holder's status (see redis-scripts.ts). */
type StoredEntry = {o: number; l: Array<{h: string; s: PresenceStatus; r?: string}>};

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

/** Rooms reasserted at once. */
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
 *   evicts their holders room by room (PresenceLease); the script that removes a user's last holder publishes the
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
	private readonly lease: PresenceLease;
	private readonly timer: NodeJS.Timeout;
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
	/** The rooms the audit still has to visit in this pass. */
	private auditQueue: string[] = [];
	/** Listings of a room share their flights (see members). */
	private readonly listings = new CoalescedReads<Member[]>(
		room => this.list(room),
		members => [...members],
	);

	constructor(private readonly options: RedisPresenceOptions) {
		this.lease = new PresenceLease({
			redis: options.redis,
			prefix: options.prefix,
			nodeId: options.nodeId,
			log: line => options.log(line),
			ttlMs: Math.max(1, Math.round((options.ttlMs * 2) / 3)),
			onNewLease: () => {
				this.leaseRooms.clear();
				this.needsReassert = true;
			},
		});
		this.timer = setInterval(() => void this.beat(), Math.max(50, Math.round(options.ttlMs / 3)));
		this.timer.unref();
	}

	async add(room: string, userId: string, holder: string, status: PresenceStatus, reason?: string): Promise<boolean> {
		const keys = roomKeys(this.options.prefix, room);
		await this.options.settled(room);
		this.adding.set(room, (this.adding.get(room) ?? 0) + 1);
		try {
			// The lease is in Redis, and the room in its set, before its holder: whoever evicts the lease finds it.
			for (let lease = ''; lease !== this.lease.name || !this.leaseRooms.has(room); ) {
				lease = this.lease.name;
				await this.lease.registered();
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
		const stored = `${this.lease.name}|${holder}`;
		local.set(holder, {userId, status, stored, ...defined({reason})});
		const reply = await this.options.redis.script(`joining ${room}`, 'natterPresenceAdd', [keys.presence, keys.members], [
			stored,
			userId,
			status,
			reason === undefined ? 0 : 1,
			reason ?? '',
			...announceArgs(room, keys),
		]);
		return reply === 1;
	}

	async remove(room: string, userId: string, holder: string): Promise<boolean> {
		const keys = roomKeys(this.options.prefix, room);
		// Forgotten before the call, so no later reassert can bring the holder back.
		const local = this.holders.get(room);
		const stored = local?.get(holder)?.stored ?? `${this.lease.name}|${holder}`;
		local?.delete(holder);
		if (local?.size === 0) this.holders.delete(room);
		let reply: unknown;
		try {
			reply = await this.options.redis.script(`leaving ${room}`, 'natterPresenceRemove', [keys.presence, keys.members], [stored, userId, ...announceArgs(room, keys)]);
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
		const key = this.lease.roomsKey;
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
			await this.options.redis.script(`leaving ${room}`, 'natterPresenceEvict', [keys.presence, keys.members], [`${stored} `, ...announceArgs(room, keys)]);
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
			local?.stored ?? `${this.lease.name}|${holder}`,
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
	 * Users with a live holder, in the order they arrived. Every join lists its room, so the
	 * listings of a room share their flights (CoalescedReads): each is issued after the calls it
	 * serves were made (so it sees their own joins, which went out before on the same connection).
	 */
	members(room: string): Promise<Member[]> {
		return this.listings.get(room);
	}

	private async list(room: string): Promise<Member[]> {
		const keys = roomKeys(this.options.prefix, room);
		await this.options.settled(room);
		const reply = (await this.options.redis.script(`listing ${room}`, 'natterPresenceMembers', [keys.presence, keys.members], announceArgs(room, keys))) as string[];
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

	/** Put `room` in the current lease's room set before the lease's first holder there. */
	private inLeaseRooms(room: string): Promise<unknown> {
		let added = this.leaseRooms.get(room);
		if (!added) {
			const key = this.lease.roomsKey;
			added = this.options.redis.request(`joining ${room}`, () => this.options.redis.command.sadd(key, room));
			// A failed SADD is retried by the next holder (and by the audit).
			added.catch(() => this.leaseRooms.get(room) === added && this.leaseRooms.delete(room));
			this.leaseRooms.set(room, added);
		}
		return added;
	}

	/** Every TTL/3: renew the lease (evicting what it claimed), retry failed removals, audit a few rooms. */
	private async beat(): Promise<void> {
		if (this.beating || this.options.redis.command.status !== 'ready') return;
		this.beating = true;
		try {
			await this.lease.renew();
			// Putting thousands of rooms back takes longer than a beat: the beats go on meanwhile.
			if (this.needsReassert) void this.reassertAll();
			const roomsKey = this.lease.roomsKey;
			await this.options.redis.request('renewing the presence lease', () => this.options.redis.command.pexpire(roomsKey, LEASE_ROOMS_TTL_MS));
			if (this.unremoved.size > 0) void this.retryRemovals().catch((error: Error) => this.options.log(`redis: ${error.message}`));
			void this.audit();
		} catch (error) {
			this.options.log(`redis: ${(error as Error).message}`);
		} finally {
			this.beating = false;
		}
	}

	/** Every holder of this node back under the current lease; until one pass completes, every beat starts another. */
	private async reassertAll(): Promise<void> {
		if (this.reasserting) return;
		this.reasserting = true;
		const lease = this.lease.name;
		try {
			await this.reassert([...this.holders.keys()]);
			if (this.lease.name === lease) this.needsReassert = false;
		} catch (error) {
			this.options.log(`redis: ${(error as Error).message}`);
		} finally {
			this.reasserting = false;
		}
	}

	/** Put missing holders of `rooms` back (with a join), under the current lease. */
	private async reassert(rooms: string[]): Promise<void> {
		const lease = this.lease.name;
		const roomsKey = this.lease.roomsKey;
		for (let i = 0; i < rooms.length && this.lease.name === lease; i += ROOMS_AT_ONCE) {
			const batch = rooms.slice(i, i + ROOMS_AT_ONCE).filter(room => this.holders.has(room));
			if (batch.length === 0) continue;
			// Sent again even for rooms the set should hold: a failover may have lost the SADD.
			const added = this.options.redis.request('putting presence back', () => this.options.redis.command.sadd(roomsKey, ...batch));
			for (const room of batch) if (!this.leaseRooms.has(room)) this.leaseRooms.set(room, added);
			added.catch(() => {
				for (const room of batch) if (this.leaseRooms.get(room) === added) this.leaseRooms.delete(room);
			});
			await added;
			await Promise.all(
				batch.map(async room => {
					const local = this.holders.get(room);
					if (!local || this.lease.name !== lease) return;
					const keys = roomKeys(this.options.prefix, room);
					const args: Array<string | number> = [...announceArgs(room, keys)];
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
}
