import type {Engine, EngineEvent} from '../../source/broker/engines/engine.js';

/** from, from + 1, …, to. */
export function range(from: number, to: number): number[] {
	return Array.from({length: to - from + 1}, (_, i) => from + i);
}

/** Every event `engine` emits from now on, in order. */
export function collect(engine: Engine): EngineEvent[] {
	const events: EngineEvent[] = [];
	engine.on(event => events.push(event));
	return events;
}

/** The sequences of the message events of `room`, in the order they came. */
export function messages(events: EngineEvent[], room: string): number[] {
	return events.flatMap(e => (e.type === 'message' && e.room === room ? [e.message.sequence] : []));
}
