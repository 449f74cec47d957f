/**
 * Run `load` with the global `fetch` hidden, and put it back afterwards.
 *
 * Why: yoga-layout (Ink's layout engine, compiled to WebAssembly) loads its embedded wasm with
 * `fetch('data:…;base64,…')` whenever a global fetch exists. On Node 20 that makes Node load its
 * whole fetch implementation (undici) just to decode a data URL: about 40 ms of the chat window's
 * start and 6 MiB of its memory. Without fetch, yoga decodes the same base64 itself. The
 * property is swapped by descriptor, never read: reading Node's lazy `fetch` getter is itself
 * what loads undici.
 */
export async function withoutFetch<T>(load: () => Promise<T>): Promise<T> {
	const descriptor = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
	if (!descriptor?.configurable) return load();
	Object.defineProperty(globalThis, 'fetch', {value: undefined, configurable: true, writable: true});
	try {
		return await load();
	} finally {
		Object.defineProperty(globalThis, 'fetch', descriptor);
	}
}
