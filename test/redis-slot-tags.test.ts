// (Room names are never empty: the protocol refuses them.)
// The per-slot hash tags the Redis engine uses for a room's slot generation: each tag lands in
// its slot, and a room's generation key shares the room's slot, by Redis Cluster's own rule as
// cluster-key-slot (the library ioredis routes with) computes it.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import calculateSlot from 'cluster-key-slot';
import fc from 'fast-check';
import {slotOfTag, slotTag} from '../source/broker/engines/redis/slot-tags.js';
import {escapeKeyPart, roomKeys} from '../source/broker/engines/redis/redis-keys.js';

test('every one of the 16,384 slots has a tag whose keys land in it', () => {
	for (let slot = 0; slot < 16_384; slot++) {
		const tag = slotTag(slot);
		assert.match(tag, /^[0-9A-Za-z_-]{3}$/);
		assert.equal(calculateSlot(`natter:{${tag}}:generation`), slot, `tag ${tag}`);
	}
});

test("a room's slot generation key is in the room's slot, whatever the room's name", () => {
	fc.assert(
		fc.property(fc.string({unit: 'binary', minLength: 1, maxLength: 40}), fc.constantFrom('', 'natter:', 'app.natter:'), (room, prefix) => {
			const keys = roomKeys(prefix, room);
			assert.equal(slotOfTag(escapeKeyPart(room)), calculateSlot(keys.seq));
			assert.equal(calculateSlot(keys.generation), calculateSlot(keys.seq));
		}),
		{numRuns: 2000},
	);
	assert.equal(calculateSlot(roomKeys('natter:', 'general').generation), calculateSlot('natter:{general}:seq'));
});
