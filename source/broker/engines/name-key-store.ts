/**
 * A kept name: who used it (as typed), the SHA-256 of the key the broker issued to them, and
 * when it was last used (ms). Only the hash is stored, so whoever reads the engine's data
 * cannot present the key.
 */
export type NameKey = {name: string; hash: string; lastUsed: number};

/**
 * Where an engine keeps the per-name keys of open mode, by the name's comparison form
 * (nameSkeleton), so one record covers every look-alike of the name. The memory engine keeps
 * them for the life of the process, SQLite and Redis across restarts. How many are kept is
 * bounded by the caller (NameKeys), which asks `count` before it adds.
 */
export type NameKeyStore = {
	get(skeleton: string): Promise<NameKey | undefined>;
	/** Keep `record` unless a record is already kept under `skeleton`; true when it was added. */
	add(skeleton: string, record: NameKey): Promise<boolean>;
	/** Record a use of a kept name now; nothing when it is not kept. */
	touch(skeleton: string, lastUsed: number): Promise<void>;
	/** Release a name (it went unused for too long). */
	remove(skeleton: string): Promise<void>;
	/** How many names are kept. */
	count(): Promise<number>;
};

/** The memory engine's store: a Map, for the life of the process. */
export function memoryNameKeyStore(): NameKeyStore {
	const records = new Map<string, NameKey>();
	return {
		async get(skeleton) {
			const record = records.get(skeleton);
			return record && {...record};
		},
		async add(skeleton, record) {
			if (records.has(skeleton)) return false;
			records.set(skeleton, {...record});
			return true;
		},
		async touch(skeleton, lastUsed) {
			const record = records.get(skeleton);
			if (record) record.lastUsed = lastUsed;
		},
		async remove(skeleton) {
			records.delete(skeleton);
		},
		async count() {
			return records.size;
		},
	};
}
