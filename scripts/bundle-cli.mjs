/**
 * Bundle the `natter` command (cli.tsx and everything it imports) into dist/cli.js plus
 * lazily loaded chunks, with esbuild.
 *
 * Why: started from tsc's output, the chat window spent most of its start-up loading modules
 * (about 300 files: resolving, reading, and lexing CommonJS for named exports) and ran React's
 * development build, which checks and records far more per render. A bundle is a handful of
 * files, and `process.env.NODE_ENV` is fixed to "production" so React and Ink drop their
 * development paths. Dynamic imports (`import('./run-tui.js')`, the engines) stay separate
 * chunks, so a headless broker never loads Ink and a client never loads ioredis or SQLite.
 *
 * tsc still emits dist/source/** (the library and its types); this only replaces the command.
 *
 * Usage: node scripts/bundle-cli.mjs [outdir]   (default dist)
 */
import {rmSync} from 'node:fs';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {build} from 'esbuild';
import {cellOutputUrl, inkOutputSpecifier, isInkRenderer} from './cell-output-swap.mjs';

/**
 * Ink's renderer draws each frame with natter's CellOutput (source/ui/render/cell-output.ts)
 * instead of Ink's own Output: the same text, for a fraction of the CPU and garbage (see that
 * file). Ink offers no option for it, so the import is swapped here, by the rule the tests
 * apply too (scripts/cell-output-swap.mjs); the build fails if Ink's renderer no longer
 * imports './output.js', rather than silently shipping Ink's.
 */
let outputSwapped = 0;
const cellOutput = {
	name: 'natter-cell-output',
	setup(builder) {
		builder.onResolve({filter: /^\.\/output\.js$/}, args => {
			if (args.path !== inkOutputSpecifier || !isInkRenderer(args.importer)) return undefined;
			outputSwapped++;
			return {path: fileURLToPath(cellOutputUrl)};
		});
	},
};

const outdir = process.argv[2] ?? 'dist';
// Chunk names carry content hashes: clear the last build's, or they pile up.
rmSync(join(outdir, 'chunks'), {recursive: true, force: true});

await build({
	entryPoints: {cli: 'cli.tsx'},
	outdir,
	bundle: true,
	splitting: true,
	format: 'esm',
	platform: 'node',
	target: 'node20',
	// NATTER_NO_MINIFY=1 keeps names readable, for CPU profiles (node --cpu-prof dist/cli.js).
	minify: process.env.NATTER_NO_MINIFY !== '1',
	sourcemap: 'linked',
	chunkNames: 'chunks/[name]-[hash]',
	define: {'process.env.NODE_ENV': '"production"'},
	external: [
		// natter's optional packages (see source/broker/optional-package.ts): loaded from
		// node_modules when their feature is used, and absent from a chat-only install.
		'better-sqlite3',
		'ioredis',
		'prom-client',
		// ws's optional native speed-ups, absent unless the user installed them.
		'bufferutil',
		'utf-8-validate',
		// Ink imports React's devtools only with DEV=true (in a chunk of its own); without the
		// package it prints how to install it, as it does unbundled.
		'react-devtools-core',
	],
	// CommonJS packages inside an ES module bundle still call require() for Node's built-ins.
	banner: {js: "import {createRequire as __natterRequire} from 'node:module'; const require = __natterRequire(import.meta.url);"},
	// jsonc-parser's main build is UMD, whose require('./impl/format') esbuild cannot follow:
	// bundle its ES module build instead (same code, see its "module" field).
	alias: {'jsonc-parser': 'jsonc-parser/lib/esm/main.js'},
	plugins: [cellOutput],
	logLevel: 'warning',
});
if (outputSwapped === 0) {
	process.stderr.write('bundle-cli: Ink\'s renderer did not import ./output.js: CellOutput was not swapped in (has Ink changed?)\n');
	process.exit(1);
}
