/**
 * Rules for user names and room names, shared by the broker (which refuses bad ones) and
 * the client (which checks before sending). Names are identities: characters that render
 * as nothing or reorder text (controls, bidi overrides, zero-width) could let two different
 * names look alike, so they are refused outright rather than sanitised.
 */

export const MAX_NAME_LENGTH = 32;
export const MAX_ROOM_LENGTH = 64;

/** C0, DEL, C1, bidi controls, zero-width and other invisible formatting characters, and whitespace. */
// Listing combining and variation-selector code points by escape is the point here, not a mistake.
// eslint-disable-next-line no-control-regex, no-misleading-character-class
const FORBIDDEN_IN_NAME = /[\u0000-\u0020\u007f-\u00a0\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb]/u;

/** Why a user name is unacceptable, or undefined when it is fine. */
export function checkUserName(name: string): string | undefined {
	if (name.length === 0) return 'name is empty';
	if ([...name].length > MAX_NAME_LENGTH) return `name is longer than ${MAX_NAME_LENGTH} characters`;
	if (FORBIDDEN_IN_NAME.test(name)) return 'name contains whitespace, control, invisible or bidi characters';
	if (name.startsWith('@') || name.startsWith('#')) return 'name may not start with @ or #';
	if (name.includes(':')) return 'name may not contain ":"';
	return undefined;
}

/** Why a room name is unacceptable, or undefined when it is fine. `@name` rooms are direct messages. */
export function checkRoomName(room: string): string | undefined {
	if (room.length === 0) return 'room name is empty';
	if ([...room].length > MAX_ROOM_LENGTH) return `room name is longer than ${MAX_ROOM_LENGTH} characters`;
	if (FORBIDDEN_IN_NAME.test(room)) return 'room name contains whitespace, control, invisible or bidi characters';
	if (room.startsWith('@')) {
		const peer = room.slice(1);
		const why = checkUserName(peer);
		if (why) return `direct-message room names the user after @: ${why}`;
	}
	return undefined;
}

/** True for a direct-message room (`@name`). */
export function isDirectRoom(room: string): boolean {
	return room.startsWith('@');
}

/**
 * The engine's key for a direct conversation between two users: the same for both sides.
 * `#` cannot start a user name, so these keys never collide with a room anyone can name.
 */
export function directKey(a: string, b: string): string {
	return a < b ? `#dm:${a}:${b}` : `#dm:${b}:${a}`;
}

/** The two parties of a direct-conversation key, or undefined if the key is not one. */
export function directParties(key: string): [string, string] | undefined {
	if (!key.startsWith('#dm:')) return undefined;
	const rest = key.slice(4);
	const i = rest.indexOf(':');
	if (i < 0) return undefined;
	return [rest.slice(0, i), rest.slice(i + 1)];
}
