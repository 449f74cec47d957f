/**
 * A flag, environment variable or config value that natter refuses: its message is the one
 * sentence the user sees (parseFlags turns it into `{ok: false, error}`; nothing else catches it).
 */
export class FlagError extends Error {}
