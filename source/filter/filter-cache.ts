import {compileFilter, type CompileResult, type CompiledFilter, type FilterLimits} from './compile-filter.js';

/**
 * Compiles each distinct filter text once while anything still holds it: subscriptions with the
 * same filter share one CompiledFilter, so a room's fan-out (which asks each subscriber's filter
 * about the same message object) runs each distinct filter at most once per message. Entries
 * are held weakly and vanish with the last subscription that used them.
 */
export class FilterCache {
	private readonly entries = new Map<string, WeakRef<CompiledFilter>>();
	private readonly forget = new FinalizationRegistry<string>(source => {
		if (this.entries.get(source)?.deref() === undefined) this.entries.delete(source);
	});

	constructor(private readonly limits: Partial<FilterLimits>) {}

	/** compileFilter with this cache's limits, or the filter compiled earlier from the same text. */
	compile(source: string): CompileResult {
		const kept = this.entries.get(source)?.deref();
		if (kept !== undefined) return {ok: true, filter: kept};
		const result = compileFilter(source, this.limits);
		if (result.ok) {
			this.entries.set(source, new WeakRef(result.filter));
			this.forget.register(result.filter, source);
		}
		return result;
	}
}
