/** Props with their undefined values left out: Ink's optional props take a value or no key, never `undefined` (exactOptionalPropertyTypes). */
export type DefinedProps<T> = {[K in keyof T]?: Exclude<T[K], undefined>};

export function definedProps<T extends Record<string, unknown>>(props: T): DefinedProps<T> {
	const out: Record<string, unknown> = {};
	for (const key in props) if (props[key] !== undefined) out[key] = props[key];
	return out as DefinedProps<T>;
}
