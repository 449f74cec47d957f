/**
 * Preloaded into every test process (test/run.js: --import ./test/helpers/render-like-bundle.mjs,
 * after tsx): Ink renders through natter's CellOutput, as the shipped bundle does, so the
 * ink-testing-library suites test the output path users run. test/ui-cell-output.test.ts
 * fails if a test process renders with Ink's own Output.
 */
import {register} from 'node:module';

register('./cell-output-hooks.mjs', import.meta.url);
