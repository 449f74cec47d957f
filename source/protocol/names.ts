import unhomoglyph from 'unhomoglyph';

/**
 * Rules for user names and room names, shared by the broker (which refuses bad ones) and
 * the client (which checks before sending). Names are identities: characters that render
 * as nothing or reorder text (controls, bidi overrides, zero-width) could let two different
 * names look alike, so they are refused outright rather than sanitised.
 */

export const MAX_NAME_LENGTH = 32;
export const MAX_ROOM_LENGTH = 64;

/**
 * Every Default_Ignorable code point (they render as nothing, so `b\u{16FE4}ob` would pass for
 * `bob`; V8's table lacks U+16FE4, Khitan small script filler, so it is listed too), controls (Cc), every format character (Cf: bidi controls, zero-width, tag characters), every
 * separator (Z: all spaces), lone surrogates (Cs: they all render as the same U+FFFD), and the
 * invisible marks and fillers those categories miss (Hangul fillers, variation selectors,
 * combining grapheme joiner, Khmer and Mongolian invisibles, braille blank).
 */
// Listing combining and variation-selector code points by escape is the point here, not a mistake.
// eslint-disable-next-line no-control-regex, no-misleading-character-class
const FORBIDDEN_IN_NAME = /[\p{Default_Ignorable_Code_Point}\u{16fe4}\p{Cc}\p{Cf}\p{Z}\p{Cs}\u0000-\u0020\u007f-\u00a0\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u2000-\u200f\u2028-\u202f\u205f-\u206f\u2800\u3000\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb\u{e0100}-\u{e01ef}]/u;

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
	// A room with this name would BE the engine's key of somebody's direct conversation (see directKey).
	if (room.startsWith(DIRECT_KEY_PREFIX)) return `room names starting with "${DIRECT_KEY_PREFIX}" are reserved for direct conversations`;
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

/** Prefix of the engine keys of direct conversations; checkRoomName refuses rooms that start with it. */
export const DIRECT_KEY_PREFIX = '#dm:';

/**
 * The engine's key for a direct conversation between two users: the same for both sides.
 * checkRoomName refuses room names with this prefix, so nobody can name (and so read or write)
 * another pair's conversation as a plain room.
 */
export function directKey(a: string, b: string): string {
	return a < b ? `${DIRECT_KEY_PREFIX}${a}:${b}` : `${DIRECT_KEY_PREFIX}${b}:${a}`;
}

/** The two parties of a direct-conversation key, or undefined if the key is not one. */
export function directParties(key: string): [string, string] | undefined {
	if (!key.startsWith(DIRECT_KEY_PREFIX)) return undefined;
	const rest = key.slice(DIRECT_KEY_PREFIX.length);
	const i = rest.indexOf(':');
	if (i < 0) return undefined;
	return [rest.slice(0, i), rest.slice(i + 1)];
}

/**
 * The form two names are compared in: equal for names people would read as the same. NFKC
 * (fullwidth and compatibility forms become plain letters), case folded, then the Unicode
 * TR39 confusable skeleton (Cyrillic `о` and Latin `o`, `0` and `O`, `rn` and `m` meet), folded
 * again because the skeleton's prototypes are mixed case. Only for comparison: a name is shown
 * as its user typed it.
 */
export function nameSkeleton(name: string): string {
	const folded = fold(name.normalize('NFKC'));
	return fold(unhomoglyph(folded.normalize('NFD')).normalize('NFD')).normalize('NFC');
}

/** Full case folding as JavaScript offers it: upper then lower turns `ß` into `ss` as folding does. */
function fold(text: string): string {
	return text.toUpperCase().toLowerCase();
}
