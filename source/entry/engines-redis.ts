/**
 * `natter/engines/redis`: the Redis engine (several brokers share rooms: a cluster), for
 * `createBroker({engine: createRedisEngine('redis://host:6379')})`. Needs the optional package
 * ioredis (`npm install ioredis@5`); loads nothing of SQLite.
 */
export {createRedisEngine, type RedisEngineOptions} from '../broker/engines/redis/redis-engine.js';
export {EngineUnavailableError} from '../broker/engines/engine-unavailable-error.js';
export type {Engine, EngineOptions} from '../broker/engines/engine.js';
