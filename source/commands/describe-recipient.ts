/**
 * The sentence both interfaces say when a direct message was stored for someone with no
 * connection (PublishedFrame.recipient): `room` is the conversation (`@dave`).
 */
export function describeRecipient(room: string, recipient: 'offline' | 'unknown'): string {
	const name = room.startsWith('@') ? room.slice(1) : room;
	return recipient === 'offline'
		? `${name} is offline; they will get it when they connect`
		: `nobody named ${name} has been here; whoever connects as ${name} will get it (check the spelling)`;
}
