/**
 * Rewrite README.md's flags table from the settings table (source/cli/settings.ts).
 * test/cli-settings.test.ts fails until this has run after a flag changed.
 *
 * Usage: npm run docs:flags
 */
import {readFileSync, writeFileSync} from 'node:fs';
import {withReadmeFlagsTable} from '../source/cli/readme-flags.js';

const path = new URL('../README.md', import.meta.url);
const before = readFileSync(path, 'utf8');
const after = withReadmeFlagsTable(before);
if (after === before) {
	console.log('README.md: flags table already up to date');
} else {
	writeFileSync(path, after);
	console.log('README.md: flags table rewritten from source/cli/settings.ts');
}
