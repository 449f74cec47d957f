/**
 * When a message rings the terminal, and the bytes that ring it: a mention of me or a direct
 * message, when its tab is not the one I look at or the terminal is not focused. Pure: the
 * window decides with it and writes what it returns.
 */
import type {ClientEvent} from '../client/types.js';
import type {NotifyMode} from '../cli/config-file.js';
import {isDirectRoom} from '../protocol/names.js';
import {mentions} from './state/room.js';

/** What the window knows when a message arrives. */
export type AttentionContext = {me: string; active: string | undefined; focused: boolean};

/** True when `event` asks for my attention: a live mention of me or direct message, away from my eyes. */
export function wantsAttention(event: ClientEvent, context: AttentionContext): boolean {
	if (event.type !== 'message' || event.replayed) return false;
	const {sender, content} = event.message;
	if (sender === context.me) return false;
	if (!isDirectRoom(event.room) && !mentions(content, context.me)) return false;
	return event.room !== context.active || !context.focused;
}

/** Longest notification body, in characters: a desktop notification is a glance. */
const MAX_BODY = 200;

/**
 * The bytes that notify: BEL for 'bell'; for 'osc', a desktop notification through the terminal
 * (OSC 777, which urxvt, foot, WezTerm and others show, then OSC 9 for iTerm2, Windows Terminal,
 * kitty); both for 'both'; nothing for 'off'. Title and body lose every control character (and
 * the title its ';', OSC 777's separator), so a peer cannot end the sequence and start another.
 */
export function alertBytes(mode: NotifyMode, title: string, body: string): string {
	if (mode === 'off') return '';
	const bell = mode === 'bell' || mode === 'both' ? '\x07' : '';
	if (mode === 'bell') return bell;
	const cleanTitle = plain(title).replace(/;/g, ',');
	const cleanBody = plain(body).slice(0, MAX_BODY);
	return `\x1b]777;notify;${cleanTitle};${cleanBody}\x07\x1b]9;${cleanTitle}: ${cleanBody}\x07${bell}`;
}

/** Text with every C0 and C1 control, bidi control and line separator made a space. */
function plain(text: string): string {
	// eslint-disable-next-line no-control-regex
	return text.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]+/g, ' ').trim();
}

/** The notification for a message: who said it where, and what. */
export function alertFor(mode: NotifyMode, event: Extract<ClientEvent, {type: 'message'}>): string {
	const where = isDirectRoom(event.room) ? 'direct message' : event.room;
	return alertBytes(mode, `natter: ${event.message.sender} (${where})`, event.message.content);
}
