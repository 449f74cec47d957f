// Lint rules: typescript-eslint's recommended set, plus the few house rules that catch real bugs.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
	{ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test/.tmp-*/**']},
	js.configs.recommended,
	...tseslint.configs.recommended,
	{
		languageOptions: {
			// Type-aware rules (floating promises, needless assertions) read the TypeScript program.
			parserOptions: {projectService: true, tsconfigRootDir: import.meta.dirname},
			globals: {process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', Buffer: 'readonly', URL: 'readonly'},
		},
		rules: {
			'@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
			'@typescript-eslint/consistent-type-definitions': ['error', 'type'],
			'no-console': 'off',
			eqeqeq: ['error', 'always'],
			// A promise nobody awaits loses its rejection: say `void` where that is meant.
			// node:test's test() and describe() return promises the runner itself awaits.
			'@typescript-eslint/no-floating-promises': ['error', {allowForKnownSafeCalls: [{from: 'package', name: ['test', 'describe', 'it', 'suite'], package: 'node:test'}]}],
			'@typescript-eslint/no-misused-promises': ['error', {checksVoidReturn: {attributes: false}}],
			// A `!` or `as` that changes nothing hides what the types already prove.
			'@typescript-eslint/no-unnecessary-type-assertion': 'error',
		},
	},
	// Plain JavaScript files are outside the TypeScript program: lint them without types.
	{files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked},
);
