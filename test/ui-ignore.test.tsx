// /ignore and /unignore in the window: what NAME says (in rooms and as direct messages) is hidden
// from then on, /ignore alone lists the names, and the list is what the front end saved.
import {afterEach, test} from 'node:test';
import assert from 'node:assert/strict';
import {cleanup, render} from 'ink-testing-library';
import {App} from '../source/ui/app.js';
import {createIgnoreList} from '../source/commands/ignore-list.js';
import {helpLines} from '../source/ui/help.js';
import {complete} from '../source/ui/input/complete.js';
import {FakeClient} from './helpers/fake-client.js';
import {until} from './helpers/app-screen.js';

afterEach(() => cleanup());

const tick = () => new Promise(resolve => setTimeout(resolve, 5));

async function open(initial: string[] = []) {
	const client = new FakeClient('ana');
	const saved: string[][] = [];
	const ignores = createIgnoreList(initial, names => {
		saved.push([...names]);
		return undefined;
	});
	const screen = render(<App client={client} serverUrl="ws://test:1" columns={110} rows={24} frameMs={0} idleMs={0} ignores={ignores} />);
	client.joined('general', ['ana', 'bo', 'cy']);
	await until(screen, 'you joined general');
	const run = async (line: string): Promise<void> => {
		screen.stdin.write(line);
		await tick();
		screen.stdin.write('\r');
		await tick();
	};
	return {screen, client, saved, run};
}

test('/ignore NAME hides their room messages and direct messages from then on; /unignore shows them again', async () => {
	const {screen, client, saved, run} = await open();
	client.message('general', 'bo', 'before the ignore', 1);
	await until(screen, 'before the ignore');
	await run('/ignore bo');
	await until(screen, 'ignoring bo: their messages and direct messages are hidden');
	assert.deepEqual(saved, [['bo']]);
	client.message('general', 'bo', 'bo-spam-in-room', 2);
	client.message('@bo', 'bo', 'bo-spam-privately', 1);
	client.message('general', 'cy', 'cy still speaks', 3);
	const frame = await until(screen, 'cy still speaks');
	assert.doesNotMatch(frame, /bo-spam/);
	assert.doesNotMatch(frame.split('\n')[0]!, /@bo/, 'no tab opened for the hidden direct message');
	// A look-alike of the name counts as the same person.
	client.message('general', 'BO', 'shouted-spam', 4);
	client.message('general', 'cy', 'after the shout', 5);
	assert.doesNotMatch(await until(screen, 'after the shout'), /shouted-spam/);
	await run('/ignore');
	await until(screen, 'you ignore bo');
	await run('/unignore bo');
	await until(screen, "bo's messages show again");
	assert.deepEqual(saved, [['bo'], []]);
	client.message('general', 'bo', 'bo is back in view', 6);
	await until(screen, 'bo is back in view');
});

test('/ignore refuses yourself, says when a name is already ignored, and /unignore of a stranger is refused', async () => {
	const {screen, saved, run} = await open(['cy']);
	await run('/ignore');
	await until(screen, 'you ignore cy');
	await run('/ignore ana');
	await until(screen, 'that is you: you cannot ignore yourself');
	await run('/ignore cy');
	await until(screen, 'you already ignore cy');
	await run('/unignore bo');
	await until(screen, 'you do not ignore bo');
	await run('/ignore two names');
	await until(screen, 'one name at a time — usage: /ignore [NAME]');
	assert.deepEqual(saved, [], 'nothing changed, nothing saved');
});

test('a list that cannot be saved still applies, and says why it was not kept', async () => {
	const client = new FakeClient('ana');
	const ignores = createIgnoreList([], () => 'could not save the ignore list in /ro/config.json: EROFS');
	const screen = render(<App client={client} serverUrl="ws://test:1" columns={110} rows={20} frameMs={0} idleMs={0} ignores={ignores} />);
	client.joined('general', ['ana', 'bo']);
	await until(screen, 'you joined general');
	screen.stdin.write('/ignore bo');
	await tick();
	screen.stdin.write('\r');
	await until(screen, 'could not save the ignore list in /ro/config.json: EROFS');
	client.message('general', 'bo', 'hidden anyway', 1);
	client.message('general', 'ana', 'mine shows', 2);
	assert.doesNotMatch(await until(screen, 'mine shows'), /hidden anyway/);
});

test('/ignore and /unignore are in /help and complete with Tab, their argument as a name', () => {
	const help = helpLines().join('\n');
	assert.match(help, /\/ignore \[NAME\] +hide NAME's messages/);
	assert.match(help, /\/unignore NAME +show NAME's messages again/);
	assert.deepEqual(complete('/ign', {rooms: [], users: []})?.candidates, ['/ignore ']);
	assert.deepEqual(complete('/unig', {rooms: [], users: []})?.candidates, ['/unignore ']);
	assert.deepEqual(complete('/ignore b', {rooms: ['general'], users: ['bo', 'cy']})?.candidates, ['@bo ']);
});
