// Which scenarios a bench run picks: the long capacity-100k only when named in full.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {selectScenarios} from '../bench/scenarios/index.js';

const names = (picked: Array<{name: string}>): string[] => picked.map(s => s.name);

test('a bench run without --scenario leaves out capacity-100k and runs the rest', () => {
	const all = names(selectScenarios([]));
	assert.ok(!all.includes('capacity-100k'));
	assert.ok(all.includes('capacity') && all.includes('room-1000'));
});

test('capacity-100k runs when named in full, and a prefix never picks it', () => {
	assert.deepEqual(names(selectScenarios(['capacity-100k'])), ['capacity-100k']);
	assert.deepEqual(names(selectScenarios(['capacity'])), ['capacity']);
	assert.ok(!names(selectScenarios(['cap'])).includes('capacity-100k'));
});
