/**
 * Where a client keeps the keys brokers issue for its names (open mode, `welcome.key`), by
 * broker URL and name. The CLI's is a file under the user's config directory (fileKeyring);
 * without one, a client keeps its key for its own life only.
 */
export type NameKeyring = {
	get(broker: string, name: string): string | undefined;
	set(broker: string, name: string, key: string): void;
};

/**
 * One client's key for its name at its broker: read from the keyring at start, presented in
 * every `hello`, and replaced (and saved) when a `welcome` issues a new one, so the name stays
 * this user's across reconnects and restarts.
 */
export class NameKeyHolder {
	private key: string | undefined;

	constructor(
		private readonly keyring: NameKeyring | undefined,
		private readonly broker: string,
		private readonly name: string,
	) {
		this.key = keyring?.get(broker, name);
	}

	/** The fields `hello` carries for the key: none before a broker issued one. */
	hello(): {key?: string} {
		return this.key === undefined ? {} : {key: this.key};
	}

	/** Keep the key a `welcome` issued (a welcome without one changes nothing). */
	learn(key: unknown): void {
		if (typeof key !== 'string' || key.length === 0 || key === this.key) return;
		this.key = key;
		this.keyring?.set(this.broker, this.name, key);
	}
}
