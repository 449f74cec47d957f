import {test} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync, readFileSync} from 'node:fs';
import {join} from 'node:path';

// natter relies on these packages' internals (README, Development: "Pinned versions"): a range
// would let an install pick a version nobody has run the upgrade tests against.
const PINNED = ['ink', 'ws', 're2js', 'ioredis'];

test('the packages natter reaches inside are pinned to one exact version, installed as pinned, and README says why', () => {
	const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as {dependencies: Record<string, string>; optionalDependencies: Record<string, string>};
	const readme = readFileSync('README.md', 'utf8');
	for (const name of PINNED) {
		const wanted = manifest.dependencies[name] ?? manifest.optionalDependencies[name];
		assert.match(wanted ?? '', /^\d+\.\d+\.\d+$/, `${name} is not pinned to an exact version: ${wanted}`);
		// Read by file: not every package exports its package.json. An optional one may be absent.
		const installedManifest = join('node_modules', name, 'package.json');
		if (existsSync(installedManifest)) {
			const installed = (JSON.parse(readFileSync(installedManifest, 'utf8')) as {version: string}).version;
			assert.equal(installed, wanted, `${name} ${installed} is installed; package.json pins ${wanted}`);
		}
		assert.ok(readme.includes(`\`${name}\` ${wanted}`), `README's Pinned versions does not explain ${name} ${wanted}`);
	}
});
