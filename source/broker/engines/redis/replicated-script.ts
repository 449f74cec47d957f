import {createHash} from 'node:crypto';
import type {Cluster, Redis} from 'ioredis';

/** How many replicas must have a write, and how long to wait for them. */
export type ReplicaWait = {
	/** Replicas that must acknowledge the write (`--redis-wait N`), at least 1. */
	replicas: number;
	/** The longest the WAIT blocks, in ms; it also holds up this node's other calls to that master. */
	timeoutMs: number;
};

/** Fewer replicas than asked for acknowledged a write in time; the write itself may have been made. */
export class ReplicaShortfallError extends Error {
	constructor(acknowledged: number, wait: ReplicaWait) {
		super(`only ${acknowledged} of ${wait.replicas} replica(s) acknowledged the write within ${wait.timeoutMs} ms; it may be stored: a retry with the same clientId is recognised`);
		this.name = 'ReplicaShortfallError';
	}
}

/**
 * Run a script, then `WAIT replicas timeout`, as one pipeline: both go down the one connection of
 * the master that owns the keys' slot (a Cluster pipeline is routed by its keys, and WAIT has none,
 * so it follows them). WAIT counts the replicas that acknowledged every write made so far on its
 * own connection, so it must share the script's: sending it separately could reach another
 * connection (after a slot moved) and count replicas of nothing. EVALSHA first; on NOSCRIPT (a
 * restarted or newly promoted master; nothing ran) the pipeline is sent again with EVAL.
 * Resolves with the script's reply; throws ReplicaShortfallError when too few replicas answered,
 * and Redis's error when the script failed (MOVED during a slot change included: nothing ran).
 */
export async function runReplicated(client: Redis | Cluster, lua: string, keys: string[], args: Array<string | number>, wait: ReplicaWait): Promise<unknown> {
	const sha = createHash('sha1').update(lua).digest('hex');
	let replies = await send(client, ['EVALSHA', sha], keys, args, wait);
	if (/NOSCRIPT/.test(replies[0][0]?.message ?? '')) replies = await send(client, ['EVAL', lua], keys, args, wait);
	const [[scriptError, reply], [waitError, acknowledged]] = replies;
	if (scriptError) throw scriptError;
	if (waitError) throw waitError;
	if (Number(acknowledged) < wait.replicas) throw new ReplicaShortfallError(Number(acknowledged), wait);
	return reply;
}

type Reply = [Error | null, unknown];

async function send(client: Redis | Cluster, head: [string, string], keys: string[], args: Array<string | number>, wait: ReplicaWait): Promise<[Reply, Reply]> {
	const replies = await client
		.pipeline()
		.call(head[0], head[1], keys.length, ...keys, ...args)
		.call('WAIT', wait.replicas, wait.timeoutMs)
		.exec();
	if (replies?.length !== 2) throw new Error('the pipeline of a script and its WAIT came back incomplete');
	return replies as [Reply, Reply];
}
