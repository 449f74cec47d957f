// Render pacing: quiet rooms show at once, bursts wait for the next frame, floods get fewer frames.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {DEFAULT_PACING, frameDelay} from '../source/ui/state/frame-delay.js';

const pacing = {frameMs: 40, floodFrameMs: 100, floodBatch: 60};

test('the first event after a quiet spell is applied at once, whatever the last frame held', () => {
	assert.equal(frameDelay(1, 5000, pacing), 0);
	assert.equal(frameDelay(10_000, 5000, pacing), 0);
});

test('a burst waits for the rest of the frame interval since the last frame', () => {
	assert.equal(frameDelay(1, 0, pacing), 40);
	assert.equal(frameDelay(59, 15, pacing), 25);
});

test('after a frame that applied a flood, the next frame waits for the flood interval', () => {
	assert.equal(frameDelay(60, 0, pacing), 100);
	assert.equal(frameDelay(800, 30, pacing), 70);
	assert.equal(frameDelay(800, 100, pacing), 0);
});

test('the defaults render at most 25 frames a second, and 10 during a flood', () => {
	assert.equal(1000 / frameDelay(1, 0), 25);
	assert.equal(1000 / frameDelay(DEFAULT_PACING.floodBatch, 0), 10);
});
