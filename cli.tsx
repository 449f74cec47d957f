#!/usr/bin/env node
import meow from 'meow';
import {configPath, loadConfig} from './source/cli/config-file.js';
import {parseFlags, refuseUnknownFlags} from './source/cli/parse-flags.js';
import {meowFlags, type RawFlags} from './source/cli/settings.js';

// Every flag, its type, default, range and help line live in one table (source/cli/settings.ts).
const FLAGS = meowFlags();

const unknownFlag = refuseUnknownFlags(process.argv.slice(2), FLAGS);
if (unknownFlag !== undefined) {
	process.stderr.write(`natter: ${unknownFlag}\n`);
	process.exit(2);
}

// The help text is built only when asked for: wrapping it loads wrap-ansi and string-width,
// which starting a chat window or a broker need not pay for (meow shows it only for --help).
const help = process.argv.slice(2).includes('--help') ? (await import('./source/cli/help-text.js')).helpText() : '';

const cli = meow(
	help,
	{
		importMeta: import.meta,
		// The help text starts with a description wrapped to 80 columns; meow's would be one long line.
		description: false,
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
	const {path, explicit} = configPath(cli.flags.config as string | undefined, process.env);
	loaded = loadConfig(path, explicit);
	if (!loaded.ok) {
		process.stderr.write(`natter: ${loaded.error}\n`);
		process.exit(2);
	}
}
// meow's flags follow the same table as RawFlags (booleans false when absent, lists arrays, the rest strings).
const parsed = parseFlags(cli.flags as RawFlags, process.env, cli.input[0], loaded?.ok ? loaded.loaded : undefined);
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
