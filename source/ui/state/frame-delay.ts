/** How the chat window paces renders caused by client events. */
export type FramePacing = {
	/** Shortest time between two renders (ms): at most 25 a second by default. */
	frameMs: number;
	/** Shortest time between two renders while a flood lasts (ms). */
	floodFrameMs: number;
	/** A frame that applied at least this many events means a flood is on. */
	floodBatch: number;
};

export const DEFAULT_PACING: FramePacing = {frameMs: 40, floodFrameMs: 100, floodBatch: 60};

/**
 * How long to wait before applying the events queued since the last frame.
 *
 * The first event after a quiet spell shows at once; a burst waits for the next frame. While a
 * flood lasts (the last frame applied `floodBatch` events or more: 1,500 a second at 40 ms, a
 * pane rewritten every frame, faster than anyone reads), frames come at most every
 * `floodFrameMs`: each frame costs a layout and a redraw of the whole screen whatever it shows,
 * and the flood still moves on screen ten times a second. The last message of a flood is on
 * screen at most `floodFrameMs` after it arrives (bench: tui-flood).
 *
 * @param lastBatch events the previous frame applied
 * @param sinceLastFrame ms since the previous frame
 */
export function frameDelay(lastBatch: number, sinceLastFrame: number, pacing: FramePacing = DEFAULT_PACING): number {
	const interval = lastBatch >= pacing.floodBatch ? pacing.floodFrameMs : pacing.frameMs;
	return Math.max(0, interval - sinceLastFrame);
}
