/** Times and days as the message pane shows them, in the local time zone. */

/** "14:05". */
export function clock(timestamp: number): string {
	const date = new Date(timestamp);
	return `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
}

/** A key that differs exactly when the local calendar day differs. */
export function dayKey(timestamp: number): string {
	const date = new Date(timestamp);
	return `${date.getFullYear()}-${date.getMonth()}-${date.getDate()}`;
}

/** "Tuesday 26 November 2024" (English, as every other word the UI shows). */
export function dayLabel(timestamp: number): string {
	return new Date(timestamp).toLocaleDateString('en-GB', {weekday: 'long', day: 'numeric', month: 'long', year: 'numeric'}).replace(',', '');
}
