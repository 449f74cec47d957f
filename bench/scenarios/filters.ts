/**
 * Content routing's cost: one room, M subscribers each with a filter that admits a quarter of
 * the traffic (`data.k == i % 4`), one publisher. natter evaluates every filter for every
 * message and sends only what matches; the seed has no filters, so it sends everything to
 * everyone: the ratio compares natter's filtered fan-out with the seed's plain one.
 * Correctness: natter's subscribers must get exactly their matching messages, chained by `prev`.
 */
import WebSocket from 'ws';
import {emptyChecks} from '../checks.js';
import type {Scenario} from './types.js';

const MESSAGES = {full: 4000, quick: 1000};
const BATCH = 100;

type Subscriber = {ws: WebSocket; k: number; received: number; last: number; broken: number};

export function filteredRoom(members: number, quickMembers: number): Scenario {
	const size = (quick: boolean): number => (quick ? quickMembers : members);
	return {
		name: `filters-${members}`,
		title: `one room, ${members} subscribers with content filters (each admits 1/4), one publisher`,
		metrics: [
			{key: 'evaluations', label: 'subscriber-messages routed/s', unit: '/s', digits: 0},
			{key: 'deliveries', label: 'deliveries/s', unit: '/s', digits: 0},
			{key: 'elapsed', label: 'time to route every message', unit: 'ms', digits: 0},
		],
		sockets: options => size(options.quick) + 1,
		repetitions: options => (options.quick ? 1 : 2),
		async run({server, options}) {
			const count = size(options.quick);
			const total = options.quick ? MESSAGES.quick : MESSAGES.full;
			const filtered = server.kind !== 'seed';
			const subscribers: Subscriber[] = [];
			const checks = emptyChecks();
			try {
				for (let i = 0; i < count; i++) {
					const sub: Subscriber = {ws: await open(server.url), k: i % 4, received: 0, last: 0, broken: 0};
					sub.ws.on('message', (data: Buffer) => {
						const frame = JSON.parse(data.toString()) as {type?: string; sequence?: number; prev?: number};
						if (frame.type === 'error') checks.errors++;
						if (frame.type !== 'message') return;
						if (filtered && frame.prev !== sub.last) sub.broken++;
						sub.last = frame.sequence ?? 0;
						sub.received++;
					});
					await subscribe(sub.ws, `f${i}`, `data.k == ${sub.k}`);
					subscribers.push(sub);
				}
				const publisher = await open(server.url);
				await subscribe(publisher, 'filter-publisher', undefined);
				let echoed = 0;
				publisher.on('message', (data: Buffer) => {
					if (data.includes('"type":"message"')) echoed++;
				});
				const started = performance.now();
				for (let sent = 0; sent < total; ) {
					const end = Math.min(total, sent + BATCH);
					for (; sent < end; sent++) publisher.send(JSON.stringify({type: 'publish', room: 'filters', sender: 'filter-publisher', content: `m${sent}`, data: {k: sent % 4}}));
					while (echoed < end) await new Promise(resolve => setImmediate(resolve));
				}
				const expected = (sub: Subscriber): number => (filtered ? Math.floor(total / 4) + (sub.k < total % 4 ? 1 : 0) : total);
				const deadline = Date.now() + 60_000;
				while (subscribers.some(sub => sub.received < expected(sub)) && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 5));
				const elapsed = performance.now() - started;
				let delivered = 0;
				for (const sub of subscribers) {
					const want = expected(sub);
					delivered += sub.received;
					checks.subscribers++;
					checks.expected += want;
					checks.losses += Math.max(0, want - sub.received);
					checks.duplicates += Math.max(0, sub.received - want);
					checks.orderViolations += sub.broken;
				}
				publisher.terminate();
				return {
					values: {evaluations: (total * count * 1000) / elapsed, deliveries: (delivered * 1000) / elapsed, elapsed},
					checks,
					notes: filtered ? [] : ['the seed ignores filters: it delivers every message to every subscriber'],
				};
			} finally {
				for (const sub of subscribers) sub.ws.terminate();
			}
		},
	};
}

function open(url: string): Promise<WebSocket> {
	return new Promise((resolve, reject) => {
		const ws = new WebSocket(url, {perMessageDeflate: false});
		ws.once('open', () => resolve(ws));
		ws.once('error', reject);
	});
}

function subscribe(ws: WebSocket, userId: string, filter: string | undefined): Promise<void> {
	return new Promise(resolve => {
		const onFrame = (data: Buffer): void => {
			if (!data.includes('"type":"subscribed"')) return;
			ws.off('message', onFrame);
			resolve();
		};
		ws.on('message', onFrame);
		ws.send(JSON.stringify({type: 'subscribe', room: 'filters', userId, ...(filter === undefined ? {} : {filter})}));
	});
}
