/**
 * A request an engine could not complete because its store did not answer (Redis down, say);
 * nothing was done and the caller may retry. The hub reports it to the client as `unavailable`.
 * Its own file, free of any driver, so an outside engine can throw it too.
 */
export class EngineUnavailableError extends Error {
	readonly code = 'ENGINE_UNAVAILABLE';
	constructor(message: string) {
		super(message);
		this.name = 'EngineUnavailableError';
	}
}
