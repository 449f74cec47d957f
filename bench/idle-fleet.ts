/**
 * A fleet of generator child processes (idle-process.ts) holding idle connections: as many
 * processes as the open-file limit requires, each on its own loopback source address. Used by
 * the capacity-100k scenario, which needs more sockets than one process may open here.
 */
import {fork, type ChildProcess} from 'node:child_process';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import type {FromIdle, ToIdle} from './idle-process.js';
import {hardOpenFileLimit} from './proc.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));

/** Sockets a process keeps below its hard limit: node, ws and the IPC channel use a few dozen descriptors of their own. */
const FD_HEADROOM = 500;
/** At most this many clients per process and source address: one address has ~28,000 ephemeral ports (32768-60999) per destination. */
const PER_ADDRESS = 25_000;

/** What the fleet saw, summed over its processes. */
export type FleetReport = {open: number; closed: number; closeCodes: Record<string, number>; errors: string[]; rss: number};

/** Clients one generator process can hold on this machine. */
export function clientsPerProcess(): number {
	return Math.max(1000, Math.min(PER_ADDRESS, hardOpenFileLimit() - FD_HEADROOM));
}

/**
 * Source addresses go round 127.0.0.2 … 127.0.255.254, a fresh one for each generator process in
 * this run: a socket bound to an address before connect() needs a port no socket on that address
 * holds, TIME_WAIT ones included, so a fleet on the previous fleet's address (the server before,
 * closed within the last 60 s) ran out of ports (EADDRINUSE).
 */
let sourceAddresses = 0;
function nextSourceAddress(): string {
	for (;;) {
		const n = 2 + (sourceAddresses++ % 65_000);
		const low = n & 255;
		if (low !== 0 && low !== 255) return `127.0.${n >> 8}.${low}`;
	}
}

type Member = {child: ChildProcess; address: string; waiting: ((message: FromIdle) => void)[]; failed: Promise<never>};

export class IdleFleet {
	private readonly members: Member[] = [];

	/** Source addresses in use, one per process (see nextSourceAddress). */
	get addresses(): string[] {
		return this.members.map(m => m.address);
	}

	get size(): number {
		return this.members.length;
	}

	/**
	 * Connect `count` clients, client i subscribed to rooms[i] on urls[i mod urls], spread over
	 * ceil(count / clientsPerProcess()) processes. Resolves with the clients that got `subscribed`,
	 * and the first failures, once every process is done.
	 */
	async connect(urls: string[], rooms: string[], options: {userPrefix: string; concurrency: number; lifetimeMs: number; perProcess?: number}): Promise<{count: number; failures: string[]}> {
		const count = rooms.length;
		const processes = Math.ceil(count / Math.min(options.perProcess ?? Number.POSITIVE_INFINITY, clientsPerProcess()));
		const per = Math.ceil(count / processes);
		const parts: {member: Member; rooms: string[]; urls: string[]; prefix: string}[] = [];
		for (let p = 0; p < processes; p++) {
			const member = this.start(options.lifetimeMs);
			const from = p * per;
			const slice = rooms.slice(from, from + per);
			// Client i of the whole fleet keeps urls[i mod n], so rooms and nodes interleave as with one process.
			const urlsOf = slice.map((_, j) => urls[(from + j) % urls.length]!);
			parts.push({member, rooms: slice, urls: urlsOf, prefix: `${options.userPrefix}${p}-`});
		}
		const each = Math.max(1, Math.ceil(options.concurrency / processes));
		const answers = await Promise.all(
			parts.map(async part => {
				await this.next(part.member, 'ready');
				part.member.child.send({type: 'connect', urls: part.urls, localAddress: part.member.address, userPrefix: part.prefix, rooms: part.rooms, concurrency: each} satisfies ToIdle);
				return this.next(part.member, 'connected');
			}),
		);
		return {
			count: answers.reduce((sum, a) => sum + (a.type === 'connected' ? a.count : 0), 0),
			failures: answers.flatMap(a => (a.type === 'connected' ? a.failures : [])).slice(0, 10),
		};
	}

	/** Every process's counts: open clients, closes the server made and their codes, error frames, the processes' RSS. */
	async report(): Promise<FleetReport> {
		const answers = await Promise.all(
			this.members.map(member => {
				const answer = this.next(member, 'report');
				member.child.send({type: 'report'} satisfies ToIdle);
				return answer;
			}),
		);
		const total: FleetReport = {open: 0, closed: 0, closeCodes: {}, errors: [], rss: 0};
		for (const a of answers) {
			if (a.type !== 'report') continue;
			total.open += a.open;
			total.closed += a.closed;
			for (const [code, n] of Object.entries(a.closeCodes)) total.closeCodes[code] = (total.closeCodes[code] ?? 0) + n;
			total.errors.push(...a.errors);
			total.rss += a.rss;
		}
		return total;
	}

	/** Stop every process (each drops its sockets) and wait for them to exit; SIGKILL after 5 s. */
	async stop(): Promise<void> {
		await Promise.all(
			this.members.map(
				member =>
					new Promise<void>(resolve => {
						if (member.child.exitCode !== null || member.child.signalCode !== null) return resolve();
						const timer = setTimeout(() => member.child.kill('SIGKILL'), 5000);
						member.child.once('exit', () => {
							clearTimeout(timer);
							resolve();
						});
						if (member.child.connected) member.child.send({type: 'exit'} satisfies ToIdle);
						else member.child.kill('SIGTERM');
					}),
			),
		);
		this.members.length = 0;
	}

	private start(lifetimeMs: number): Member {
		const address = nextSourceAddress();
		const child = fork(join(BENCH_DIR, 'idle-process.ts'), [], {
			execArgv: ['--import', 'tsx'],
			env: {...process.env, NATTER_BENCH_IDLE_LIFETIME_MS: String(lifetimeMs)},
			stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
		});
		const waiting: Member['waiting'] = [];
		const failed = new Promise<never>((_, reject) => {
			child.once('exit', (code, signal) => reject(new Error(`generator process ${address} exited (${code ?? signal}) early`)));
		});
		failed.catch(() => {});
		child.on('message', (message: FromIdle) => {
			for (const listener of waiting.splice(0)) listener(message);
		});
		const member: Member = {child, address, waiting, failed};
		this.members.push(member);
		return member;
	}

	/** The next message of `type` from a process (or its early exit). */
	private next(member: Member, type: FromIdle['type']): Promise<FromIdle> {
		return Promise.race([
			new Promise<FromIdle>(resolve => {
				const listen = (message: FromIdle): void => {
					if (message.type === type) resolve(message);
					else member.waiting.push(listen);
				};
				member.waiting.push(listen);
			}),
			member.failed,
		]);
	}
}
