import type {Member, PresenceStatus} from '../protocol/messages.js';
import {directParties} from '../protocol/names.js';
import type {RedisConnection} from './redis-connection.js';
import {roomKeys, type RoomKeys} from './redis-keys.js';

/** What this node knows of one of its own holders, to refresh it and to put it back after an outage. */
type LocalHolder = {userId: string; status: PresenceStatus; reason?: string};

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
		local.set(holder, {userId, status, ...(reason === undefined ? {} : {reason})});
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
		return reply === null ? undefined : (JSON.parse(String(reply)) as {before: Member; after: Member});
	}

	/** Users with a live holder, in the order they arrived. */
	async members(room: string): Promise<Member[]> {
		const keys = roomKeys(this.options.prefix, room);
		await this.options.settled(room);
		const reply = (await this.options.redis.script(`listing ${room}`, 'natterPresenceMembers', [keys.presence, keys.members], this.announceArgs(room, keys))) as string[];
		return reply
			.map(text => JSON.parse(text) as {o: number; m: Member})
			.sort((a, b) => a.o - b.o)
			.map(entry => entry.m);
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
