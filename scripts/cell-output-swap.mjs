/**
 * The one rule by which natter's CellOutput (source/ui/render/cell-output.ts) stands in for
 * Ink's Output: Ink's renderer (ink/build/renderer.js) imports './output.js', and that import,
 * from that file only, resolves to CellOutput instead.
 *
 * Two places apply it, so that what the tests render is what users run:
 * - scripts/bundle-cli.mjs, when it bundles the shipped command (an esbuild plugin);
 * - test/helpers/cell-output-hooks.mjs, a Node module hook every test process loads
 *   (test/run.js passes --import ./test/helpers/render-like-bundle.mjs), so the
 *   ink-testing-library suites draw their frames with CellOutput too.
 */

/** The specifier Ink's renderer imports its Output class by. */
export const inkOutputSpecifier = './output.js';

/** Whether `importer` (a path or a file URL) is Ink's renderer, the one importer swapped. */
export function isInkRenderer(importer) {
	return /[\\/]ink[\\/]build[\\/]renderer\.js$/.test(importer);
}

/** CellOutput's source file, as a file URL. */
export const cellOutputUrl = new URL('../source/ui/render/cell-output.ts', import.meta.url);
