/**
 * `natter/client`: talk to a broker from a script or another UI. Loads the client core and ws
 * only (no broker, no engines, no React): see test/package-entries.test.ts.
 */
export {createClient} from '../client/create-client.js';
export type {BrokerFlavour, ClientEvent, ClientListener, ClientOptions, ConnectionStatus, Dialect, HistoryPurpose, HistoryQuery as ClientHistoryQuery, NatterClient, PendingMessage} from '../client/types.js';
export type * from '../protocol/messages.js';
export {CloseCode} from '../protocol/messages.js';
export {checkRoomName, checkUserName, MAX_NAME_LENGTH, MAX_ROOM_LENGTH} from '../protocol/names.js';
