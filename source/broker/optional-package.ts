/**
 * The packages only some broker features need, installed as optionalDependencies: a chat-only
 * install (`npm install --omit=optional`) leaves them out and needs no compiler. Each maps to
 * the major version natter is tested with, for the install hint.
 */
export const OPTIONAL_PACKAGES = {'better-sqlite3': '12', ioredis: '5', 'prom-client': '15'} as const;

export type OptionalPackage = keyof typeof OPTIONAL_PACKAGES;

/** A feature was asked for whose package is not installed; the message is one sentence for the user. */
export class MissingPackageError extends Error {
	readonly code = 'MISSING_PACKAGE';
	constructor(
		readonly feature: string,
		readonly packageName: OptionalPackage,
	) {
		super(needsPackage(feature, packageName));
		this.name = 'MissingPackageError';
	}
}

/** `--data needs better-sqlite3: npm install better-sqlite3@12 (-g too for a global natter)`. */
export function needsPackage(feature: string, name: OptionalPackage): string {
	return `${feature} needs ${name}: npm install ${name}@${OPTIONAL_PACKAGES[name]} (add -g for a global natter)`;
}

/** Whether `error`, thrown by an import, says that the package `name` itself is not installed. */
export function isMissingPackage(error: unknown, name: OptionalPackage): boolean {
	const {code, message} = (error ?? {}) as {code?: unknown; message?: unknown};
	return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && typeof message === 'string' && message.includes(`'${name}'`);
}

/**
 * Import a module of natter's that needs the optional package `name`; when the package is not
 * installed, reject with a MissingPackageError naming `feature` instead of Node's resolver error.
 */
export async function importNeeding<T>(feature: string, name: OptionalPackage, load: () => Promise<T>): Promise<T> {
	try {
		return await load();
	} catch (error) {
		if (isMissingPackage(error, name)) throw new MissingPackageError(feature, name);
		throw error;
	}
}
