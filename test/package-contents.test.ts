// What `npm pack` puts in the package, as `npm pack --dry-run --json` lists it: everything the
// README links to, the licence, the built command and every entry package.json names, and
// none of the sources or tests (a user gets dist/, built by prepack).
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {existsSync, readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = existsSync(new URL('../dist/cli.js', import.meta.url)) ? false : 'dist/ is not built: run npm run build (npm test does)';

/** The paths `npm pack` would pack (scripts off: prepack would rebuild what npm test just built). */
function packedFiles(): Set<string> {
	const result = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {cwd: root, encoding: 'utf8', timeout: 60_000});
	assert.equal(result.status, 0, result.stderr);
	const [pack] = JSON.parse(result.stdout) as [{files: {path: string}[]}];
	return new Set(pack.files.map(file => file.path));
}

/** Relative links of a markdown file (`[text](path)`, anchors dropped), web links left out. */
function relativeLinks(markdown: string): string[] {
	const links = [...markdown.matchAll(/\]\(([^)\s]+)\)/g)].map(match => match[1]!.split('#')[0]!);
	return links.filter(link => link !== '' && !/^[a-z]+:/i.test(link));
}

test('the package holds every file README links to, the licence, the command and every entry', {skip: built}, () => {
	const files = packedFiles();
	const links = relativeLinks(readFileSync(new URL('../README.md', import.meta.url), 'utf8'));
	assert.ok(links.length >= 3, `README links only ${links.join(', ')}`);
	for (const link of links) assert.ok(files.has(link), `README links ${link}, which the package leaves out`);
	const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {bin: Record<string, string>; exports: Record<string, string>; types: string};
	const named = [...Object.values(pkg.bin), ...Object.values(pkg.exports), pkg.types, 'LICENSE', 'README.md'];
	for (const path of named) assert.ok(files.has(path.replace(/^\.\//, '')), `${path} is not in the package`);
	for (const entry of Object.values(pkg.exports).filter(path => path.endsWith('.js'))) {
		const types = entry.replace(/^\.\//, '').replace(/\.js$/, '.d.ts');
		assert.ok(files.has(types), `${types} (the types of ${entry}) is not in the package`);
	}
	const stray = [...files].filter(path => /^(source|test|scripts|\.ci)\//.test(path) || path.endsWith('.map'));
	assert.deepEqual(stray, [], 'sources, tests and source maps stay out of the package');
});

test('the licence is MIT, as package.json says, from the natter developers', () => {
	const licence = readFileSync(new URL('../LICENSE', import.meta.url), 'utf8');
	const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {license: string};
	assert.equal(pkg.license, 'MIT');
	assert.match(licence, /^MIT License\n\nCopyright \(c\) \d{4} the natter developers\n/);
});
