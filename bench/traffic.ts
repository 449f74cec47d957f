/**
 * How the generator publishes: closed loop (each publisher keeps a bounded window of
 * messages in flight and sends the next when one of its own comes back, so the server sets
 * the pace) or open loop at a fixed rate. Each returns what one measured phase saw.
 */
import type {RunningServer} from './servers.js';
import {nowUs} from './frames.js';
import type {Load, Publisher} from './load.js';
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
	generatorCpu: number;
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

/** Publish as fast as the server takes it: a message counts as taken when its publisher gets its echo. */
export async function closedLoop(load: Load, server: RunningServer, publishers: Publisher[], options: ClosedLoopOptions): Promise<PhaseResult> {
	const meter = startMeter(load, server, options.measureLatency ?? true);
	const deadline = options.durationMs === undefined ? Number.POSITIVE_INFINITY : performance.now() + options.durationMs;
	const quota = options.durationMs === undefined ? (options.messagesPerPublisher ?? 100) : Number.POSITIVE_INFINITY;
	let active = publishers.length;
	let allSent: () => void = () => {};
	const sending = new Promise<void>(resolve => {
		allSent = resolve;
	});
	for (const publisher of publishers) {
		const limit = publisher.sent + quota;
		let done = false;
		const pump = (): void => {
			while (!done && publisher.inFlight < options.window) {
				if (publisher.sent >= limit || performance.now() >= deadline) {
					done = true;
					if (--active === 0) allSent();
					return;
				}
				publisher.publish();
			}
		};
		publisher.onEcho = pump;
		pump();
	}
	// With a deadline, a publisher whose echoes stopped (server stalled) must still finish.
	const ticker = setInterval(() => {
		for (const publisher of publishers) publisher.onEcho?.();
	}, 50);
	const watchdog = stallWatch(load, options.stallMs ?? 10_000);
	await Promise.race([sending, watchdog.stalled]);
	watchdog.cancel();
	clearInterval(ticker);
	for (const publisher of publishers) publisher.onEcho = undefined;
	const {stalled} = await load.waitForDeliveries(load.expectedDeliveries(), options.stallMs ?? 10_000);
	return meter.stop(stalled);
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
	return meter.stop(stalled);
}

/** Measures deliveries, time and CPU of the generator and the server between start and stop. */
export function startMeter(load: Load, server: RunningServer, measureLatency: boolean): {stop(stalled: boolean): PhaseResult} {
	const startMs = performance.now();
	const startDelivered = load.delivered;
	const startPublished = publishedCount(load);
	const startGenerator = process.cpuUsage();
	const startServer = server.cpu();
	load.latency.reset();
	load.recording = measureLatency;
	return {
		stop(stalled: boolean): PhaseResult {
			load.recording = false;
			const endMs = performance.now();
			const deliveries = load.delivered - startDelivered;
			const elapsedMs = Math.max(1, (deliveries > 0 ? load.lastDeliveryMs : endMs) - startMs);
			const wallMs = Math.max(1, endMs - startMs);
			const generator = process.cpuUsage(startGenerator);
			const serverMs = server.cpu() - startServer;
			return {
				deliveries,
				elapsedMs,
				deliveriesPerSecond: (deliveries * 1000) / elapsedMs,
				published: publishedCount(load) - startPublished,
				latency: load.latency.summary(),
				serverCpu: (serverMs / wallMs) * 100,
				serverCpuPerDelivery: deliveries > 0 ? (serverMs * 1000) / deliveries : Number.NaN,
				generatorCpu: ((generator.user + generator.system) / 1000 / wallMs) * 100,
				stalled,
			};
		},
	};
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
