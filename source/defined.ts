/** `T` with its undefined properties left out: optional properties take a value or no key, never `undefined` (exactOptionalPropertyTypes). */
export type Defined<T> = {[K in keyof T]?: Exclude<T[K], undefined>};

/**
 * The properties of `props` that are not undefined, for spreading into an object whose optional
 * properties must be absent rather than undefined: `{type: 'error', ...defined({room, clientId})}`.
 * One helper instead of a hand-written `...(x === undefined ? {} : {x})` for each property.
 */
export function defined<T extends object>(props: T): Defined<T> {
	const out: Record<string, unknown> = {};
	for (const key in props) if (props[key] !== undefined) out[key] = props[key];
	return out as Defined<T>;
}
