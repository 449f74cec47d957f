/** Times and days as the message pane shows them, in the local time zone. */

/** How clock() writes a time: set once at start (config `timestamp`), before anything renders. */
let withSeconds = false;

/** Choose clock()'s format for this process: "HH:mm" (the default) or "HH:mm:ss". */
export function setClockFormat(format: 'HH:mm' | 'HH:mm:ss'): void {
	withSeconds = format === 'HH:mm:ss';
}

/** The width of what clock() writes: the message pane's time column. */
export function clockWidth(): number {
	return withSeconds ? 8 : 5;
}

/** "14:05", or "14:05:09" with `seconds` (by default as setClockFormat chose). */
export function clock(timestamp: number, seconds = withSeconds): string {
	const date = new Date(timestamp);
	const two = (n: number): string => String(n).padStart(2, '0');
	return `${two(date.getHours())}:${two(date.getMinutes())}${seconds ? `:${two(date.getSeconds())}` : ''}`;
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
