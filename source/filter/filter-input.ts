/**
 * What a filter looks at in a message: who sent it, its text, and its structured data. Its own
 * file, so that the compiler (compile-filter.ts) and the evaluator it builds (to-predicate.ts)
 * share it without importing each other.
 */
export type FilterInput = {sender: string; content: string; data?: Record<string, unknown>};
