/** The room and clientId of a frame refused unread (rate limit), when it is a readable publish. */
export function refusedRef(data: Buffer, isBinary: boolean): {room?: string; clientId?: string} {
	if (isBinary) return {};
	try {
		const frame = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
		return {
			...(typeof frame.room === 'string' && frame.room.length <= 64 ? {room: frame.room} : {}),
			...(typeof frame.clientId === 'string' && frame.clientId.length <= 64 ? {clientId: frame.clientId} : {}),
		};
	} catch {
		return {};
	}
}

/** `value[key]` as `{[key]: value}` when it is a string (a bad frame's room, clientId or id, to name in the error); else {}. */
export function pick<T extends object, K extends string>(value: T, key: K): {[P in K]?: string} {
	const v = (value as Record<string, unknown>)[key];
	return typeof v === 'string' ? ({[key]: v} as {[P in K]?: string}) : {};
}
