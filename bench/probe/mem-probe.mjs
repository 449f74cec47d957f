// A preload for a server under test (bench and memory tests) (`node --expose-gc --import mem-probe.mjs …`,
// or the same in NODE_OPTIONS): on SIGUSR2 it collects garbage twice and writes
// process.memoryUsage() to $NATTER_BENCH_MEM_DIR/mem-<pid>.json, so the bench reads memory
// after GC rather than whatever garbage V8 happened to keep. Preloaded by the bench and by the memory
// tests (test/helpers/broker-memory.ts heapAfterGc), never by natter itself.
import {renameSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';

const dir = process.env.NATTER_BENCH_MEM_DIR;
if (dir && typeof globalThis.gc === 'function') {
	process.on('SIGUSR2', () => {
		globalThis.gc();
		globalThis.gc();
		const file = join(dir, `mem-${process.pid}.json`);
		// Written whole, then renamed: the bench never reads half a file.
		writeFileSync(`${file}.tmp`, JSON.stringify({...process.memoryUsage(), at: Date.now()}));
		renameSync(`${file}.tmp`, file);
	});
}
