/**
 * Every V8 and process tuning natter applies, in one place: each says why, and which bench
 * figure (`npm run bench`, see bench/README.md) justifies it. A tuning that no bench figure
 * supports any more is removed here, not left to drift.
 *
 * Called once, at the start of a chat mode (source/cli/run-client.ts), before Ink or the client
 * core is imported: a headless broker and `natter token` run with V8's defaults.
 */
import {setFlagsFromString} from 'node:v8';

/** Which chat mode is starting: only the window holds its young generation small. */
export type TunedMode = 'tui' | 'json';

/** Apply natter's V8 tuning for a chat client in `mode`; call once, before the UI is loaded. */
export function tuneRuntime(mode: TunedMode): void {
	if (mode === 'tui') {
		// A chat window idles most of its life, but loading and first rendering it is a burst of
		// short-lived allocation after which V8 grows its young generation from 2 to 16 MiB and
		// never gives it back. Holding it at its initial size keeps an idle window about 13 MiB
		// smaller (bench: tui-startup); must run before Ink is imported. The flag is read on
		// every young-generation resize, so setting it at run time takes effect.
		setFlagsFromString('--semi-space-growth-factor=1');
	}
	// A client works in bursts (a flood, a history replay, a screenful of rows) between long
	// idle spells. With V8's default budget, a burst of 10,000 messages made TurboFan compile
	// the React and Ink code it ran, on background threads, for more CPU than the burst itself
	// (TUI: 250 of 410 ms) and for no gain by the time the burst was over. A budget 7.4 times the
	// default (67,584) still optimises what stays hot (a longer flood, an embedded broker under
	// load) and leaves a burst in the baseline tiers (bench: tui-flood). Read whenever a
	// function's budget is reset, so setting it at run time takes effect. The flag exists in
	// V8 11 (Node 20) only: later V8s tier up by invocation counts instead and print an error
	// for a flag they do not know, so there it is left alone (not measured there).
	if (process.versions.v8.startsWith('11.')) setFlagsFromString('--interrupt-budget=500000');
}
