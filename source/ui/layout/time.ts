/** Times and days as the message pane shows them, in the local time zone. */

/** "14:05", or "14:05:09" with `seconds`. */
export function clock(timestamp: number, seconds = false): string {
	const date = new Date(timestamp);
	const minutes = `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
	return seconds ? `${minutes}:${String(date.getSeconds()).padStart(2, '0')}` : minutes;
}

/** A key that differs exactly when the local calendar day differs. */
export function dayKey(timestamp: number): string {
	const date = new Date(timestamp);
	return `${date.getFullYear()}-${date.getMonth()}-${date.getDate()}`;
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/**
 * "Tuesday 26 November 2024" (English, as every other word the UI shows). Spelled out here
 * rather than with toLocaleDateString: Intl's date formatting pages about 5 MiB of ICU data
 * into the chat window's memory for one line per day.
 */
export function dayLabel(timestamp: number): string {
	const date = new Date(timestamp);
	return `${WEEKDAYS[date.getDay()]!} ${date.getDate()} ${MONTHS[date.getMonth()]!} ${date.getFullYear()}`;
}
