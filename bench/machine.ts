/** The machine a run was measured on, recorded with every result (numbers mean little without it). */
import {cpus, loadavg, platform, release, totalmem} from 'node:os';

export type MachineInfo = {
	cpuModel: string;
	cpuCount: number;
	totalMemoryMiB: number;
	node: string;
	os: string;
	date: string;
	/** 1-minute load average when the bench started: anything near cpuCount means a busy machine. */
	loadAverage: number;
};

export function machineInfo(): MachineInfo {
	const list = cpus();
	return {
		cpuModel: list[0]?.model.trim() ?? 'unknown',
		cpuCount: list.length,
		totalMemoryMiB: Math.round(totalmem() / (1024 * 1024)),
		node: process.version,
		os: `${platform()} ${release()}`,
		date: new Date().toISOString(),
		loadAverage: Math.round(loadavg()[0]! * 100) / 100,
	};
}

/** A one-paragraph description for the top of the table. */
export function describeMachine(machine: MachineInfo): string {
	const lines = [
		`${machine.cpuCount} x ${machine.cpuModel}, ${(machine.totalMemoryMiB / 1024).toFixed(1)} GiB, node ${machine.node}, ${machine.os}, load ${machine.loadAverage}`,
	];
	if (machine.cpuCount <= 2) {
		lines.push(
			`note: only ${machine.cpuCount} cores: the server under test and the load generator (one process, 3 threads) compete for them,`,
			'      so absolute numbers are low and noisy; compare the ratios, which come from the same run.',
		);
	}
	return lines.join('\n');
}
