import type {FilterNode} from './ast.js';
import {FilterError} from './filter-error.js';
import {tooDeep} from './parser.js';

/**
 * Refuse a tree nested deeper than `maxDepth`, counting each parenthesis, `not`, and
 * `and`/`or` chain on the way down to a condition (a chain of one operator is one level,
 * however long). Throws FilterError at the first construct, in source order, past the limit.
 * Evaluation recurses the same way, so this also bounds its stack.
 */
export function checkDepth(tree: FilterNode, maxDepth: number): void {
	const visit = (node: FilterNode, depth: number): void => {
		switch (node.kind) {
			case 'or':
			case 'and':
			case 'not':
			case 'group': {
				if (depth + 1 > maxDepth) throw new FilterError(tooDeep(maxDepth), node.position);
				const children = node.kind === 'not' ? [node.operand] : node.kind === 'group' ? [node.expression] : node.operands;
				for (const child of children) visit(child, depth + 1);
				return;
			}
			default:
				return;
		}
	};
	visit(tree, 0);
}
