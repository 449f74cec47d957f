/**
 * Hash tags by Redis Cluster slot: `slotTag(s)` is a short tag whose key lands in slot `s`, so a
 * room's script can reach a per-slot key (the slot's generation, see redis-keys.ts) that lives
 * beside the room's own keys on whatever shard serves them, without a key per room.
 *
 * The CRC is Redis Cluster's (CRC16-XMODEM of the hash tag, modulo 16,384). It is written out
 * here because the table walks it incrementally over 3-character tags, one step per candidate:
 * cluster-key-slot (what ioredis uses) hashes whole strings and took 236 ms for the table where
 * this takes 14. test/redis-slot-tags.test.ts checks every tag and room slot against it.
 */

const SLOTS = 16_384;
const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-';

const CRC_TABLE = (() => {
	const table = new Uint16Array(256);
	for (let i = 0; i < 256; i++) {
		let crc = i << 8;
		for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
		table[i] = crc;
	}
	return table;
})();

function step(crc: number, byte: number): number {
	return ((crc << 8) & 0xffff) ^ CRC_TABLE[((crc >> 8) ^ byte) & 0xff]!;
}

/** The slot of a key whose hash tag is `tag`, an ASCII string (escapeKeyPart's output is one). */
export function slotOfTag(tag: string): number {
	let crc = 0;
	for (let i = 0; i < tag.length; i++) crc = step(crc, tag.charCodeAt(i));
	return crc & (SLOTS - 1);
}

let tags: string[] | undefined;

/** A tag in `slot` (the first 3-character one in ALPHABET order; built once, on first use). */
export function slotTag(slot: number): string {
	tags ??= buildTags();
	return tags[slot]!;
}

function buildTags(): string[] {
	const found = new Array<string>(SLOTS);
	let missing = SLOTS;
	const codes = [...ALPHABET].map(char => char.charCodeAt(0));
	for (let a = 0; a < codes.length && missing > 0; a++) {
		const first = step(0, codes[a]!);
		for (let b = 0; b < codes.length && missing > 0; b++) {
			const second = step(first, codes[b]!);
			for (let c = 0; c < codes.length; c++) {
				const slot = step(second, codes[c]!) & (SLOTS - 1);
				if (found[slot] !== undefined) continue;
				found[slot] = ALPHABET[a]! + ALPHABET[b]! + ALPHABET[c]!;
				if (--missing === 0) break;
			}
		}
	}
	// 262,144 candidates cover all 16,384 slots (checked by the test); a gap would be a bug here.
	if (missing > 0) throw new Error(`slot tags: ${missing} slots without a tag`);
	return found;
}
