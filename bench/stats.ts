/** Small statistics helpers: percentiles of latency samples, medians of repetitions, and the rank-sum test behind a tie. */

/** The p-th percentile (0-100) of already sorted values, nearest-rank; NaN when empty. */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
	if (sorted.length === 0) return Number.NaN;
	const rank = Math.ceil((p / 100) * sorted.length);
	return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** The median of a list (mean of the middle two for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
	const finite = values.filter(v => Number.isFinite(v)).sort((a, b) => a - b);
	if (finite.length === 0) return Number.NaN;
	const mid = finite.length >> 1;
	return finite.length % 2 === 1 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2;
}

/** Latency summary in milliseconds. */
export type LatencySummary = {count: number; p50: number; p99: number; max: number};

/**
 * Collects latency samples (ms) into a preallocated array, so recording one is a store and
 * an increment. Past its capacity it keeps every n-th sample (the tail stays representative
 * because samples arrive in time order, not sorted).
 */
export class LatencyRecorder {
	private samples: Float64Array;
	private size = 0;
	private seen = 0;
	private stride = 1;
	private max = 0;

	constructor(capacity = 1 << 21) {
		this.samples = new Float64Array(capacity);
	}

	add(ms: number): void {
		if (ms > this.max) this.max = ms;
		if (this.seen++ % this.stride !== 0) return;
		if (this.size === this.samples.length) {
			// Halve: keep every other sample and from now on take every (2 * stride)-th one.
			for (let i = 0; i < this.size >> 1; i++) this.samples[i] = this.samples[i * 2]!;
			this.size >>= 1;
			this.stride *= 2;
		}
		this.samples[this.size++] = ms;
	}

	/** Forget every sample (a new measured phase). */
	reset(): void {
		this.size = 0;
		this.seen = 0;
		this.stride = 1;
		this.max = 0;
	}

	summary(): LatencySummary {
		const sorted = this.samples.slice(0, this.size).sort();
		return {count: this.seen, p50: percentileSorted(sorted, 50), p99: percentileSorted(sorted, 99), max: this.seen === 0 ? Number.NaN : this.max};
	}

	/** A copy of what was recorded, to send to another thread (its buffer can be transferred). */
	snapshot(): LatencySnapshot {
		return {samples: this.samples.slice(0, this.size), seen: this.seen, stride: this.stride, max: this.max};
	}

	/**
	 * A recorder holding this one's samples and `others`' (another thread's), so the summary is
	 * over every sample. Strides are powers of two: each part is thinned to the largest stride
	 * among them, so every kept sample stands for the same number of deliveries.
	 */
	mergedWith(others: readonly LatencySnapshot[]): LatencyRecorder {
		const parts = [this.snapshot(), ...others];
		const stride = Math.max(...parts.map(part => part.stride));
		let total = 0;
		for (const part of parts) total += Math.ceil(part.samples.length / (stride / part.stride));
		const merged = new LatencyRecorder(Math.max(1, total));
		for (const part of parts) {
			const step = stride / part.stride;
			for (let i = 0; i < part.samples.length; i += step) merged.samples[merged.size++] = part.samples[i]!;
			merged.seen += part.seen;
			if (part.max > merged.max) merged.max = part.max;
		}
		merged.stride = stride;
		return merged;
	}
}

/** What a LatencyRecorder holds, as plain data (structured-clonable). */
export type LatencySnapshot = {samples: Float64Array; seen: number; stride: number; max: number};

/**
 * How likely `a` would look at least this much higher than `b` by chance: the one-sided p-value
 * of an exact rank-sum (Mann-Whitney) permutation test. Pool both lists, rank them (tied values
 * share their mean rank), and count the ways of choosing `a.length` of the ranks whose sum is at
 * least `a`'s observed rank sum, out of all ways. A small value says `a`'s values are measurably
 * higher; around one half or more, they are not. The count is a dynamic programme over rank sums
 * (doubled, so mean ranks stay integers) rather than an enumeration, so it is exact and instant
 * for any number of runs. NaN when either list is empty.
 */
export function rankSumHigherP(a: readonly number[], b: readonly number[]): number {
	if (a.length === 0 || b.length === 0) return Number.NaN;
	const pooled = [...a.map(value => ({value, fromA: true})), ...b.map(value => ({value, fromA: false}))].sort((x, y) => x.value - y.value);
	// Doubled mean ranks: a run of equal values at positions i..j (1-based) each gets i + j.
	const doubledRanks: number[] = [];
	let observed = 0;
	for (let i = 0; i < pooled.length; ) {
		let j = i;
		while (j + 1 < pooled.length && pooled[j + 1]!.value === pooled[i]!.value) j++;
		for (let k = i; k <= j; k++) {
			const rank = i + 1 + (j + 1);
			doubledRanks.push(rank);
			if (pooled[k]!.fromA) observed += rank;
		}
		i = j + 1;
	}
	const pick = a.length;
	const maxSum = doubledRanks.reduce((sum, rank) => sum + rank, 0);
	// ways[k][s]: subsets of the ranks seen so far with k members and doubled rank sum s.
	let ways = Array.from({length: pick + 1}, () => new Float64Array(maxSum + 1));
	ways[0]![0] = 1;
	for (const rank of doubledRanks) {
		const next = ways.map(row => row.slice());
		for (let k = 0; k < pick; k++) {
			const from = ways[k]!;
			const to = next[k + 1]!;
			for (let s = 0; s + rank <= maxSum; s++) if (from[s]! > 0) to[s + rank]! += from[s]!;
		}
		ways = next;
	}
	let atLeast = 0;
	let total = 0;
	ways[pick]!.forEach((count, sum) => {
		total += count;
		if (sum >= observed) atLeast += count;
	});
	return atLeast / total;
}
