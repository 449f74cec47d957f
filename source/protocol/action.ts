/**
 * Actions (/me): a message whose `data` carries `action: true` says what its sender does.
 * natter shows it as `* bo waves`; a client that does not know the marker (the seed's) shows
 * the content as ordinary text, so nothing is lost. See docs/protocol.md, Actions.
 */
import type {MessageData} from './messages.js';

/** The data a /me message carries. */
export const ACTION_DATA: MessageData = Object.freeze({action: true});

/** True when a message with this data is an action. */
export function isAction(data: MessageData | undefined): boolean {
	return data !== undefined && data.action === true;
}

/** The data left to show once the action marker is taken out (undefined when nothing is). */
export function withoutAction(data: MessageData): MessageData | undefined {
	const {action: _action, ...rest} = data;
	return Object.keys(rest).length === 0 ? undefined : rest;
}
