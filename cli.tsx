#!/usr/bin/env node
import meow from 'meow';
import {configPath, loadConfig} from './source/cli/config-file.js';
import {parseFlags, refuseUnknownFlags} from './source/cli/parse-flags.js';

const FLAGS = {
	serve: {type: 'boolean', default: false},
	headless: {type: 'boolean', default: false},
	json: {type: 'boolean', default: false},
	host: {type: 'string'},
	port: {type: 'string'},
	url: {type: 'string', isMultiple: true},
	name: {type: 'string'},
	room: {type: 'string', isMultiple: true},
	historySize: {type: 'string'},
	historyTtl: {type: 'string'},
	maxPayload: {type: 'string'},
	heartbeat: {type: 'string'},
	grace: {type: 'string'},
	maxBuffered: {type: 'string'},
	maxHistoryBytes: {type: 'string'},
	data: {type: 'string'},
	redis: {type: 'string'},
	presenceTtl: {type: 'string'},
	secret: {type: 'string'},
	token: {type: 'string'},
	admin: {type: 'boolean'},
	ttl: {type: 'string'},
	rate: {type: 'string'},
	burst: {type: 'string'},
	identifyTimeout: {type: 'string'},
	maxConnsPerIp: {type: 'string'},
	allowOrigin: {type: 'string', isMultiple: true},
	keepNames: {type: 'string'},
	maxKeptNames: {type: 'string'},
	compress: {type: 'boolean'},
	trustProxy: {type: 'string', isMultiple: true},
	newSecret: {type: 'boolean'},
	config: {type: 'string'},
	logDir: {type: 'string'},
	notify: {type: 'string'},
} as const;

const unknownFlag = refuseUnknownFlags(process.argv.slice(2), FLAGS);
if (unknownFlag !== undefined) {
	process.stderr.write(`natter: ${unknownFlag}\n`);
	process.exit(2);
}

const cli = meow(
	`
	Usage
	  $ natter --serve [--name NAME]              host a room here and chat in it
	  $ natter --url ws://HOST:PORT [--name NAME] join someone else's broker
	  $ natter --serve --headless                 run only the broker (a server)
	  $ natter token --secret S --name NAME       print a login token for a broker run with --secret
	  $ natter token --new-secret                 print a random secret

	Client
	  --url URL          broker to join (no port: 8080); repeat for fallbacks
	  --name NAME        your name (default: NATTER_NAME, else the OS user)   --name ana
	  --room ROOM        room to open; repeat for more (default general)      --room ops --room dev
	  --json             no TUI: JSON lines out, text and /commands in (for scripts)
	  --token JWT        login token for a broker that requires one (default NATTER_TOKEN env)
	  --config FILE      settings file (default NATTER_CONFIG env, else
	                     ~/.config/natter/config.json); flags override it
	  --log-dir DIR      append each room's messages to DIR/ROOM.log (default off)
	  --notify HOW       a mention or DM rings: bell, osc (desktop), both, off
	                     (default bell)

	Broker (with --serve)
	  --serve            start a broker in this process
	  --headless         broker only, no chat UI
	  --host HOST        interface to listen on (default all)     --host 127.0.0.1
	  --port PORT        port (default PORT env or 8080; 0 = any free port)   --port 9000
	  --history-size N   messages kept per room (default HISTORY_SIZE env or 100)   --history-size 500
	  --history-ttl S    drop messages older than S seconds (default HISTORY_TTL env or 0 = never)   --history-ttl 3600
	  --max-payload B    largest frame in bytes; larger closes with 1009 (default 65536)   --max-payload 131072
	  --heartbeat S      ping interval; a missed pong disconnects (default 15)   --heartbeat 5
	  --grace S          how long a dropped user stays present awaiting resume (default 5)   --grace 10
	  --max-buffered B   unsent bytes per client before it is cut off, close 4009 (default 4194304)
	  --max-history-bytes B  memory engine: all history kept, least recently used
	                     rooms' oldest messages go first (default 268435456)
	  --data PATH        keep rooms in this SQLite file across restarts (default NATTER_DATA env; none = memory)   --data ~/.natter/rooms.db
	  --redis URL        share rooms with other nodes through this Redis: a cluster (default NATTER_REDIS or REDIS_URL env)   --redis redis://10.0.0.5:6379
	  --presence-ttl S   with --redis: a dead node's users leave presence within S seconds (default 15)

	Security (with --serve)
	  --secret S         require an HS256 JWT from every client (prefer NATTER_SECRET: flags show in ps)
	  --rate N           frames per second per connection (default 20); excess gets rate_limited   --rate 50
	  --burst N          frames a connection may send at once (default 50); flooding on closes 4008   --burst 100
	  --identify-timeout S  close a connection that names no user within S seconds, 4000 (default 30; 0 = never)
	  --max-conns-per-ip N  connections from one address (default 256); more are refused with HTTP 429
	  --trust-proxy A[,A]  proxies (addresses, CIDRs) whose X-Forwarded-For
	                     names the client for --max-conns-per-ip (default none)
	  --allow-origin O   browser origin allowed to connect; repeat, or * for any (default: none; non-browser clients send none)
	  --keep-names D     open mode: a name stays its user's until unused D days (30)
	  --max-kept-names N open mode: names kept at most (default 100000)
	  --compress         enable permessage-deflate (off by default; --max-payload bounds the inflated size)

	Tokens (natter token)
	  --secret S         the broker's secret (or NATTER_SECRET)
	  --name NAME        the user the token is for
	  --admin            the user may clear history
	  --ttl DURATION     how long the token is valid: 90s, 30m, 24h, 7d (default 24h)
	  --new-secret       print a fresh random secret instead of a token

	Other
	  --help             this text
	  --version          natter's version

	Examples
	  $ natter --serve --name ana
	  $ natter --url ws://ana-laptop --name bo --room general   (no port: 8080)
	  $ natter --serve --headless --port 0
	  $ echo "build 142 passed" | natter --url ws://ci:8080 --name bot --room builds --json
	  $ NATTER_SECRET=$(openssl rand -hex 32) natter --serve --headless
	  $ natter --url ws://chat:8080 --token "$(natter token --name ana --ttl 7d)"
`,
	{
		importMeta: import.meta,
		// Unknown flags are refused above, before meow, which lets some through (see refuseUnknownFlags).
		allowUnknownFlags: false,
		flags: FLAGS,
	},
);

if (cli.input.length > 1) {
	process.stderr.write(`natter: unexpected argument ${JSON.stringify(cli.input[1])}\nRun natter --help for every flag.\n`);
	process.exit(2);
}
// The config file holds a chat client's settings: a headless broker and `natter token` never read it.
let loaded: ReturnType<typeof loadConfig> | undefined;
if (cli.input[0] === undefined && !cli.flags.headless) {
	const {path, explicit} = configPath(cli.flags.config, process.env);
	loaded = loadConfig(path, explicit);
	if (!loaded.ok) {
		process.stderr.write(`natter: ${loaded.error}\n`);
		process.exit(2);
	}
}
const parsed = parseFlags({...cli.flags, url: cli.flags.url ?? [], room: cli.flags.room ?? [], allowOrigin: cli.flags.allowOrigin ?? [], trustProxy: cli.flags.trustProxy ?? []}, process.env, cli.input[0], loaded?.ok ? loaded.loaded : undefined);
if (!parsed.ok) {
	process.stderr.write(`natter: ${parsed.error}\nRun natter --help for every flag.\n`);
	process.exit(2);
}
const {plan} = parsed;

// Each mode loads only what it uses (a client never loads the broker's engines, a headless
// broker never loads Ink): start-up time and memory are what a chat user feels first.
let code: number;
if (plan.mode === 'token') {
	const {signToken} = await import('./source/auth/tokens.js');
	process.stdout.write(`${await signToken(plan.secret, plan.name, {admin: plan.admin, ttlSeconds: plan.ttlSeconds})}\n`);
	code = 0;
} else if (plan.mode === 'new-secret') {
	const {newSecret} = await import('./source/auth/secrets.js');
	process.stdout.write(`${newSecret()}\n`);
	code = 0;
} else if (plan.mode === 'headless') {
	const {runHeadless} = await import('./source/cli/run-headless.js');
	code = await runHeadless(plan.serve);
} else {
	const {runClient} = await import('./source/cli/run-client.js');
	code = await runClient(plan);
}
process.exit(code);
