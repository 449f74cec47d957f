import {test} from 'node:test';
import assert from 'node:assert/strict';
import {clock, dayKey, dayLabel} from '../source/ui/layout/time.js';

test('the day line reads exactly as British English dates do, for every day of several years', () => {
	// dayLabel spells the date out itself (no Intl, to keep ICU's date data out of memory):
	// it must agree with Intl's en-GB long format on every calendar day, leap years included.
	const start = new Date(2023, 0, 1, 12).getTime();
	for (let day = 0; day < 4 * 366; day++) {
		const timestamp = start + day * 86_400_000;
		const expected = new Date(timestamp).toLocaleDateString('en-GB', {weekday: 'long', day: 'numeric', month: 'long', year: 'numeric'}).replace(',', '');
		assert.equal(dayLabel(timestamp), expected);
	}
});

test('the clock shows local hours and minutes, zero-padded, and day keys change with the local day', () => {
	assert.equal(clock(new Date(2026, 10, 27, 9, 5).getTime()), '09:05');
	assert.equal(clock(new Date(2026, 10, 27, 23, 59).getTime()), '23:59');
	assert.equal(dayKey(new Date(2026, 10, 27, 0, 0).getTime()), dayKey(new Date(2026, 10, 27, 23, 59).getTime()));
	assert.notEqual(dayKey(new Date(2026, 10, 27, 23, 59).getTime()), dayKey(new Date(2026, 10, 28, 0, 0).getTime()));
});
