/**
 * A generator worker thread (started by load-worker-pool.ts): plain subscribers in a Load of
 * its own, which connects, subscribes, checks sequences, records latency and counts deliveries
 * exactly as the main thread's Load does. It reports its counters every few ms while they
 * change, and its checks and latency samples when asked.
 */
import {parentPort, workerData} from 'node:worker_threads';
import {Load} from './load.js';
import {REPORT_MS, type FromWorker, type ToWorker, type WorkerCounts} from './load-worker-pool.js';

const port = parentPort!;
const load = new Load((workerData as {urls: string[]}).urls);

function post(message: FromWorker, transfer: ArrayBuffer[] = []): void {
	port.postMessage(message, transfer);
}

function counts(): WorkerCounts {
	const origin = performance.timeOrigin;
	return {
		delivered: load.delivered,
		lastDeliveryAt: load.lastDeliveryMs === 0 ? 0 : origin + load.lastDeliveryMs,
		presence: load.presenceFrames,
		lastPresenceAt: load.lastPresenceMs === 0 ? 0 : origin + load.lastPresenceMs,
		errors: load.errors.length,
	};
}

let reported = counts();
function report(): void {
	const now = counts();
	if (now.delivered === reported.delivered && now.presence === reported.presence && now.errors === reported.errors) return;
	reported = now;
	post({type: 'counts', counts: now});
}
// Unref'd: the worker lives as long as its port (and sockets) do.
setInterval(report, REPORT_MS).unref();
post({type: 'ready'});

port.on('message', (message: ToWorker) => {
	switch (message.type) {
		case 'connect':
			load
				.connect(message.userIds.length, {
					prefix: '',
					userId: index => message.userIds[index]!,
					urlOf: index => message.urls[index]!,
					subscribeTo: index => load.room(message.rooms[index]!),
					concurrency: message.concurrency,
				})
				.then(
					() => post({type: 'connected', id: message.id}),
					(error: unknown) => post({type: 'failed', id: message.id, error: (error as Error).message}),
				);
			return;
		case 'record':
			if (message.on) load.latency.reset();
			load.recording = message.on;
			return;
		case 'collect': {
			for (const room of load.rooms.values()) room.published = message.published[room.name] ?? 0;
			const latency = load.latency.snapshot();
			reported = counts();
			post({type: 'state', id: message.id, state: {counts: reported, checks: load.checks(), errors: [...load.errors], latency}}, [latency.samples.buffer as ArrayBuffer]);
			return;
		}
	}
});
