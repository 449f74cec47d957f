/**
 * `natter/broker`: embed a broker, on the memory engine or an engine of your own. Exports every
 * type an outside engine needs (the `Engine` contract, its events and queries, and the error
 * that means "the store did not answer"). Loads neither SQLite nor ioredis, and prom-client
 * only when a broker starts (it is optional: without it /metrics answers 501).
 */
export {createBroker, BrokerStartError, type Broker, type BrokerOptions} from '../broker/create-broker.js';
export {createMemoryEngine} from '../broker/engines/memory/memory-engine.js';
export {DEFAULT_ENGINE_OPTIONS} from '../broker/engines/engine.js';
export type {
	Cursor,
	Engine,
	EngineEvent,
	EngineListener,
	EngineOptions,
	HistoryPage,
	HistoryQuery,
	PresenceEvent,
	PublishInput,
	PublishResult,
	RoomState,
} from '../broker/engines/engine.js';
export {EngineUnavailableError} from '../broker/engines/engine-unavailable-error.js';
export {MissingPackageError} from '../broker/optional-package.js';
export {compileFilter, DEFAULT_FILTER_LIMITS, type CompiledFilter, type CompileResult, type FilterInput, type FilterLimits} from '../filter/compile-filter.js';
export {signToken, verifyToken, type TokenIdentity, type VerifyResult} from '../auth/tokens.js';
export type * from '../protocol/messages.js';
export {CloseCode} from '../protocol/messages.js';
export {parseClientFrame, DEFAULT_FRAME_LIMITS, type FrameLimits, type ParseResult} from '../protocol/parse-client-frame.js';
