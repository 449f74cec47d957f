import type {RedisConnection} from './redis-connection.js';
import {leaseKeys, roomKeys, type LeaseKeys} from './redis-keys.js';
import {announceArgs} from './presence-scripts.js';
import {newToken} from '../../ids.js';

/** Expired leases one beat claims at most; the rest wait for the next beat. */
const CLAIMS_PER_BEAT = 16;
/** Rooms evicted at once. */
const ROOMS_AT_ONCE = 32;

export type PresenceLeaseOptions = {
	redis: RedisConnection;
	prefix: string;
	/** This node's id: its leases are `nodeId.nonce.1`, `nodeId.nonce.2`, … */
	nodeId: string;
	/** How long a lease lives unrenewed, in ms. */
	ttlMs: number;
	/** The lease was lost and a new one taken (called at once, before the new one is registered). */
	onNewLease(): void;
	log(line: string): void;
};

/**
 * One node's presence lease (see RedisPresence): its name, its registration and renewal in the
 * leases' sorted set, and the eviction of the expired leases of other nodes that its beats claim.
 */
export class PresenceLease {
	private readonly keys: LeaseKeys;
	private incarnation = 1;
	private readonly nonce = newToken().slice(0, 6);
	private current: string;
	/** The registration of the current lease: settled when the lease is in Redis. */
	private registration: Promise<void> | undefined;
	private readonly evicting = new Set<string>();

	constructor(private readonly options: PresenceLeaseOptions) {
		this.keys = leaseKeys(options.prefix);
		this.current = this.nextName();
	}

	/** The current lease: holders are stored as `name|holder`. */
	get name(): string {
		return this.current;
	}

	/** The set of rooms in which the current lease has holders. */
	get roomsKey(): string {
		return this.keys.rooms(this.current);
	}

	/** The current lease, registered in Redis (once; again after a failed attempt). */
	registered(): Promise<void> {
		this.registration ??= this.beat(true).then(
			claimed => this.evictAll(claimed),
			(error: unknown) => {
				this.registration = undefined;
				throw error;
			},
		);
		return this.registration;
	}

	/**
	 * Renew the lease and evict the leases this beat claimed. Resolves false when the lease was
	 * lost: a new one was taken (onNewLease) and registered.
	 */
	async renew(): Promise<boolean> {
		if (!this.registration) {
			await this.registered();
			return true;
		}
		try {
			this.evictAll(await this.beat(false));
			return true;
		} catch (error) {
			if (!(error instanceof LeaseLostError)) throw error;
		}
		this.incarnation += 1;
		this.current = this.nextName();
		this.registration = undefined;
		this.options.onNewLease();
		this.options.log(`redis: this node's presence lease expired (cut off from Redis, or Redis lost it); its users are put back under ${this.current}`);
		await this.registered();
		return false;
	}

	private nextName(): string {
		// `|` ends the lease in a stored holder: a node id cannot contain one. The nonce keeps a node
		// restarted under the same id out of the old process's lease, which another node may be evicting.
		return `${this.options.nodeId.replaceAll('|', '_')}.${this.nonce}.${this.incarnation}`;
	}

	/** Renew the lease (or register it), and return the leases this node claimed. Throws when the lease was lost. */
	private async beat(register: boolean): Promise<string[]> {
		const reply = (await this.options.redis.script('renewing the presence lease', 'natterLeaseBeat', [this.keys.live, this.keys.claimed], [this.current, this.options.ttlMs, register ? 1 : 0, CLAIMS_PER_BEAT])) as Array<number | string>;
		if (reply[0] === 1) throw new LeaseLostError();
		return reply.slice(1).map(String);
	}

	private evictAll(leases: string[]): void {
		for (const lease of leases) void this.evict(lease);
	}

	/** Remove every holder of a lease this node claimed, room by room, then the lease itself. */
	private async evict(lease: string): Promise<void> {
		if (this.evicting.has(lease)) return;
		this.evicting.add(lease);
		const {redis, prefix} = this.options;
		const roomsKey = this.keys.rooms(lease);
		try {
			for (;;) {
				const rooms = await redis.request(`evicting ${lease}`, () => redis.command.srandmember(roomsKey, ROOMS_AT_ONCE));
				if (rooms.length === 0) break;
				await Promise.all(
					rooms.map(room => {
						const keys = roomKeys(prefix, room);
						return redis.script(`evicting ${lease} from ${room}`, 'natterPresenceEvict', [keys.presence, keys.members], [`${lease}|`, ...announceArgs(room, keys)]);
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
}

/** The beat found the node's lease gone. */
class LeaseLostError extends Error {
	constructor() {
		super("this node's presence lease was lost");
	}
}
