/** A stable colour per name: the same person has the same colour in every room and every run. */

// Readable on dark and light backgrounds; plain blue and black/white are left out on purpose.
const PALETTE = ['cyan', 'green', 'yellow', 'magenta', 'redBright', 'blueBright', 'cyanBright', 'greenBright', 'yellowBright', 'magentaBright'] as const;

/** Colours the user chose for names (config `colours`), set once at start. */
let chosen: ReadonlyMap<string, string> = new Map();

/** Give these names these colours (Ink colour names) instead of the ones they hash to. */
export function setNameColours(colours: Readonly<Record<string, string>>): void {
	chosen = new Map(Object.entries(colours));
}

/** An Ink colour name for a user name: the one chosen for it, else FNV-1a hash into a fixed palette. */
export function nameColour(name: string): string {
	const own = chosen.get(name);
	if (own !== undefined) return own;
	let hash = 0x811c9dc5;
	for (let i = 0; i < name.length; i++) {
		hash ^= name.charCodeAt(i);
		hash = Math.imul(hash, 0x01000193);
	}
	return PALETTE[(hash >>> 0) % PALETTE.length]!;
}
