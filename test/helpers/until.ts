import {setTimeout as sleep} from 'node:timers/promises';

/** Poll `check` every 10 ms until it holds; throws, naming `what`, after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, ms: number, what = 'the condition'): Promise<void> {
	const deadline = Date.now() + ms;
	while (!(await check())) {
		if (Date.now() > deadline) throw new Error(`waited ${ms} ms for ${what}`);
		await sleep(10);
	}
}
