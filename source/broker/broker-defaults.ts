/**
 * The broker's defaults, in the units BrokerOptions takes (ms, bytes). The one place each lives:
 * createBroker falls back to them and the CLI's settings table (source/cli/settings.ts) shows and
 * parses them, so `--help`, README and an embedded broker cannot disagree. The engine's own
 * defaults (history size and age, the memory bound) are DEFAULT_ENGINE_OPTIONS in engine.ts.
 */
export const BROKER_DEFAULTS = {
	/** natter's own port: also what a `ws://host` URL without one means. */
	port: 8080,
	maxPayload: 64 * 1024,
	heartbeatMs: 15_000,
	graceMs: 5000,
	keepNamesDays: 30,
	maxKeptNames: 100_000,
	maxBufferedBytes: 4 * 1024 * 1024,
	/** Frames per second each connection may send. */
	rate: 20,
	/** Frames a connection may save up and send at once. */
	burst: 50,
	floodGraceMs: 5000,
	identifyTimeoutMs: 30_000,
	maxConnectionsPerIp: 256,
	/** Redis engine: how long a dead node's users stay in presence panels. */
	presenceTtlMs: 15_000,
} as const;
