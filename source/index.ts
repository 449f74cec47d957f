/**
 * `natter`, the convenience entry: everything of `natter/client` and `natter/broker` (client,
 * broker, memory engine, the engine contract's types, filters, tokens, the wire types). The
 * SQLite and Redis engines have entries of their own, `natter/engines/sqlite` and
 * `natter/engines/redis`: their drivers are optional packages, and importing `natter` must work
 * without them.
 */
export * from './entry/client.js';
export * from './entry/broker.js';
