/** A compile-time problem with a filter, pointing at a 0-based character position in its source. */
export class FilterError extends Error {
	readonly position: number;

	constructor(problem: string, position: number, hint?: string) {
		super(`${problem} at position ${position}${hint === undefined ? '' : ` (${hint})`}`);
		this.name = 'FilterError';
		this.position = position;
	}
}
