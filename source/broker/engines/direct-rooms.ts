/**
 * Which direct conversations each user received messages in, so a user who connects can be told
 * of those holding messages after their acknowledged position (`welcome.unread`), including
 * conversations they never joined. Only the engine keys are kept (`#dm:a:b`), never messages;
 * the room's sequence and the user's cursor say whether anything is unread.
 */
export type DirectRoomIndex = {
	/** `userId` received a message in the conversation `key` at `at` (ms): keep it among their MAX_DIRECT_ROOMS most recent. */
	note(userId: string, key: string, at: number): Promise<void>;
	/** The conversations `userId` received messages in, most recent first (at most MAX_DIRECT_ROOMS). */
	list(userId: string): Promise<string[]>;
};

/** The most direct conversations remembered per user; older ones are forgotten (the user can still /join them). */
export const MAX_DIRECT_ROOMS = 100;

/** The memory engine's index: per user, keys in the order of their latest message (a Map keeps insertion order). */
export function memoryDirectRooms(): DirectRoomIndex {
	const byUser = new Map<string, Map<string, number>>();
	return {
		async note(userId, key, at) {
			let keys = byUser.get(userId);
			if (!keys) {
				keys = new Map();
				byUser.set(userId, keys);
			}
			keys.delete(key);
			keys.set(key, at);
			if (keys.size > MAX_DIRECT_ROOMS) keys.delete(keys.keys().next().value!);
		},
		async list(userId) {
			return [...(byUser.get(userId)?.keys() ?? [])].reverse();
		},
	};
}
