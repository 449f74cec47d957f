#!/usr/bin/env node
import meow from 'meow';
import {parseFlags} from './source/cli/parse-flags.js';
import {runClient} from './source/cli/run-client.js';
import {runHeadless} from './source/cli/run-headless.js';

const cli = meow(
	`
	Usage
	  $ natter --serve [--name NAME]              host a room here and chat in it
	  $ natter --url ws://HOST:PORT [--name NAME] join someone else's broker
	  $ natter --serve --headless                 run only the broker (a server)

	Client
	  --url URL          broker to join; repeat for fallbacks      --url ws://chat.local:8080
	  --name NAME        your name (default: NATTER_NAME, else the OS user)   --name ana
	  --room ROOM        room to open; repeat for more (default general)      --room ops --room dev
	  --json             no TUI: JSON lines out, text and /commands in (for scripts)

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
	  --data PATH        keep rooms in this SQLite file across restarts (default NATTER_DATA env; none = memory)   --data ~/.natter/rooms.db

	Other
	  --help             this text
	  --version          natter's version

	Examples
	  $ npx natter --serve --name ana
	  $ npx natter --url ws://ana-laptop:8080 --name bo --room general
	  $ natter --serve --headless --port 0
	  $ echo "build 142 passed" | natter --url ws://ci:8080 --name bot --room builds --json
`,
	{
		importMeta: import.meta,
		allowUnknownFlags: false,
		flags: {
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
			data: {type: 'string'},
		},
	},
);

const parsed = parseFlags({...cli.flags, url: cli.flags.url ?? [], room: cli.flags.room ?? []}, process.env);
if (!parsed.ok) {
	process.stderr.write(`natter: ${parsed.error}\nRun natter --help for every flag.\n`);
	process.exit(2);
}
const {plan} = parsed;
if (cli.input.length > 0) {
	process.stderr.write(`natter: unexpected argument ${JSON.stringify(cli.input[0])}\nRun natter --help for every flag.\n`);
	process.exit(2);
}

const code = plan.mode === 'headless' ? await runHeadless(plan.serve) : await runClient(plan);
process.exit(code);
