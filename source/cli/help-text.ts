import wrapAnsi from 'wrap-ansi';
import {defaultPhrase, flagWithValue, setting, SETTING_KEYS, type SettingGroup, type SettingKey} from './settings.js';

/** The widest a line of `natter --help` may be, meow's indent of 2 included. */
export const HELP_WIDTH = 80;

// meow indents the whole text by 2; the flag column is this wide before the text starts.
const MEOW_INDENT = 2;
const FLAG_COLUMN = 23;

const USAGE = [
	['natter --serve [--name NAME]', 'host a room here and chat in it'],
	['natter --url ws://HOST:PORT', "join someone else's broker"],
	['natter --serve --headless', 'run only the broker (a server)'],
	['natter token --secret S --name NAME', 'print a login token (see --secret)'],
	['natter token --new-secret', 'print a random secret'],
] as const;

const SECTIONS: ReadonlyArray<[string, SettingGroup]> = [
	['Client', 'client'],
	['Broker (with --serve)', 'broker'],
	['Security (with --serve)', 'security'],
];

const EXAMPLES = [
	'$ natter --serve --name ana',
	'$ natter --url ws://ana-laptop --name bo --room general   (no port: 8080)',
	'$ natter --serve --headless --port 0',
	'$ echo "build 142 passed" |',
	'    natter --url ws://ci:8080 --name bot --room builds --json',
	'$ NATTER_SECRET=$(openssl rand -hex 32) natter --serve --headless',
	'$ natter --url ws://chat:8080 --token "$(natter token --name ana --ttl 7d)"',
];

/**
 * The text of `natter --help`, from the settings table: every flag with its help line and
 * default, each line at most HELP_WIDTH columns once meow has indented it (test/cli-settings.test.ts
 * checks the real output). `natter token`'s flags have their own section.
 */
export function helpText(): string {
	const width = HELP_WIDTH - MEOW_INDENT;
	const lines: string[] = [
		...wrap('A terminal chat with its own pub/sub broker inside: topic rooms, content routing, presence and ordered, gap-free delivery.', width, ''),
		'',
		'Usage',
		...USAGE.map(([command, what]) => `  $ ${command.padEnd(36)} ${what}`),
	];
	for (const [title, group] of SECTIONS) {
		lines.push('', title, ...SETTING_KEYS.filter(key => setting(key).group === group).flatMap(key => flagLines(key, setting(key).help, width)));
	}
	const tokenFlags = SETTING_KEYS.filter(key => setting(key).tokenHelp !== undefined || setting(key).group === 'token');
	lines.push('', 'Tokens (natter token)', ...tokenFlags.flatMap(key => flagLines(key, setting(key).tokenHelp ?? setting(key).help, width, true)));
	lines.push('', 'Other', ...flagLines(undefined, 'this text', width, false, '--help'), ...flagLines(undefined, "natter's version", width, false, '--version'));
	lines.push('', 'Examples', ...EXAMPLES.map(line => `  ${line}`));
	return lines.join('\n');
}

/** One flag's lines: the flag in its column, then its help and default, wrapped under the text. */
function flagLines(key: SettingKey | undefined, help: string, width: number, tokenSection = false, flag = key === undefined ? '' : flagWithValue(key)): string[] {
	// Under `natter token` the defaults are the subcommand's own (NATTER_SECRET, 24h), not the chat's.
	const phrase = key === undefined ? undefined : tokenSection ? tokenDefault(key) : defaultPhrase(key);
	const text = phrase === undefined ? help : `${help} (${phrase})`;
	const indent = ' '.repeat(FLAG_COLUMN + 2);
	const head = `  ${flag}`;
	// A flag wider than its column gets the text on the next line, rather than pushing it right.
	if (head.length >= FLAG_COLUMN + 1) return [head, ...wrap(text, width, indent)];
	const [first = '', ...rest] = wrap(text, width, indent);
	return [`${head.padEnd(FLAG_COLUMN + 2)}${first.slice(indent.length)}`, ...rest];
}

function tokenDefault(key: SettingKey): string | undefined {
	return key === 'name' ? undefined : defaultPhrase(key);
}

/** `text` word-wrapped to `width` columns, every line starting with `indent`. */
function wrap(text: string, width: number, indent: string): string[] {
	return wrapAnsi(text, width - indent.length, {hard: true, trim: true})
		.split('\n')
		.map(line => `${indent}${line}`);
}
