/**
 * A complete WebSocket text frame (server to client: FIN set, unmasked) around `payload`.
 * Fan-out frames a message once and writes the very same bytes to every subscriber's socket,
 * instead of ws encoding and framing it again for each one.
 */
export function textFrame(payload: string): Buffer {
	const length = Buffer.byteLength(payload);
	const head = length < 126 ? 2 : length < 65_536 ? 4 : 10;
	const frame = Buffer.allocUnsafe(head + length);
	frame[0] = 0x81;
	if (length < 126) frame[1] = length;
	else if (length < 65_536) {
		frame[1] = 126;
		frame.writeUInt16BE(length, 2);
	} else {
		frame[1] = 127;
		frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
		frame.writeUInt32BE(length >>> 0, 6);
	}
	frame.write(payload, head, 'utf8');
	return frame;
}

/** The payload of a frame made by textFrame. */
export function framePayload(frame: Buffer): Buffer {
	return frame.subarray(frame[1]! < 126 ? 2 : frame[1] === 126 ? 4 : 10);
}
