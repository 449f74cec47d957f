/**
 * natter's config file: `$XDG_CONFIG_HOME/natter/config.json` (default
 * `~/.config/natter/config.json`), or the file NATTER_CONFIG or `--config FILE` names. Read once
 * at start; flags override what it says. Parsed with jsonc-parser, which keeps every value's
 * offset, so a mistake is reported as one sentence naming its line and key; comments and
 * trailing commas are allowed (people annotate config files), and /ignore edits the file in
 * place without losing them.
 */
import {mkdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs';
import {homedir} from 'node:os';
import {dirname, join} from 'node:path';
import {applyEdits, modify, parseTree, printParseErrorCode, type Node, type ParseError} from 'jsonc-parser';
import {configDirectory} from '../client/file-keyring.js';
import {checkRoomName, checkUserName} from '../protocol/names.js';
import {checkUrl} from './check-url.js';

/** How `--notify` and the `notify` key ring: the bell, a desktop notification (OSC 777 and 9), both, or nothing. */
export type NotifyMode = 'bell' | 'osc' | 'both' | 'off';
export const NOTIFY_MODES: readonly NotifyMode[] = ['bell', 'osc', 'both', 'off'];

/** The colours a name may be given (Ink's colour names). */
export const NAME_COLOURS = [
	'black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white', 'gray', 'grey',
	'blackBright', 'redBright', 'greenBright', 'yellowBright', 'blueBright', 'magentaBright', 'cyanBright', 'whiteBright',
] as const;

/** The time formats the message pane knows. */
export const TIMESTAMP_FORMATS = ['HH:mm', 'HH:mm:ss'] as const;

/** What a config file may say; every key is optional. */
export type Config = {
	name?: string;
	urls?: string[];
	rooms?: string[];
	notify?: NotifyMode;
	logDir?: string;
	ignore?: string[];
	colours?: Record<string, (typeof NAME_COLOURS)[number]> | undefined;
	timestamp?: (typeof TIMESTAMP_FORMATS)[number] | undefined;
};

/** The file read, whether it was there, and what it says. */
export type LoadedConfig = {path: string; config: Config};

/**
 * Which file to read: `--config FILE`, else NATTER_CONFIG, else the XDG default. `explicit` is
 * true when the user named it (a missing file is then an error, not an empty config).
 */
export function configPath(flag: string | undefined, env: NodeJS.ProcessEnv): {path: string; explicit: boolean} {
	if (flag !== undefined) return {path: flag, explicit: true};
	if (env.NATTER_CONFIG) return {path: env.NATTER_CONFIG, explicit: true};
	return {path: join(configDirectory(), 'config.json'), explicit: false};
}

/**
 * Read and check a config file. A default file that does not exist is an empty config; any
 * other problem is one sentence (`~/.config/natter/config.json line 4: "rooms" must be a list
 * of room names`). Never throws.
 */
export function loadConfig(path: string, explicit: boolean): {ok: true; loaded: LoadedConfig} | {ok: false; error: string} {
	let text: string;
	try {
		text = readFileSync(path, 'utf8');
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'ENOENT' && !explicit) return {ok: true, loaded: {path, config: {}}};
		return {ok: false, error: `cannot read the config file ${shown(path)}: ${code === 'ENOENT' ? 'there is no such file' : (error as Error).message}`};
	}
	const checked = checkConfig(text);
	if (typeof checked === 'string') return {ok: false, error: `${shown(path)} ${checked}`};
	return {ok: true, loaded: {path, config: checked}};
}

/** The config `text` says, or `line N: why` for the first mistake in it. */
export function checkConfig(text: string): Config | string {
	// An empty file (or one holding only comments) says nothing yet: that is allowed.
	if (text.replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g, '').trim() === '') return {};
	const errors: ParseError[] = [];
	const root = parseTree(text, errors, {allowTrailingComma: true, disallowComments: false});
	if (errors.length > 0) {
		const first = errors[0]!;
		return `line ${lineOf(text, first.offset)}: this is not valid JSON (${describeParseError(printParseErrorCode(first.error))})`;
	}
	if (root === undefined) return {};
	if (root.type !== 'object') return `line ${lineOf(text, root.offset)}: the file must hold one JSON object, like {"name": "ana"}`;
	const config: Config = {};
	for (const property of root.children ?? []) {
		const [keyNode, valueNode] = property.children ?? [];
		if (keyNode === undefined || valueNode === undefined) continue;
		const key = String(keyNode.value);
		const wrong = (why: string, node: Node = valueNode): string => `line ${lineOf(text, node.offset)}: ${JSON.stringify(key)} ${why}`;
		const value: unknown = nodeValue(valueNode);
		switch (key) {
			case 'name': {
				if (typeof value !== 'string') return wrong('must be a name in quotes, like "ana"');
				const why = checkUserName(value);
				if (why) return wrong(`is not a usable name: ${why}`);
				config.name = value;
				break;
			}
			case 'urls': {
				if (!isStringList(value) || value.length === 0) return wrong('must be a list of broker URLs, like ["ws://chat.example.com:8080"]');
				for (const [i, url] of value.entries()) {
					try {
						checkUrl(url);
					} catch (error) {
						return wrong(`has ${(error as Error).message.replace(/^--url /, '')}`, valueNode.children![i]);
					}
				}
				config.urls = value;
				break;
			}
			case 'rooms': {
				if (!isStringList(value)) return wrong('must be a list of room names');
				for (const [i, room] of value.entries()) {
					const why = checkRoomName(room);
					if (why) return wrong(`has ${JSON.stringify(room)}, which is not a room name: ${why}`, valueNode.children![i]);
				}
				config.rooms = value;
				break;
			}
			case 'notify':
				if (typeof value !== 'string' || !(NOTIFY_MODES as readonly string[]).includes(value)) return wrong(`must be one of ${NOTIFY_MODES.map(m => `"${m}"`).join(', ')}`);
				config.notify = value as NotifyMode;
				break;
			case 'logDir':
				if (typeof value !== 'string' || value.trim() === '') return wrong('must be the path of a directory, like "~/natter-logs"');
				config.logDir = expandHome(value);
				break;
			case 'ignore': {
				if (!isStringList(value)) return wrong('must be a list of names');
				for (const [i, name] of value.entries()) {
					const why = checkUserName(name);
					if (why) return wrong(`has ${JSON.stringify(name)}, which is not a name: ${why}`, valueNode.children![i]);
				}
				config.ignore = value;
				break;
			}
			case 'colours': {
				if (typeof value !== 'object' || value === null || Array.isArray(value)) return wrong('must map names to colours, like {"bo": "green"}');
				for (const child of valueNode.children ?? []) {
					const colour = nodeValue(child.children![1]!);
					if (typeof colour !== 'string' || !(NAME_COLOURS as readonly string[]).includes(colour)) {
						return wrong(`gives ${JSON.stringify(String(child.children![0]!.value))} the colour ${JSON.stringify(colour)}; use one of ${NAME_COLOURS.join(', ')}`, child);
					}
				}
				config.colours = value as Config['colours'];
				break;
			}
			case 'timestamp':
				if (typeof value !== 'string' || !(TIMESTAMP_FORMATS as readonly string[]).includes(value)) return wrong(`must be ${TIMESTAMP_FORMATS.map(f => `"${f}"`).join(' or ')}`);
				config.timestamp = value as Config['timestamp'];
				break;
			default: {
				const known = ['name', 'urls', 'rooms', 'notify', 'logDir', 'ignore', 'colours', 'timestamp'];
				return `line ${lineOf(text, keyNode.offset)}: ${JSON.stringify(key)} is not a natter setting; the settings are ${known.join(', ')}`;
			}
		}
	}
	return config;
}

/**
 * Set the `ignore` list in the config file at `path`, keeping the rest of the file (comments
 * included) as it was; the file is written whole and renamed, so a crash never leaves half of
 * it. Returns why it could not, or undefined.
 */
export function saveIgnoreList(path: string, names: readonly string[]): string | undefined {
	try {
		let text = '{}\n';
		try {
			text = readFileSync(path, 'utf8');
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
		}
		if (text.trim() === '') text = '{}\n';
		const edits = modify(text, ['ignore'], [...names], {formattingOptions: {insertSpaces: false, tabSize: 1, eol: '\n'}});
		mkdirSync(dirname(path), {recursive: true, mode: 0o700});
		const temporary = `${path}.${process.pid}.tmp`;
		writeFileSync(temporary, applyEdits(text, edits));
		renameSync(temporary, path);
		return undefined;
	} catch (error) {
		return `could not save the ignore list in ${shown(path)}: ${(error as Error).message}`;
	}
}

function nodeValue(node: Node): unknown {
	if (node.type === 'array') return (node.children ?? []).map(nodeValue);
	if (node.type === 'object') {
		const out: Record<string, unknown> = {};
		for (const property of node.children ?? []) out[String(property.children![0]!.value)] = nodeValue(property.children![1]!);
		return out;
	}
	return node.value;
}

function isStringList(value: unknown): value is string[] {
	return Array.isArray(value) && value.every(item => typeof item === 'string');
}

/** The 1-based line of a character offset. */
function lineOf(text: string, offset: number): number {
	let line = 1;
	for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
	return line;
}

function describeParseError(code: string): string {
	// jsonc-parser's codes read as words once split: "CommaExpected" → "comma expected".
	return code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

/** `~/x` is the home directory's x: JSON has no shell to expand it. */
function expandHome(path: string): string {
	return path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
}

/** A path as the user would write it: the home directory as ~. */
export function shown(path: string): string {
	const home = homedir();
	return home !== '' && path.startsWith(`${home}/`) ? `~${path.slice(home.length)}` : path;
}
