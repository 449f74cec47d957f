import type {Engine, EngineOptions} from '../../source/broker/engines/engine.js';
import {createRedisEngine} from '../../source/broker/engines/redis/redis-engine.js';
import type {ContractOptions} from '../engine-contract.js';
import {uniquePrefix} from './redis.js';

/**
 * The engine contract's `create` and `reopen` for Redis engines at `at` (one server, a Redis
 * Cluster or a Sentinel-managed master; a function when the address is known only once the
 * servers started): each engine keys under a fresh prefix, which an engine
 * reopened from it keeps. `prefixOf` finds an engine's prefix (a reopened one's too); `cleanup`
 * runs after the last engine of a prefix is closed (delete its keys, say).
 */
export function redisContractEngines(at: string | (() => string), cleanup?: (prefix: string) => Promise<void>): Required<Pick<ContractOptions, 'create' | 'reopen'>> & {prefixOf(engine: Engine): string} {
	/** Where each engine (and each reopened successor) keeps its keys, so reopen finds them. */
	const url = (): string => (typeof at === 'string' ? at : at());
	const slots = new Map<Engine, {prefix: string; options: Partial<EngineOptions>}>();
	return {
		async create(options) {
			const prefix = uniquePrefix();
			const engine = createRedisEngine(url(), {...options, prefix});
			slots.set(engine, {prefix, options});
			return {
				engine,
				async cleanup() {
					// The engine a test ends with may be a reopened one.
					for (const [candidate, slot] of slots) if (slot.prefix === prefix) await candidate.close();
					await cleanup?.(prefix);
				},
			};
		},
		async reopen(engine) {
			const slot = slots.get(engine)!;
			await engine.close();
			slots.delete(engine);
			const next = createRedisEngine(url(), {...slot.options, prefix: slot.prefix});
			slots.set(next, slot);
			return next;
		},
		prefixOf(engine) {
			return slots.get(engine)!.prefix;
		},
	};
}
