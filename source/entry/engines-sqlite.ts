/**
 * `natter/engines/sqlite`: the SQLite engine (rooms survive restarts), for
 * `createBroker({engine: createSqliteEngine('rooms.db')})`. Needs the optional package
 * better-sqlite3 (`npm install better-sqlite3@12`); loads nothing of Redis.
 */
export {createSqliteEngine} from '../broker/engines/sqlite/sqlite-engine.js';
export type {Engine, EngineOptions} from '../broker/engines/engine.js';
