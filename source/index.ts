/** natter's library API: embed the broker, or talk to one from a script. */
export {createBroker, BrokerStartError, type Broker, type BrokerOptions} from './broker/create-broker.js';
export {createMemoryEngine} from './broker/memory-engine.js';
export {createSqliteEngine} from './broker/sqlite-engine.js';
export {createRedisEngine} from './broker/redis-engine.js';
export type {Engine, EngineEvent, EngineOptions, RoomState, HistoryPage, PublishInput, PublishResult, Cursor} from './broker/engine.js';
export {createClient} from './client/create-client.js';
export type {BrokerFlavour, ClientEvent, ClientOptions, ConnectionStatus, Dialect, HistoryPurpose, HistoryQuery, NatterClient, PendingMessage} from './client/types.js';
export {compileFilter, type CompiledFilter} from './filter/compile-filter.js';
export {signToken, verifyToken} from './auth/tokens.js';
export type * from './protocol/messages.js';
export {CloseCode} from './protocol/messages.js';
export {parseClientFrame, DEFAULT_FRAME_LIMITS, type FrameLimits, type ParseResult} from './protocol/parse-client-frame.js';
