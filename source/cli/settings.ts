/**
 * natter's command-line settings: the one table of every flag. From it come meow's flag specs
 * (`meowFlags`), the raw flags' type (`RawFlags`), the defaults and ranges parse-flags.ts checks,
 * `natter --help` (help-text.ts) and README's flags table (readme-flags.ts, `npm run docs:flags`;
 * test/cli-settings.test.ts fails when README's table differs from this one).
 *
 * To add a flag, add one entry below (its key is the camelCase of the flag: `logDir` is
 * `--log-dir`), in the group and at the place --help and README should list it, then:
 * - read it in parse-flags.ts (a broker's setting in serve-settings.ts): `integerSetting('key', …)`
 *   (integer-setting.ts) applies its default and range with
 *   the usual messages; other kinds read `flags.key` (typed from this table) and validate there;
 * - run `npm run docs:flags` to rewrite README's table.
 * Nothing else lists flags: meow's specs, the unknown-flag check and --help follow this table.
 *
 * Defaults the broker also uses come from BROKER_DEFAULTS and DEFAULT_ENGINE_OPTIONS, so a
 * default lives in one place; values here are in the flag's own units (seconds, bytes).
 *
 * Long on purpose (over 400 lines): it is the one table of every flag, and most of it is the
 * table's entries, each with its help line. Split by group it would be several lists to keep in
 * step, which is what one table is here to prevent.
 */
import {BROKER_DEFAULTS} from '../broker/broker-defaults.js';
import {DEFAULT_ENGINE_OPTIONS} from '../broker/engines/engine.js';

/** Where `--help` lists a flag; `token` flags belong to `natter token` only. */
export type SettingGroup = 'client' | 'broker' | 'security' | 'token';

/** One flag. */
export type Setting = {
	/** `integer` is typed as a string (meow hands numbers over as text so a bad one can be explained). */
	kind: 'boolean' | 'string' | 'integer' | 'list';
	group: SettingGroup;
	/** Placeholder for the value in --help and README (`--port PORT`); none for booleans. */
	value?: string;
	/** Environment variables read when the flag is not given, in order. */
	env?: readonly string[];
	/** The default, in the flag's units (not for booleans: they are off unless given). */
	default?: number | string;
	/** The default in words when there is no value to show (`none: rooms live in memory`). */
	shownDefault?: string;
	/** Integers: the accepted range, inclusive. */
	min?: number;
	max?: number;
	/** Integers in bytes: --help and README show the default as KiB/MiB/GiB too. */
	bytes?: boolean;
	/** The --help line, short: the default is appended, the line wrapped to 80 columns. */
	help: string;
	/** The --help line under `natter token`, for a flag the subcommand takes as well. */
	tokenHelp?: string;
	/** README's "what" (the default is appended) and "example" columns. */
	readme: {what: string; example: string};
};

const HOURS_24 = 24 * 3600;
const MiB = 1024 * 1024;

/** Every flag natter takes, in the order --help and README list them. */
export const SETTINGS = {
	url: {
		kind: 'list',
		group: 'client',
		value: 'URL',
		help: 'broker to join (no port: 8080); repeat for fallbacks',
		readme: {
			what: 'broker to join; repeat for fallbacks tried in turn. No port means 8080 (`ws://host` is `ws://host:8080`; `wss://` keeps 443, a TLS proxy\'s port); `http(s)://` is taken as `ws(s)://`',
			example: '--url ws://a:8080 --url ws://b:8080',
		},
	},
	name: {
		kind: 'string',
		group: 'client',
		value: 'NAME',
		env: ['NATTER_NAME'],
		shownDefault: 'your OS user name',
		help: 'your name',
		tokenHelp: 'the user the token is for',
		readme: {what: 'your name', example: '--name bo'},
	},
	room: {
		kind: 'list',
		group: 'client',
		value: 'ROOM',
		default: 'general',
		help: 'room to open; repeat for more',
		readme: {what: 'room to open; repeat for more', example: '--room ops --room dev'},
	},
	json: {
		kind: 'boolean',
		group: 'client',
		help: 'no UI: JSON lines out, text and /commands in (for scripts)',
		readme: {what: 'no UI: JSON lines out, text and slash commands in (for scripts and bots)', example: 'natter --url ws://ci:8080 --json'},
	},
	token: {
		kind: 'string',
		group: 'client',
		value: 'JWT',
		env: ['NATTER_TOKEN'],
		help: 'login token for a broker that requires one',
		readme: {what: 'login token for a broker run with `--secret`', example: '--token "$(natter token --name bo)"'},
	},
	config: {
		kind: 'string',
		group: 'client',
		value: 'FILE',
		env: ['NATTER_CONFIG'],
		shownDefault: '~/.config/natter/config.json',
		help: 'settings file (XDG config dir); flags override it',
		readme: {what: 'the settings file to read (else `$XDG_CONFIG_HOME/natter/config.json`, i.e. `~/.config/natter/config.json`); see [The config file](#the-config-file)', example: '--config ~/work-chat.json'},
	},
	logDir: {
		kind: 'string',
		group: 'client',
		value: 'DIR',
		shownDefault: 'off',
		help: "append each room's messages to DIR/ROOM.log",
		readme: {what: "append each room's messages to `DIR/ROOM.log` (direct conversations to `DIR/@NAME.log`), one line a message: ISO time, sender and text separated by tabs (an action `/me waves`: `*` and `bo waves`), the text neutralised and its newlines written `\\n`, as WeeChat does (config `logDir`). Messages replayed when you join are not logged again", example: '--log-dir ~/natter-logs'},
	},
	notify: {
		kind: 'string',
		group: 'client',
		value: 'HOW',
		default: 'bell',
		help: 'a mention or DM rings: bell, osc (desktop), both, off',
		readme: {what: 'how a mention of you or a direct message rings when its tab is not the one you look at, or the terminal is in the background (natter turns on focus reporting): `bell` (the terminal bell), `osc` (a desktop notification through the terminal: OSC 777 and OSC 9, with every control character removed from its text), `both`, or `off` (config `notify`). The tab bar keeps its marks either way', example: '--notify both'},
	},
	flushTimeout: {
		kind: 'integer',
		group: 'client',
		value: 'S',
		default: 5,
		min: 0,
		max: 3600,
		help: '--json: at end of input or on SIGTERM/SIGINT, wait at most S seconds for pending messages',
		readme: {what: 'with `--json`: at the end of input, or on SIGTERM/SIGINT, wait at most S seconds for pending messages', example: '--flush-timeout 30'},
	},
	serve: {
		kind: 'boolean',
		group: 'broker',
		help: 'start a broker in this process',
		readme: {what: 'start a broker in this process (and the chat UI, unless `--headless`)', example: 'natter --serve --name ana'},
	},
	headless: {
		kind: 'boolean',
		group: 'broker',
		help: 'broker only, no chat UI',
		readme: {
			what: 'with `--serve`: run the broker only; print `natter broker listening on ws://H:P` (an address this machine can use), then the addresses other machines join with, one per line',
			example: 'natter --serve --headless',
		},
	},
	host: {
		kind: 'string',
		group: 'broker',
		value: 'HOST',
		shownDefault: 'all interfaces',
		help: 'interface to listen on',
		readme: {what: 'interface the broker listens on', example: '--host 127.0.0.1'},
	},
	port: {
		kind: 'integer',
		group: 'broker',
		value: 'PORT',
		env: ['PORT'],
		default: BROKER_DEFAULTS.port,
		min: 0,
		max: 65535,
		help: 'port to listen on; 0 = any free port',
		readme: {what: 'broker port; `0` picks a free port and prints it', example: '--port 9000'},
	},
	historySize: {
		kind: 'integer',
		group: 'broker',
		value: 'N',
		env: ['HISTORY_SIZE'],
		default: DEFAULT_ENGINE_OPTIONS.historySize,
		min: 1,
		max: 1_000_000,
		help: 'messages kept per room',
		readme: {what: 'messages kept per room', example: '--history-size 500'},
	},
	historyTtl: {
		kind: 'integer',
		group: 'broker',
		value: 'S',
		env: ['HISTORY_TTL'],
		default: DEFAULT_ENGINE_OPTIONS.historyTtl,
		min: 0,
		max: 10 * 365 * HOURS_24,
		help: 'drop messages older than S seconds; 0 = never',
		readme: {what: 'forget messages older than S seconds; 0 = never', example: '--history-ttl 3600'},
	},
	maxPayload: {
		kind: 'integer',
		group: 'broker',
		value: 'B',
		default: BROKER_DEFAULTS.maxPayload,
		min: 1024,
		max: 16 * MiB,
		bytes: true,
		help: 'largest frame in bytes; a larger one closes with 1009',
		readme: {what: 'largest frame in bytes; a larger one closes the connection with 1009', example: '--max-payload 131072'},
	},
	heartbeat: {
		kind: 'integer',
		group: 'broker',
		value: 'S',
		default: BROKER_DEFAULTS.heartbeatMs / 1000,
		min: 1,
		max: 3600,
		help: 'ping interval in seconds; a missed pong disconnects',
		readme: {what: 'broker ping interval in seconds; a connection that misses a pong is dropped', example: '--heartbeat 5'},
	},
	grace: {
		kind: 'integer',
		group: 'broker',
		value: 'S',
		default: BROKER_DEFAULTS.graceMs / 1000,
		min: 0,
		max: 3600,
		help: 'seconds a dropped user stays present awaiting resume',
		readme: {what: 'how long a dropped user stays present waiting to resume, in seconds', example: '--grace 10'},
	},
	maxBuffered: {
		kind: 'integer',
		group: 'broker',
		value: 'B',
		default: BROKER_DEFAULTS.maxBufferedBytes,
		min: 64 * 1024,
		max: 1024 * MiB,
		bytes: true,
		help: 'unsent bytes per client before it is cut off, close 4009',
		readme: {
			what: 'unsent bytes per connection before it is cut off as a slow consumer, close 4009; history replies and replays count too, sent in pages',
			example: '--max-buffered 1048576',
		},
	},
	maxHistoryBytes: {
		kind: 'integer',
		group: 'broker',
		value: 'B',
		default: DEFAULT_ENGINE_OPTIONS.maxHistoryBytes,
		min: MiB,
		max: 1024 * 1024 * MiB,
		bytes: true,
		help: "memory engine: all history kept; least recently used rooms' oldest messages go first",
		readme: {
			what: 'memory engine: all the history it keeps, in bytes; past it the least recently used rooms lose their oldest messages first, which clients see as a gap',
			example: '--max-history-bytes 67108864',
		},
	},
	data: {
		kind: 'string',
		group: 'broker',
		value: 'PATH',
		env: ['NATTER_DATA'],
		shownDefault: 'none: rooms live in memory',
		help: 'keep rooms in this SQLite file across restarts',
		readme: {
			what: 'keep rooms, history, acknowledged positions and DMs in this SQLite file (created if missing), so they survive restarts, also `kill -9`; one broker per file; needs the optional package better-sqlite3',
			example: '--data /var/lib/natter/rooms.db',
		},
	},
	redis: {
		kind: 'string',
		group: 'broker',
		value: 'URL',
		env: ['NATTER_REDIS', 'REDIS_URL'],
		help: 'share rooms with other nodes through this Redis (redis://H:P), a Redis Cluster (redis+cluster://H1:P1,H2:P2) or a Sentinel-managed master (redis+sentinel://S1:P1,S2:P2/MASTER)',
		readme: {
			what: 'run as one node of a cluster: every node with the same Redis shares rooms, order, history, presence and DMs; a Redis Cluster is given by its seeds, `redis+cluster://h1:7000,h2:7001`, a Sentinel-managed master by its sentinels and name, `redis+sentinel://s1:26379,s2:26379/mymaster` (see [Running a cluster](#running-a-cluster)); needs the optional package ioredis',
			example: '--redis redis://10.0.0.5:6379',
		},
	},
	redisWait: {
		kind: 'integer',
		group: 'broker',
		value: 'N',
		env: ['NATTER_REDIS_WAIT'],
		default: 0,
		min: 0,
		max: 16,
		help: 'with --redis: acknowledge a publish only once N replicas have it (WAIT), else unavailable',
		readme: {
			what: "with `--redis`: acknowledge a publish only after N replicas of its Redis master have it (`WAIT N 1000`), so acknowledged messages survive a failover; when fewer answer within 1 s the sender gets `unavailable` and retries. Costs a replica round trip per publish (see [Running a cluster](#running-a-cluster))",
			example: '--redis-wait 1',
		},
	},
	presenceTtl: {
		kind: 'integer',
		group: 'broker',
		value: 'S',
		env: ['NATTER_PRESENCE_TTL'],
		default: BROKER_DEFAULTS.presenceTtlMs / 1000,
		min: 1,
		max: 3600,
		help: "with --redis: a dead node's users leave presence within S seconds",
		readme: {what: "with `--redis`: a dead node's users stay listed at most S seconds", example: '--presence-ttl 5'},
	},
	secret: {
		kind: 'string',
		group: 'security',
		value: 'S',
		env: ['NATTER_SECRET'],
		help: 'require an HS256 JWT from every client; prefer the env variable: flags show in ps',
		tokenHelp: "the broker's secret",
		readme: {
			what: 'with `--serve`: require an HS256 JWT from every client (prefer `NATTER_SECRET`: flags show in `ps`); a secret that is easy to guess (short, repeated, a run) is refused: make one with `natter token --new-secret`',
			example: 'NATTER_SECRET=$(natter token --new-secret) natter --serve --headless',
		},
	},
	rate: {
		kind: 'integer',
		group: 'security',
		value: 'N',
		default: BROKER_DEFAULTS.rate,
		min: 1,
		max: 100_000,
		help: 'frames per second per connection; excess gets rate_limited',
		readme: {what: 'frames per second per connection; excess gets `rate_limited`, flooding on for 5 s closes 4008', example: '--rate 50'},
	},
	burst: {
		kind: 'integer',
		group: 'security',
		value: 'N',
		default: BROKER_DEFAULTS.burst,
		min: 1,
		max: 1_000_000,
		help: 'frames a connection may send at once; flooding on closes 4008',
		readme: {what: 'frames a connection may save up and send at once, past `--rate`', example: '--burst 100'},
	},
	identifyTimeout: {
		kind: 'integer',
		group: 'security',
		value: 'S',
		default: BROKER_DEFAULTS.identifyTimeoutMs / 1000,
		min: 0,
		max: 3600,
		help: 'close a connection that names no user within S seconds, 4000; 0 = never',
		readme: {what: 'close a connection that names no user within S seconds, 4000; 0 = never', example: '--identify-timeout 10'},
	},
	maxConnsPerIp: {
		kind: 'integer',
		group: 'security',
		value: 'N',
		default: BROKER_DEFAULTS.maxConnectionsPerIp,
		min: 1,
		max: 1_000_000,
		help: 'connections from one address; more are refused with HTTP 429',
		readme: {
			what: 'connections from one address, counted from the moment the TCP connection is accepted; more get HTTP 429. Besides, at most 64 sockets per address (a quarter of N if higher) may be mid-handshake, and a socket that has not become a WebSocket within 10 s (headers: 5 s) is closed',
			example: '--max-conns-per-ip 32',
		},
	},
	trustProxy: {
		kind: 'list',
		group: 'security',
		value: 'A[,A…]',
		shownDefault: 'none',
		help: 'proxies (addresses, CIDRs) whose X-Forwarded-For names the client for --max-conns-per-ip',
		readme: {
			what: 'reverse proxies (addresses, CIDR ranges, or `loopback`, `linklocal`, `uniquelocal`) whose `X-Forwarded-For` names the client: from them, `--max-conns-per-ip` counts each client\'s address (the rightmost one in the header that is not itself a trusted proxy); from anyone else the header is ignored',
			example: '--trust-proxy 10.0.0.2,10.0.1.0/24',
		},
	},
	allowOrigin: {
		kind: 'list',
		group: 'security',
		value: 'O',
		shownDefault: 'none; terminal clients send no origin',
		help: 'browser origin allowed to connect; repeat, or * for any',
		readme: {
			what: 'a browser origin allowed to connect; repeat, or `*`; without one, pages in a browser cannot reach your broker',
			example: '--allow-origin https://chat.example.com',
		},
	},
	keepNames: {
		kind: 'integer',
		group: 'security',
		value: 'D',
		default: BROKER_DEFAULTS.keepNamesDays,
		min: 0,
		max: 10 * 365,
		help: "open mode: a name stays its user's until unused D days; 0 = keep none",
		readme: {
			what: 'open mode: a name stays with the person who used it first (their client presents the key the broker gave it) until it has gone unused D days; 0 = keep none',
			example: '--keep-names 90',
		},
	},
	maxKeptNames: {
		kind: 'integer',
		group: 'security',
		value: 'N',
		default: BROKER_DEFAULTS.maxKeptNames,
		min: 1,
		max: 100_000_000,
		help: 'open mode: names kept at most',
		readme: {what: 'open mode: names kept at most; past it new names are not kept', example: '--max-kept-names 5000'},
	},
	compress: {
		kind: 'boolean',
		group: 'security',
		help: 'enable permessage-deflate (off by default; --max-payload bounds the inflated size)',
		readme: {what: 'enable permessage-deflate (off by default; `--max-payload` bounds the inflated size)', example: '--compress'},
	},
	admin: {
		kind: 'boolean',
		group: 'token',
		help: 'the user may clear history',
		readme: {what: '`natter token`: the user may clear history', example: 'natter token --name ana --admin'},
	},
	ttl: {
		kind: 'string',
		group: 'token',
		value: 'DURATION',
		default: '24h',
		help: 'how long the token is valid: 90s, 30m, 24h, 7d',
		readme: {what: '`natter token`: how long the token is valid: `90s`, `30m`, `24h`, `7d`', example: 'natter token --name ana --ttl 7d'},
	},
	newSecret: {
		kind: 'boolean',
		group: 'token',
		help: 'print a fresh random secret instead of a token',
		readme: {what: '`natter token`: print a fresh random secret (32 bytes, base64url) instead of a token', example: 'natter token --new-secret'},
	},
} as const satisfies Record<string, Setting>;

export type SettingKey = keyof typeof SETTINGS;

type RawValue<S extends Setting> = S['kind'] extends 'boolean' ? boolean : S['kind'] extends 'list' ? string[] : string;

/** Raw flags as meow hands them over: integers arrive as strings so a bad one can be explained. */
export type RawFlags = {[K in SettingKey]?: RawValue<(typeof SETTINGS)[K]> | undefined};

/** The keys of the integer settings, which `integerSetting` reads. */
export type IntegerSettingKey = {[K in SettingKey]: (typeof SETTINGS)[K]['kind'] extends 'integer' ? K : never}[SettingKey];

/** A setting by key, widened to `Setting` so optional fields can be read on any entry. */
export function setting(key: SettingKey): Setting {
	return SETTINGS[key];
}

/** Every setting's key, in table order. */
export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];

/** The flag as typed: `historySize` → `--history-size`. */
export function flagName(key: string): string {
	return `--${key.replace(/[A-Z]/g, letter => `-${letter.toLowerCase()}`)}`;
}

/** The flag with its value placeholder, as --help and README show it: `--port PORT`. */
export function flagWithValue(key: SettingKey): string {
	const {value} = setting(key);
	return value === undefined ? flagName(key) : `${flagName(key)} ${value}`;
}

/** A meow flag spec. Booleans default to false so an absent one reads as off, not undefined. */
export type MeowFlag = {type: 'boolean'; default: false} | {type: 'string'; isMultiple?: true};

/** meow's `flags` option, from the table. */
export function meowFlags(): Record<SettingKey, MeowFlag> {
	const specs = {} as Record<SettingKey, MeowFlag>;
	for (const key of SETTING_KEYS) {
		const {kind} = setting(key);
		specs[key] = kind === 'boolean' ? {type: 'boolean', default: false} : kind === 'list' ? {type: 'string', isMultiple: true} : {type: 'string'};
	}
	return specs;
}

/**
 * A setting's default in words, or undefined when it has none worth saying (booleans, a flag
 * without default): `default PORT env, else 8080`. `code` wraps names and typed words in backticks (README).
 */
export function defaultPhrase(key: SettingKey, code = false): string | undefined {
	const s = setting(key);
	const mark = (text: string): string => (code ? `\`${text}\`` : text);
	const value = s.default === undefined ? s.shownDefault : s.bytes && typeof s.default === 'number' ? withUnit(s.default) : String(s.default);
	// Marked: names and words typed as they are (`general`, `24h`); numbers and descriptions read as prose.
	const shown = value === undefined ? undefined : typeof s.default === 'string' ? mark(value) : value;
	const env = s.env?.map(mark).join(' or ');
	if (env === undefined) return shown === undefined ? undefined : `default ${shown}`;
	return shown === undefined ? `default ${env} env` : `default ${env} env, else ${shown}`;
}

/** `4194304` → `4194304 = 4 MiB`: bytes as typed, with the size people read. */
function withUnit(bytes: number): string {
	for (const [unit, size] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
		if (bytes >= size && bytes % size === 0) return `${bytes} = ${bytes / size} ${unit}`;
	}
	return String(bytes);
}
