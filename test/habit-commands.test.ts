// The commands people type from habit (WeeChat, irssi): how each line parses and what it asks
// of the client, the same for the window and --json.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {NATTER_DIALECT} from '../source/client/dialect.js';
import {parseCommand, type Command} from '../source/commands/parse-command.js';
import {planCommand, type PlanContext} from '../source/commands/plan-command.js';
import {complete} from '../source/ui/input/complete.js';

const parse = (line: string, activeRoom: string | null = 'general'): Command => parseCommand(line, {activeRoom: activeRoom ?? undefined});
const context = (rooms: Record<string, {subscribed: boolean; direct: boolean}> = {}): PlanContext => ({
	me: 'ana',
	dialect: NATTER_DIALECT,
	online: true,
	room: name => (rooms[name] ? {...rooms[name], joined: true, filter: undefined} : undefined),
});
const errorOf = (command: Command): string => {
	assert.equal(command.type, 'error', JSON.stringify(command));
	return (command as {message: string}).message;
};

test('/me publishes the action to the tab with the action marker in data', () => {
	const command = parse('/me waves  at bo');
	assert.deepEqual(command, {type: 'me', room: 'general', text: 'waves  at bo'});
	assert.deepEqual(planCommand(command, context()), [{type: 'call', call: {call: 'publish', room: 'general', text: 'waves  at bo', data: {action: true}}}]);
	assert.match(errorOf(parse('/me')), /what do you do\?.*usage: \/me ACTION/);
	assert.match(errorOf(parse('/me waves', null)), /no room/);
});

test('/query @USER opens the conversation and sends nothing; with text it is /msg; yourself is refused', () => {
	assert.deepEqual(parse('/query @bo'), {type: 'query', user: 'bo'});
	assert.deepEqual(parse('/query bo'), {type: 'query', user: 'bo'});
	assert.deepEqual(planCommand(parse('/query @bo'), context()), [{type: 'open', room: '@bo'}]);
	assert.deepEqual(parse('/query @bo hi there'), {type: 'msg', user: 'bo', text: 'hi there'});
	assert.match((planCommand(parse('/query @ana'), context())[0] as {text: string}).text, /that is you/);
	assert.match(errorOf(parse('/query')), /with whom\?/);
	assert.match(errorOf(parse('/query @b\u0007o')), /usage: \/query @USER/);
});

test('/close leaves a joined room and hides a direct conversation; a tab that is not open is refused', () => {
	const rooms = {general: {subscribed: true, direct: false}, '@bo': {subscribed: false, direct: true}};
	assert.deepEqual(planCommand(parse('/close'), context(rooms)), [{type: 'call', call: {call: 'leave', room: 'general'}}]);
	assert.deepEqual(planCommand(parse('/close @bo'), context(rooms)), [{type: 'close', room: '@bo'}]);
	assert.deepEqual(planCommand(parse('/close', '@bo'), context(rooms)), [{type: 'close', room: '@bo'}]);
	assert.match((planCommand(parse('/close ops'), context(rooms))[0] as {text: string}).text, /no tab ops is open/);
	assert.match(errorOf(parse('/close a b')), /one tab at most/);
});

test('/search, /clear and /set change only the window: view steps, with their values checked', () => {
	assert.deepEqual(planCommand(parse('/search deploy failed'), context()), [{type: 'view', change: {change: 'search', room: 'general', text: 'deploy failed'}}]);
	assert.deepEqual(planCommand(parse('/search'), context()), [{type: 'view', change: {change: 'search', room: 'general'}}]);
	assert.deepEqual(planCommand(parse('/clear'), context()), [{type: 'view', change: {change: 'clear', room: 'general'}}]);
	assert.match(errorOf(parse('/clear everything')), /takes no arguments/);
	assert.deepEqual(parse('/set timestamp HH:mm:ss'), {type: 'set', setting: 'timestamp', value: 'HH:mm:ss'});
	assert.deepEqual(parse('/set members 12'), {type: 'set', setting: 'members', value: '12'});
	assert.deepEqual(parse('/set Members OFF'), {type: 'set', setting: 'members', value: 'off'});
	assert.match(errorOf(parse('/set timestamp hh:mm')), /timestamp is HH:mm or HH:mm:ss, not "hh:mm"/);
	assert.match(errorOf(parse('/set members 4')), /width from 12 to 40/);
	assert.match(errorOf(parse('/set colour red')), /there is no setting "colour"; settings: timestamp/);
	assert.match(errorOf(parse('/set timestamp')), /which setting, and to what\?/);
});

test('Tab completes the new commands, a user after /query and a tab after /close', () => {
	const sources = {rooms: ['general', '@bo'], users: ['bo', 'cy']};
	assert.deepEqual(complete('/qu', sources)?.candidates, ['/query ', '/quit ']);
	assert.deepEqual(complete('/se', sources)?.candidates, ['/search ', '/set ']);
	assert.deepEqual(complete('/m', sources)?.candidates, ['/me ', '/msg ']);
	assert.deepEqual(complete('/cl', sources)?.candidates, ['/clear ', '/clear_history ', '/close ']);
	assert.deepEqual(complete('/query c', sources)?.candidates, ['@cy ']);
	assert.deepEqual(complete('/close ge', sources)?.candidates, ['general ']);
});
