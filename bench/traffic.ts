/**
 * How the generator publishes: closed loop (each publisher keeps a bounded window of
 * messages in flight and sends the next when one of its own comes back, so the server sets
 * the pace) or open loop at a fixed rate. Each returns what one measured phase saw.
 */
import {readFileSync} from 'node:fs';
import type {RunningServer} from './servers.js';
import {nowUs} from './frames.js';
import type {BenchRoom, Load, Publisher} from './load.js';
import type {LatencySummary} from './stats.js';

/** What one measured phase saw. */
export type PhaseResult = {
	/** Checked deliveries during the phase. */
	deliveries: number;
	/** From the first publish to the last delivery, ms. */
	elapsedMs: number;
	deliveriesPerSecond: number;
	/** Messages published during the phase. */
	published: number;
	latency: LatencySummary;
	/** CPU use during the phase, percent of one core. */
	serverCpu: number;
	/** Server CPU time per checked delivery, µs: how much a delivery costs the server, whoever set the pace. */
	serverCpuPerDelivery: number;
	/** The generator process (main thread and its workers), percent of one core. */
	generatorCpu: number;
	/** The generator's main thread alone (publishers, control), percent of one core; NaN where /proc is missing. */
	generatorMainCpu: number;
	/** Deliveries still missing when the phase gave up waiting. */
	stalled: boolean;
};

/** Closed-loop settings. */
export type ClosedLoopOptions = {
	/** Messages each publisher sends (ignored with `durationMs`). */
	messagesPerPublisher?: number;
	/** Keep publishing until this much time passed instead of a message count. */
	durationMs?: number;
	/** Messages each publisher may have in flight (sent, own echo not yet back). */
	window: number;
	/** Give up waiting when no delivery arrives for this long. */
	stallMs?: number;
	/** Record end-to-end latency of this phase. */
	measureLatency?: boolean;
};

/**
 * Publish as fast as the server takes it: a message counts as taken when its publisher gets its
 * echo. A second bound keeps the generator's slowest reader in the loop: deliveries published but
 * not yet received by every checked subscriber stay under twice what the windows imply (window x
 * checked members, summed over the publishers; twice, because worker threads report what they
 * received every few ms and a message between threads can take a few ms on a busy machine). With
 * subscribers in worker threads the publishers' echoes come back sooner than the workers read, and
 * without it the backlog would pile up in socket buffers (seconds of queue: latency, and a
 * server's slow-consumer limit) instead of being measured.
 */
export async function closedLoop(load: Load, server: RunningServer, publishers: Publisher[], options: ClosedLoopOptions): Promise<PhaseResult> {
	const checked = new Map<BenchRoom, number>();
	let maxOutstanding = 0;
	for (const publisher of publishers) {
		if (!checked.has(publisher.room)) checked.set(publisher.room, load.checkedMembers(publisher.room));
		maxOutstanding += 2 * options.window * checked.get(publisher.room)!;
	}
	// Deliveries due so far, kept up to date per publish (expectedDeliveries() walks every member).
	let expected = load.expectedDeliveries();
	const meter = startMeter(load, server, options.measureLatency ?? true);
	const deadline = options.durationMs === undefined ? Number.POSITIVE_INFINITY : performance.now() + options.durationMs;
	const quota = options.durationMs === undefined ? (options.messagesPerPublisher ?? 100) : Number.POSITIVE_INFINITY;
	let active = publishers.length;
	/** Publishers held back by the readers' backlog, to wake when deliveries come in. */
	let waiting: (() => void)[] = [];
	const wake = (): void => {
		const woken = waiting;
		waiting = [];
		for (const pump of woken) pump();
	};
	let allSent: () => void = () => {};
	const sending = new Promise<void>(resolve => {
		allSent = resolve;
	});
	for (const publisher of publishers) {
		const limit = publisher.sent + quota;
		let done = false;
		const members = checked.get(publisher.room)!;
		let parked = false;
		const pump = (): void => {
			parked = false;
			while (!done) {
				if (publisher.sent >= limit || performance.now() >= deadline) {
					done = true;
					if (--active === 0) allSent();
					return;
				}
				if (publisher.inFlight >= options.window) return;
				if (expected - load.delivered >= maxOutstanding) {
					// Wait for the readers, not for an echo.
					if (!parked) parked = waiting.push(pump) > 0;
					return;
				}
				publisher.publish();
				expected += members;
			}
		};
		publisher.onEcho = () => {
			pump();
			if (waiting.length > 0) wake();
		};
		pump();
	}
	// Deliveries counted in a worker thread free room for more, as an echo does.
	load.onRemoteDeliveries = wake;
	// With a deadline, a publisher whose echoes stopped (server stalled) must still finish.
	const ticker = setInterval(() => {
		for (const publisher of publishers) publisher.onEcho?.();
	}, 50);
	const watchdog = stallWatch(load, options.stallMs ?? 10_000);
	await Promise.race([sending, watchdog.stalled]);
	watchdog.cancel();
	clearInterval(ticker);
	load.onRemoteDeliveries = undefined;
	for (const publisher of publishers) publisher.onEcho = undefined;
	const {stalled} = await load.waitForDeliveries(load.expectedDeliveries(), options.stallMs ?? 10_000);
	return await meter.stop(stalled);
}

/** Open-loop settings. */
export type FixedRateOptions = {
	/** Messages per second over all publishers. */
	messagesPerSecond: number;
	durationMs: number;
	stallMs?: number;
};

/**
 * Publish at a fixed rate, round-robin over the publishers, whatever the server does. Each
 * message carries its scheduled send time, so a late send shows up as latency instead of
 * hiding it (no coordinated omission).
 */
export async function fixedRate(load: Load, server: RunningServer, publishers: Publisher[], options: FixedRateOptions): Promise<PhaseResult> {
	const meter = startMeter(load, server, true);
	const startUs = nowUs();
	const intervalUs = 1e6 / options.messagesPerSecond;
	const total = Math.max(1, Math.round((options.messagesPerSecond * options.durationMs) / 1000));
	let sent = 0;
	await new Promise<void>(resolve => {
		const tick = (): void => {
			const now = nowUs();
			while (sent < total && startUs + sent * intervalUs <= now) {
				publishers[sent % publishers.length]!.publish(Math.round(startUs + sent * intervalUs));
				sent++;
			}
			if (sent >= total) {
				resolve();
				return;
			}
			const waitMs = (startUs + sent * intervalUs - nowUs()) / 1000;
			setTimeout(tick, Math.max(0, Math.floor(waitMs)));
		};
		tick();
	});
	const {stalled} = await load.waitForDeliveries(load.expectedDeliveries(), options.stallMs ?? 10_000);
	return await meter.stop(stalled);
}

/** Measures deliveries, time and CPU of the generator and the server between start and stop. */
export function startMeter(load: Load, server: RunningServer, measureLatency: boolean): {stop(stalled: boolean): Promise<PhaseResult>} {
	const startMs = performance.now();
	const startDelivered = load.delivered;
	const startPublished = publishedCount(load);
	// process.cpuUsage() covers every thread of the process: the workers' frame reading included.
	const startGenerator = process.cpuUsage();
	const startMain = mainThreadCpuMs();
	const startServer = server.cpu();
	load.record(measureLatency);
	return {
		async stop(stalled: boolean): Promise<PhaseResult> {
			const endMs = performance.now();
			const generator = process.cpuUsage(startGenerator);
			const mainMs = mainThreadCpuMs() - startMain;
			const serverMs = server.cpu() - startServer;
			// Fetches the workers' latency samples (and checks): after the CPU readings, so the transfer is not counted.
			await load.stopRecording();
			const deliveries = load.delivered - startDelivered;
			const elapsedMs = Math.max(1, (deliveries > 0 ? load.lastDeliveryMs : endMs) - startMs);
			const wallMs = Math.max(1, endMs - startMs);
			return {
				deliveries,
				elapsedMs,
				deliveriesPerSecond: (deliveries * 1000) / elapsedMs,
				published: publishedCount(load) - startPublished,
				latency: load.latencySummary(),
				serverCpu: (serverMs / wallMs) * 100,
				serverCpuPerDelivery: deliveries > 0 ? (serverMs * 1000) / deliveries : Number.NaN,
				generatorCpu: ((generator.user + generator.system) / 1000 / wallMs) * 100,
				generatorMainCpu: (mainMs / wallMs) * 100,
				stalled,
			};
		},
	};
}

/** CPU time of this process's main thread (Linux /proc: the task whose id is the pid), ms; NaN elsewhere. */
function mainThreadCpuMs(): number {
	try {
		const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		// utime and stime, in clock ticks (100 per second on Linux).
		return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
	} catch {
		return Number.NaN;
	}
}

function publishedCount(load: Load): number {
	let total = 0;
	for (const room of load.rooms.values()) total += room.published;
	return total;
}

/** `stalled` resolves if no delivery arrives for `stallMs` (publishers waiting on echoes that never come). */
function stallWatch(load: Load, stallMs: number): {stalled: Promise<void>; cancel(): void} {
	let timer: NodeJS.Timeout | undefined;
	const stalled = new Promise<void>(resolve => {
		let last = load.delivered;
		let since = performance.now();
		timer = setInterval(() => {
			if (load.delivered !== last) {
				last = load.delivered;
				since = performance.now();
			} else if (performance.now() - since > stallMs) {
				clearInterval(timer);
				resolve();
			}
		}, 100);
	});
	return {stalled, cancel: () => clearInterval(timer)};
}
