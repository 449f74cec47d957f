import {test} from 'node:test';
import assert from 'node:assert/strict';
import {COMMANDS, findCommand, suggestCommand} from '../source/commands/commands.js';
import {parseCommand, type Command, type CommandContext} from '../source/commands/parse-command.js';

const inGeneral: CommandContext = {activeRoom: 'general'};
const nowhere: CommandContext = {activeRoom: undefined};
const parse = (line: string, context = inGeneral): Command => parseCommand(line, context);

function error(command: Command): string {
	assert.equal(command.type, 'error', `expected an error, got ${JSON.stringify(command)}`);
	return (command as {message: string}).message;
}

test('plain text is said in the active room, kept exactly as typed', () => {
	assert.deepEqual(parse('hello  there '), {type: 'say', room: 'general', text: 'hello  there '});
	assert.deepEqual(parse('line one\nline two'), {type: 'say', room: 'general', text: 'line one\nline two'});
});

test('in an @user tab plain text is a direct message: a say to room @user', () => {
	assert.deepEqual(parse('psst', {activeRoom: '@bo'}), {type: 'say', room: '@bo', text: 'psst'});
});

test('//text says text that starts with a slash', () => {
	assert.deepEqual(parse('//shrug'), {type: 'say', room: 'general', text: '/shrug'});
});

test('plain text with no room open explains how to get into one', () => {
	assert.match(error(parse('hello', nowhere)), /no room.*\/join/);
});

test('blank lines and a lone slash are explained, not sent', () => {
	assert.match(error(parse('   ')), /nothing to send/);
	assert.match(error(parse('/')), /lone \/ is not a command/);
});

test('/join takes exactly one valid room name', () => {
	assert.deepEqual(parse('/join ops'), {type: 'join', room: 'ops'});
	assert.deepEqual(parse('/j  ops '), {type: 'join', room: 'ops'});
	assert.deepEqual(parse('/JOIN ops'), {type: 'join', room: 'ops'});
	assert.match(error(parse('/join')), /which room\? — usage: \/join ROOM/);
	assert.match(error(parse('/join two words')), /no spaces/);
	assert.match(error(parse('/join a\u202eb')), /bidi/);
	assert.match(error(parse(`/join ${'x'.repeat(65)}`)), /longer than 64/);
});

test('/leave defaults to the active room and accepts another', () => {
	assert.deepEqual(parse('/leave'), {type: 'leave', room: 'general'});
	assert.deepEqual(parse('/part ops'), {type: 'leave', room: 'ops'});
	assert.match(error(parse('/leave', nowhere)), /no room/);
	assert.match(error(parse('/leave a b')), /one room at most/);
});

test('/history defaults to 20 and takes a count from 1 to 1000', () => {
	assert.deepEqual(parse('/history'), {type: 'history', room: 'general', count: 20});
	assert.deepEqual(parse('/history 5'), {type: 'history', room: 'general', count: 5});
	assert.deepEqual(parse('/history 1000'), {type: 'history', room: 'general', count: 1000});
	for (const bad of ['0', '1001', '-3', 'ten', '2.5']) assert.match(error(parse(`/history ${bad}`)), /whole number from 1 to 1000/);
	assert.match(error(parse('/history', nowhere)), /no room/);
});

test('/msg takes a user (with or without @) and the rest of the line as text', () => {
	assert.deepEqual(parse('/msg @bo hi there  you'), {type: 'msg', user: 'bo', text: 'hi there  you'});
	assert.deepEqual(parse('/msg bo hi'), {type: 'msg', user: 'bo', text: 'hi'});
	assert.deepEqual(parse('/query @bo a\nb'), {type: 'msg', user: 'bo', text: 'a\nb'});
	assert.match(error(parse('/msg')), /to whom\?/);
	assert.match(error(parse('/msg @bo')), /what should it say/);
	assert.match(error(parse('/msg @b:o hi')), /":"/);
	assert.match(error(parse('/msg @#x hi')), /may not start with @ or #/);
});

test('/away takes an optional reason, /back and /quit take nothing', () => {
	assert.deepEqual(parse('/away'), {type: 'away'});
	assert.deepEqual(parse('/away  at lunch '), {type: 'away', reason: 'at lunch'});
	assert.deepEqual(parse('/back'), {type: 'back'});
	assert.deepEqual(parse('/quit'), {type: 'quit'});
	assert.deepEqual(parse('/exit'), {type: 'quit'});
	assert.match(error(parse('/back now')), /takes no arguments/);
	assert.match(error(parse('/quit please')), /takes no arguments/);
});

test('/who and /clear_history default to the active room', () => {
	assert.deepEqual(parse('/who'), {type: 'who', room: 'general'});
	assert.deepEqual(parse('/who ops'), {type: 'who', room: 'ops'});
	assert.deepEqual(parse('/clear_history'), {type: 'clear_history', room: 'general'});
	assert.deepEqual(parse('/clear-history ops'), {type: 'clear_history', room: 'ops'});
	assert.match(error(parse('/who', nowhere)), /no room/);
});

test('/filter shows, sets or removes the active room filter', () => {
	assert.deepEqual(parse('/filter'), {type: 'filter', room: 'general'});
	assert.deepEqual(parse('/filter off'), {type: 'filter', room: 'general', expr: 'off'});
	assert.deepEqual(parse('/filter data.level == "error" '), {type: 'filter', room: 'general', expr: 'data.level == "error"'});
	assert.match(error(parse('/filter x', nowhere)), /no room/);
});

test('/help lists everything or explains one command', () => {
	assert.deepEqual(parse('/help'), {type: 'help'});
	assert.deepEqual(parse('/help join'), {type: 'help', command: 'join'});
	assert.deepEqual(parse('/help /j'), {type: 'help', command: 'join'});
	assert.deepEqual(parse('/help keys'), {type: 'help', command: 'keys'});
	assert.match(error(parse('/help nope')), /no command "nope"/);
});

test('an unknown command gets a one-line explanation and a suggestion when one is close', () => {
	assert.equal(error(parse('/jion ops')), 'unknown command /jion — did you mean /join? Type /help for the list');
	assert.match(error(parse('/histroy')), /did you mean \/history\?/);
	assert.equal(error(parse('/xyzzy')), 'unknown command /xyzzy — type /help for the list');
	assert.doesNotMatch(error(parse('/zz')), /did you mean/);
});

test('COMMANDS has a one-line help for every command and the parser knows each name and alias', () => {
	for (const spec of COMMANDS) {
		assert.ok(spec.help.length > 0 && !spec.help.includes('\n'));
		for (const word of [spec.name, ...spec.aliases]) {
			assert.equal(findCommand(word), spec);
			assert.notEqual(parse(`/${word}`).type === 'error' && /unknown/.test(error(parse(`/${word}`))), true);
		}
	}
	assert.equal(suggestCommand('levae'), 'leave');
});
