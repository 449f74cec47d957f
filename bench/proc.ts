/** Reading another process's memory and CPU from /proc (Linux), and file-descriptor limits. */
import {readFileSync, readdirSync} from 'node:fs';
import {execFileSync} from 'node:child_process';

const TICKS_PER_SECOND = 100;

/** Resident memory of a process in bytes (VmRSS), or NaN when it cannot be read. */
export function rssBytes(pid: number): number {
	try {
		const status = readFileSync(`/proc/${pid}/status`, 'utf8');
		const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
		return match ? Number(match[1]) * 1024 : Number.NaN;
	} catch {
		return Number.NaN;
	}
}

/** User + system CPU time a process has used, in ms (NaN when unreadable). */
export function cpuMs(pid: number): number {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		// Fields after the command name, which is in parentheses and may contain spaces.
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		const ticks = Number(fields[11]) + Number(fields[12]);
		return (ticks * 1000) / TICKS_PER_SECOND;
	} catch {
		return Number.NaN;
	}
}

/** Every live descendant of a process, breadth first, with its command name. */
export function descendants(root: number): {pid: number; comm: string}[] {
	const parents = new Map<number, number[]>();
	const names = new Map<number, string>();
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
			const open = stat.indexOf('(');
			const close = stat.lastIndexOf(')');
			const ppid = Number(stat.slice(close + 2).split(' ')[1]);
			const pid = Number(entry);
			names.set(pid, stat.slice(open + 1, close));
			const list = parents.get(ppid) ?? [];
			list.push(pid);
			parents.set(ppid, list);
		} catch {
			// The process ended while we looked.
		}
	}
	const out: {pid: number; comm: string}[] = [];
	const queue = [root];
	while (queue.length > 0) {
		const pid = queue.shift()!;
		for (const child of parents.get(pid) ?? []) {
			out.push({pid: child, comm: names.get(child) ?? ''});
			queue.push(child);
		}
	}
	return out;
}

/**
 * The process that actually serves: the deepest `node` process in the tree under `root`
 * (a launcher such as tsx runs the script in a child node process), or `root` itself.
 */
export function servingPid(root: number): number {
	const nodes = descendants(root).filter(p => p.comm === 'node' || p.comm.startsWith('node'));
	return nodes.length > 0 ? nodes[nodes.length - 1]!.pid : root;
}

/** This process's soft limit on open files (`ulimit -n`), as the shell reports it. */
export function openFileLimit(): number {
	try {
		const out = execFileSync('sh', ['-c', 'ulimit -n'], {encoding: 'utf8'}).trim();
		return out === 'unlimited' ? Number.POSITIVE_INFINITY : Number(out);
	} catch {
		return Number.NaN;
	}
}

/** Throw a clear error when this process cannot open `sockets` more sockets (plus headroom). */
export function requireOpenFiles(sockets: number, what: string): void {
	const limit = openFileLimit();
	const needed = sockets + 256;
	if (Number.isFinite(limit) && limit < needed) {
		throw new Error(
			`${what} needs about ${needed} open files per process but \`ulimit -n\` is ${limit}. ` +
				`Raise it in this shell (\`ulimit -n ${Math.max(needed, 20_000)}\`, up to the hard limit \`ulimit -Hn\`) and run again, or ask for fewer connections.`,
		);
	}
}

/** The hard limit on open files (`ulimit -Hn`): what any process here can raise its own to, and no further. */
export function hardOpenFileLimit(): number {
	try {
		const out = execFileSync('sh', ['-c', 'ulimit -Hn'], {encoding: 'utf8'}).trim();
		return out === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(out);
	} catch {
		return Number.NaN;
	}
}
