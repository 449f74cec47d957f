import {render} from 'ink-testing-library';
import {App} from '../../source/ui/app.js';
import {FakeClient} from './fake-client.js';

/** The chat window rendered by ink-testing-library around a FakeClient. */
export type Screen = ReturnType<typeof render> & {client: FakeClient; exited: () => boolean};

/** Render the App at a fixed size, with batching and idle detection off unless asked for. */
export function renderApp(options: {columns?: number; rows?: number; idleMs?: number; client?: FakeClient} = {}): Screen {
	const client = options.client ?? new FakeClient('ana');
	let exited = false;
	const screen = render(<App client={client} serverUrl="ws://test:1" columns={options.columns ?? 100} rows={options.rows ?? 20} frameMs={0} idleMs={options.idleMs ?? 0} onExit={() => (exited = true)} />);
	return {...screen, client, exited: () => exited};
}

/** Wait until the frame satisfies `check` (a string it contains, or a predicate). */
export async function until(screen: Pick<Screen, 'lastFrame'>, check: string | ((frame: string) => boolean), ms = 2000): Promise<string> {
	const ok = typeof check === 'string' ? (frame: string) => frame.includes(check) : check;
	const deadline = Date.now() + ms;
	for (;;) {
		const frame = screen.lastFrame() ?? '';
		if (ok(frame)) return frame;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(check)}; the screen is:\n${frame}`);
		await new Promise(resolve => setTimeout(resolve, 5));
	}
}
