import type {EngineEvent, EngineListener, EventBus, PresenceStore} from '../engine.js';
import {PresenceTable} from './presence-table.js';

/** The parts of an engine that live only in this process: presence, event listeners, watching. */
export type SingleNodeParts = PresenceStore & EventBus;

/**
 * What the memory and durable engines share: with one node, presence describes this process's
 * sockets and every event is already local, so there is nothing to store or subscribe to.
 * Returns the engine methods and `emit`, which hands an event to every listener.
 */
export function singleNode(): {parts: SingleNodeParts; emit: (event: EngineEvent) => void; clearListeners: () => void} {
	const presence = new PresenceTable();
	const listeners: EngineListener[] = [];
	const emit = (event: EngineEvent): void => {
		for (const listener of listeners) listener(event);
	};
	return {
		emit,
		clearListeners: () => {
			listeners.length = 0;
		},
		parts: {
			async presenceAdd(room, userId, holder, status, reason) {
				return presence.add(room, userId, holder, status, reason);
			},
			async presenceRemove(room, userId, holder) {
				return presence.remove(room, userId, holder);
			},
			async presenceStatus(room, userId, holder, status, reason) {
				return presence.status(room, userId, holder, status, reason);
			},
			async members(room) {
				return presence.members(room);
			},
			async announce(event) {
				emit(event);
			},
			async watch() {},
			async unwatch() {},
			on(listener) {
				listeners.push(listener);
			},
		},
	};
}
