import {defaultPhrase, flagWithValue, setting, SETTING_KEYS} from './settings.js';

/** The comments around README's generated flags table: `npm run docs:flags` rewrites what is between. */
export const README_FLAGS_START = '<!-- flags: generated from source/cli/settings.ts by `npm run docs:flags`; edit there -->';
export const README_FLAGS_END = '<!-- /flags -->';

/** README's flags table (header included), one row per setting, in the table's order. */
export function readmeFlagsTable(): string {
	const rows = SETTING_KEYS.map(key => {
		const {readme} = setting(key);
		const phrase = defaultPhrase(key, true);
		const what = phrase === undefined ? readme.what : `${readme.what} (${phrase})`;
		return `| \`${flagWithValue(key)}\` | ${cell(what)} | \`${cell(readme.example)}\` |`;
	});
	return ['| flag | what | example |', '|---|---|---|', ...rows, '| `--help`, `--version` | | |'].join('\n');
}

/** A table cell's text: a `|` would end the cell early. */
function cell(text: string): string {
	return text.replaceAll('|', '\\|');
}

/**
 * `readme` with the text between the flags markers replaced by `readmeFlagsTable()`. Throws when
 * the markers are missing, rather than appending a second table somewhere.
 */
export function withReadmeFlagsTable(readme: string): string {
	const start = readme.indexOf(README_FLAGS_START);
	const end = readme.indexOf(README_FLAGS_END);
	if (start < 0 || end < start) throw new Error(`README.md has no flags markers (${README_FLAGS_START} … ${README_FLAGS_END})`);
	return `${readme.slice(0, start + README_FLAGS_START.length)}\n${readmeFlagsTable()}\n${readme.slice(end)}`;
}
