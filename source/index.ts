/** natter's library API: embed the broker, or talk to one from a script. */
export {createBroker, BrokerStartError, type Broker, type BrokerOptions} from './broker/create-broker.js';
export {createMemoryEngine} from './broker/memory-engine.js';
export type {Engine, EngineEvent, EngineOptions, RoomState, HistoryPage, PublishInput, PublishResult, Cursor} from './broker/engine.js';
export type * from './protocol/messages.js';
export {CloseCode} from './protocol/messages.js';
export {parseClientFrame, DEFAULT_FRAME_LIMITS, type FrameLimits, type ParseResult} from './protocol/parse-client-frame.js';
