import {test} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {dirname, join, relative, resolve} from 'node:path';
import ts from 'typescript';

// Every module natter ships, with the relative imports each makes: static, `import type`
// (a type-only cycle still ties two files into one concern), re-exports and dynamic import().
function sourceFiles(dir: string): string[] {
	return readdirSync(dir, {withFileTypes: true}).flatMap(entry => {
		const path = join(dir, entry.name);
		if (entry.isDirectory()) return sourceFiles(path);
		return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
	});
}

function importsOf(file: string): string[] {
	const found = ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.map(ref => ref.fileName);
	return found.filter(specifier => specifier.startsWith('.')).map(specifier => {
		// Imports name the emitted .js file; the source is its .ts or .tsx.
		const base = resolve(dirname(file), specifier).replace(/\.js$/, '');
		const target = [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts')].find(path => existsSync(path));
		assert.ok(target, `${file} imports ${specifier}, which is not a source file`);
		return relative('.', target);
	});
}

/** Every cycle found by a depth-first walk, each as the files around it. */
function cycles(graph: Map<string, string[]>): string[][] {
	const found: string[][] = [];
	const state = new Map<string, 'open' | 'done'>();
	const stack: string[] = [];
	const visit = (file: string): void => {
		state.set(file, 'open');
		stack.push(file);
		for (const next of graph.get(file) ?? []) {
			if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
			else if (!state.has(next)) visit(next);
		}
		stack.pop();
		state.set(file, 'done');
	};
	for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
	return found;
}

test('no module in source/ or cli.tsx imports itself through others: the import graph has no cycle', () => {
	const files = [...sourceFiles('source'), 'cli.tsx'];
	const graph = new Map(files.map(file => [relative('.', file), importsOf(file)]));
	assert.ok(graph.size > 100, `only ${graph.size} files found: is the test run from the repository root?`);
	assert.deepEqual(cycles(graph).map(cycle => cycle.join(' → ')), []);
});

test('the cycle check finds a cycle, type-only and dynamic imports included', () => {
	const graph = new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts']], ['d.ts', ['a.ts']]]);
	assert.deepEqual(cycles(graph), [['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
	assert.deepEqual(ts.preProcessFile("import type {A} from './a.js';\nexport {B} from './b.js';\nawait import('./c.js');", true, true).importedFiles.map(ref => ref.fileName), ['./a.js', './b.js', './c.js']);
});
