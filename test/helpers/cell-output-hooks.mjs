/**
 * Node module hooks (see node:module register) that apply the bundle's swap to the tests:
 * Ink's renderer gets natter's CellOutput where it imports Ink's Output, exactly as in
 * dist/cli.js (the rule is scripts/cell-output-swap.mjs, shared with scripts/bundle-cli.mjs).
 */
import {cellOutputUrl, inkOutputSpecifier, isInkRenderer} from '../../scripts/cell-output-swap.mjs';

/** Resolve Ink's renderer's './output.js' to CellOutput; everything else as before. */
export async function resolve(specifier, context, nextResolve) {
	if (specifier === inkOutputSpecifier && context.parentURL !== undefined && isInkRenderer(context.parentURL)) {
		// Resolved on down the chain, so that tsx's hooks see a TypeScript file and compile it.
		return nextResolve(cellOutputUrl.href, context);
	}
	return nextResolve(specifier, context);
}
