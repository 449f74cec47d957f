// RoomSync, the client core's per-room ordering: its gap repair must never leave a hole waiting
// for nothing. Driven directly (it is a plain class; its host records what it asks for).
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {setTimeout as sleep} from 'node:timers/promises';
import type {ChatMessage, HistoryFrame, SubscribedFrame} from '../source/protocol/messages.js';
import {RoomSync, type RoomSyncHost} from '../source/client/room-sync.js';
import {until} from './helpers/until.js';

const GAP_MS = 30;

function message(sequence: number): ChatMessage {
	return {id: `m${sequence}`, room: 'r', sender: 'ana', content: `m${sequence}`, sequence, timestamp: 0};
}

function subscribed(epoch: string): SubscribedFrame {
	return {type: 'subscribed', room: 'r', sequence: 0, epoch, since: 0, first: 1, lost: 0, members: []};
}

function page(epoch: string, since: number, messages: ChatMessage[]): HistoryFrame {
	return {type: 'history', room: 'r', epoch, since, messages};
}

function recorder(): RoomSyncHost & {fills: Array<{since: number; epoch: string | undefined}>; shown: number[]} {
	const fills: Array<{since: number; epoch: string | undefined}> = [];
	const shown: number[] = [];
	return {
		fills,
		shown,
		deliver(_room, outputs) {
			for (const output of outputs) if (output.type === 'message') shown.push(output.message.sequence);
		},
		requestFill(_room, since, _limit, epoch) {
			fills.push({since, epoch});
		},
		delivered() {},
	};
}

test('a hole in a new epoch is still repaired when a fill for the old epoch was in flight at the clear', async () => {
	const host = recorder();
	const sync = new RoomSync('r', host, 100, GAP_MS);
	sync.onSubscribed(subscribed('A'), true);
	sync.onMessage(message(1));
	sync.onMessage(message(3)); // 2 is missing
	await until(() => host.fills.length === 1, 2000);
	assert.deepEqual(host.fills[0], {since: 1, epoch: 'A'});

	sync.onCleared('B'); // history cleared while that fill is in flight
	sync.onMessage(message(1));
	sync.onMessage(message(3)); // a hole in epoch B
	sync.onFill(page('A', 1, [message(2)])); // the old epoch's answer: dropped
	await until(() => host.fills.length === 2, 2000, 'a fill for the new hole');
	assert.deepEqual(host.fills[1], {since: 1, epoch: 'B'});
	sync.onFill(page('B', 1, [message(2)]));
	assert.deepEqual(host.shown, [1, 1, 2, 3]);
	sync.dispose();
});

test('a fill answered in another epoch leaves the hole of the current one armed, not stuck', async () => {
	const host = recorder();
	const sync = new RoomSync('r', host, 100, GAP_MS);
	sync.onSubscribed(subscribed('A'), true);
	sync.onMessage(message(1));
	sync.onMessage(message(3));
	await until(() => host.fills.length === 1, 2000);
	sync.onFill(page('Z', 1, [])); // a page from an epoch this room is not in
	await until(() => host.fills.length === 2, 2000, 'the hole to be asked for again');
	await sleep(GAP_MS * 3);
	sync.onFill(page('A', 1, [message(2)]));
	assert.deepEqual(host.shown, [1, 2, 3]);
	sync.dispose();
});
