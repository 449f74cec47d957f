// Helpers of the hostile-memory tests: a broker process's resident memory from /proc, clients
// that name themselves, publish round trips, and sockets that stop reading.
import assert from 'node:assert/strict';
import {existsSync, readFileSync, rmSync} from 'node:fs';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import WebSocket from 'ws';
import type {BrokerProcess} from './broker-process.js';
import {FrameClient} from './frame-client.js';

export const MiB = 1024 * 1024;

/** The broker process's resident memory in bytes (VmRSS in /proc/<pid>/status). */
export function rss(broker: BrokerProcess): number {
	const status = readFileSync(`/proc/${broker.child.pid}/status`, 'utf8');
	const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status);
	assert.ok(kib, 'VmRSS is in /proc/<pid>/status');
	return Number(kib[1]) * 1024;
}

/** Sample the broker's RSS every 50 ms while `body` runs; resolves with the highest sample. */
export async function peakRss(broker: BrokerProcess, body: () => Promise<void>): Promise<number> {
	let peak = rss(broker);
	const timer = setInterval(() => {
		peak = Math.max(peak, rss(broker));
	}, 50);
	try {
		await body();
	} finally {
		clearInterval(timer);
	}
	return Math.max(peak, rss(broker));
}

export async function named(url: string, userId: string): Promise<FrameClient> {
	const client = await FrameClient.connect(url);
	client.send({type: 'hello', userId});
	await client.waitFor(f => f.type === 'welcome', 5000, 'welcome');
	return client;
}

/** A client's publish round trip in ms: publish with a clientId, wait for `published`. */
export async function roundTrip(client: FrameClient, room: string, n: number): Promise<number> {
	const started = performance.now();
	const clientId = `rt-${n}`;
	client.send({type: 'publish', room, content: `ping ${n}`, clientId});
	await client.waitFor(f => f.type === 'published' && f.clientId === clientId, 10_000, `published ${clientId}`);
	return performance.now() - started;
}

/** Fill `room` with `count` messages of `content`, waiting for the broker to acknowledge the last. */
export async function fill(client: FrameClient, room: string, count: number, content: string): Promise<void> {
	for (let i = 1; i <= count; i++) client.send({type: 'publish', room, content, clientId: `fill-${room}-${i}`});
	await client.waitFor(f => f.type === 'published' && f.clientId === `fill-${room}-${count}`, 30_000, 'the last fill published');
}

/** A socket that connects, names itself, sends `frames`, and then never reads again. */
export async function nonReader(url: string, userId: string, frames: unknown[]): Promise<WebSocket> {
	const ws = new WebSocket(url);
	await new Promise<void>((resolve, reject) => {
		ws.once('open', () => resolve());
		ws.once('error', reject);
	});
	ws.send(JSON.stringify({type: 'hello', userId}));
	for (const frame of frames) ws.send(JSON.stringify(frame));
	// Stop reading: the TCP window closes, and everything the broker still owes this socket stays with the broker.
	(ws as unknown as {_socket: {pause(): void}})._socket.pause();
	ws.on('error', () => {});
	return ws;
}

export async function metric(broker: BrokerProcess, name: string): Promise<number> {
	const port = new URL(broker.url).port;
	const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
	const match = new RegExp(`^${name} (\\d+)$`, 'm').exec(text);
	return match ? Number(match[1]) : 0;
}

export const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms));


const PROBE = fileURLToPath(new URL('../../bench/probe/mem-probe.mjs', import.meta.url));

/**
 * The environment for a broker process whose retained memory a test reads with heapAfterGc: the
 * bench's probe preloaded (`--expose-gc`), writing into `dir`.
 */
export function gcProbeEnv(dir: string): NodeJS.ProcessEnv {
	return {...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --expose-gc --import ${PROBE}`.trim(), NATTER_BENCH_MEM_DIR: dir};
}

/**
 * What the broker process retains (V8 heap used + external) after two full collections: unlike
 * RSS, no garbage the collector has not got to yet. The process must run with gcProbeEnv(dir).
 */
export async function heapAfterGc(broker: BrokerProcess, dir: string): Promise<number> {
	const file = join(dir, `mem-${broker.child.pid}.json`);
	rmSync(file, {force: true});
	broker.child.kill('SIGUSR2');
	const deadline = Date.now() + 10_000;
	while (!existsSync(file)) {
		assert.ok(Date.now() < deadline, 'the broker wrote its memory after GC within 10 s');
		await sleep(20);
	}
	const usage = JSON.parse(readFileSync(file, 'utf8')) as {heapUsed: number; external: number};
	return usage.heapUsed + usage.external;
}
