/**
 * The names whose messages this client hides (/ignore, /unignore): client-side only, the broker
 * still delivers them. Names compare as people see them (nameSkeleton), so ignoring `bob` also
 * hides `Bob` and a Cyrillic `bоb`, which the broker keeps for the same person anyway.
 */
import type {ClientEvent} from '../client/types.js';
import {nameSkeleton} from '../protocol/names.js';

/** What commands read of the list. */
export type IgnoredNames = {
	/** The names as the user typed them, in the order they were ignored. */
	readonly names: readonly string[];
	has(name: string): boolean;
};

/** The list a front end holds: changed by /ignore and /unignore, saved where it came from. */
export type IgnoreList = IgnoredNames & {
	/** Ignore `name` (or stop); returns why the change could not be saved, or undefined. */
	set(name: string, ignored: boolean): string | undefined;
};

/** Skeletons of senders seen, kept to this many: a flood from many names cannot grow it. */
const SKELETON_CACHE = 1024;

/**
 * A list starting with `initial`; `save` (when given) is called with the whole list after each
 * change and returns why it failed, or undefined.
 */
export function createIgnoreList(initial: readonly string[], save?: (names: readonly string[]) => string | undefined): IgnoreList {
	let names: string[] = [];
	const skeletons = new Set<string>();
	const cache = new Map<string, string>();
	const skeleton = (name: string): string => {
		let value = cache.get(name);
		if (value === undefined) {
			value = nameSkeleton(name);
			if (cache.size >= SKELETON_CACHE) cache.delete(cache.keys().next().value!);
			cache.set(name, value);
		}
		return value;
	};
	const has = (name: string): boolean => skeletons.size > 0 && skeletons.has(skeleton(name));
	const add = (name: string): void => {
		if (has(name)) return;
		names.push(name);
		skeletons.add(skeleton(name));
	};
	for (const name of initial) add(name);
	return {
		get names() {
			return names;
		},
		has,
		set(name, ignored) {
			if (ignored) {
				add(name);
			} else {
				const gone = skeleton(name);
				names = names.filter(other => skeleton(other) !== gone);
				skeletons.delete(gone);
			}
			return save?.(names);
		},
	};
}

/**
 * The event as a front end should see it with `ignores` applied: a message from an ignored
 * name (in a room or as a direct message) is undefined, and /history's answer loses their
 * messages; everything else passes unchanged. Scrollback pages stay whole: the window reads
 * where the next page starts from them.
 */
export function hideIgnored(event: ClientEvent, ignores: IgnoredNames): ClientEvent | undefined {
	if (ignores.names.length === 0) return event;
	if (event.type === 'message') return ignores.has(event.message.sender) ? undefined : event;
	if (event.type === 'history' && event.query.purpose === 'print' && event.messages.some(message => ignores.has(message.sender))) {
		return {...event, messages: event.messages.filter(message => !ignores.has(message.sender))};
	}
	return event;
}
