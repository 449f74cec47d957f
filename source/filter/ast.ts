import type {FilterRegex} from './compile-regex.js';

/** A value written in a filter: the only things a filter can compare against. */
export type Literal = string | number | boolean | null;

/** Where a field reads from: one of the message's own properties, then own-property keys into `data`. */
export type Field = {
	readonly root: 'sender' | 'content' | 'data';
	readonly path: readonly string[];
	/** The field as written, for error messages. */
	readonly text: string;
	readonly position: number;
};

/** The comparison operators; `==`/`!=` are strict, the orderings need matching types. */
export type ComparisonOperator = '==' | '!=' | '<' | '<=' | '>' | '>=';

/** One node of a parsed filter. `group` keeps parentheses so the depth limit can count them. */
export type FilterNode =
	| {readonly kind: 'or'; readonly operands: readonly FilterNode[]; readonly position: number}
	| {readonly kind: 'and'; readonly operands: readonly FilterNode[]; readonly position: number}
	| {readonly kind: 'not'; readonly operand: FilterNode; readonly position: number}
	| {readonly kind: 'group'; readonly expression: FilterNode; readonly position: number}
	| {readonly kind: 'compare'; readonly field: Field; readonly operator: ComparisonOperator; readonly value: Literal; readonly position: number}
	| {readonly kind: 'contains'; readonly field: Field; readonly text: string; readonly position: number}
	| {readonly kind: 'regex'; readonly field: Field; readonly regex: FilterRegex; readonly position: number}
	| {readonly kind: 'in'; readonly field: Field; readonly values: readonly Literal[]; readonly position: number}
	| {readonly kind: 'exists'; readonly field: Field; readonly position: number}
	| {readonly kind: 'truthy'; readonly field: Field; readonly position: number};
