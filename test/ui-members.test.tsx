// The member panel shows who is here: someone who left lingers dimmed for a minute, then goes, so a
// bot that connects every minute does not fill the panel (or the state) with departed names.
import {afterEach, test} from 'node:test';
import assert from 'node:assert/strict';
import {cleanup, render} from 'ink-testing-library';
import type {ClientEvent} from '../source/client/types.js';
import {PresencePanel} from '../source/ui/components/presence-panel.js';
import {initialChatState, reduce} from '../source/ui/state/reduce.js';
import {findRoom} from '../source/ui/state/room.js';
import {DEPARTED_LINGER_MS, type ChatState} from '../source/ui/state/types.js';

afterEach(() => cleanup());

const T = Date.UTC(2026, 11, 2, 12, 0);
const start = (): ChatState => initialChatState({me: 'ana', connection: {state: 'online', url: 'ws://x', rtt: 1}});
const presence = (userId: string, action: 'join' | 'leave'): ClientEvent => ({type: 'presence', room: 'general', userId, action, status: 'online', timestamp: T});
const joined = (members: string[]): ClientEvent => ({type: 'joined', room: 'general', epoch: 'e', sequence: 0, members: members.map(userId => ({userId, status: 'online' as const})), resumed: false});

function panel(state: ChatState, now: number): string {
	const {lastFrame, unmount} = render(<PresencePanel room={findRoom(state, 'general')} me="ana" width={24} height={12} now={now} />);
	const frame = lastFrame() ?? '';
	unmount();
	return frame;
}

test('someone who left stays dimmed in the panel for a minute, then is no longer listed', () => {
	let s = reduce(start(), joined(['ana', 'bo', 'dave']), T);
	s = reduce(s, presence('dave', 'leave'), T);
	const justLeft = panel(s, T + 1000);
	assert.match(justLeft, /○ dave/, 'still shown right after leaving');
	assert.match(justLeft, /2 online/);
	assert.match(panel(s, T + DEPARTED_LINGER_MS - 1), /○ dave/);
	const later = panel(s, T + DEPARTED_LINGER_MS);
	assert.doesNotMatch(later, /dave/);
	assert.match(later, /● bo/);
	assert.match(later, /2 online/);
});

test('who comes back is listed as here again, not twice', () => {
	let s = reduce(start(), joined(['ana', 'dave']), T);
	s = reduce(s, presence('dave', 'leave'), T);
	s = reduce(s, presence('dave', 'join'), T + 5000);
	const frame = panel(s, T + 5000);
	assert.match(frame, /● dave/);
	assert.equal(frame.match(/dave/g)?.length, 1);
});

test('a bot that connects every minute leaves one name at most, in the panel and in memory', () => {
	let s = reduce(start(), joined(['ana']), T);
	for (let minute = 0; minute < 50; minute++) {
		const at = T + minute * 60_000;
		s = reduce(s, presence(`bot${minute}`, 'join'), at);
		s = reduce(s, presence(`bot${minute}`, 'leave'), at + 1000);
	}
	const members = findRoom(s, 'general')!.members;
	assert.ok(members.length <= 3, `the state holds ${members.length} members`);
	const frame = panel(s, T + 50 * 60_000);
	assert.doesNotMatch(frame, /bot4[0-8]\b/);
	assert.doesNotMatch(frame, /more/);
});

test("a fresh member list from the broker keeps a recent leave and drops an old one", () => {
	let s = reduce(start(), joined(['ana', 'bo', 'cy']), T);
	s = reduce(s, presence('bo', 'leave'), T);
	s = reduce(s, presence('cy', 'leave'), T + DEPARTED_LINGER_MS);
	s = reduce(s, {type: 'members', room: 'general', members: [{userId: 'ana', status: 'online'}]}, T + DEPARTED_LINGER_MS + 1);
	assert.deepEqual(findRoom(s, 'general')!.members.map(m => `${m.userId}:${m.status}`), ['ana:online', 'cy:offline']);
});
