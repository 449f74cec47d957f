/**
 * The broker's plain-HTTP side, on its WebSocket port: /healthz for load balancers, /metrics for
 * Prometheus (when the optional prom-client is installed), and a 426 for anything else.
 */
import type {IncomingMessage, ServerResponse} from 'node:http';
import type {Engine} from './engines/engine.js';
import type {BrokerMetrics, HubCounters} from './metrics.js';
import {importNeeding, MissingPackageError} from './optional-package.js';

/** Plain HTTP on the broker's port: a health check for load balancers, Prometheus metrics; everything else wants a WebSocket. */
export async function answerHttp(request: IncomingMessage, response: ServerResponse, engine: Engine, metrics: BrokerMetrics | undefined): Promise<void> {
	const path = (request.url ?? '/').split('?')[0];
	if (path === '/metrics' && metrics === undefined) {
		response.writeHead(501, {'content-type': 'text/plain'});
		response.end(`natter broker: ${METRICS_MISSING}\n`);
		return;
	}
	if (path === '/metrics' && metrics !== undefined) {
		response.writeHead(200, {'content-type': metrics.contentType});
		response.end(await metrics.render());
		return;
	}
	if (path === '/healthz') {
		const ready = await engine.ready().catch(() => false);
		response.writeHead(ready ? 200 : 503, {'content-type': 'text/plain'});
		response.end(ready ? 'ok\n' : 'engine unavailable\n');
		return;
	}
	response.writeHead(426, {'content-type': 'text/plain', upgrade: 'websocket'});
	response.end('natter broker: connect with a WebSocket client\n');
}

const METRICS_MISSING = new MissingPackageError('/metrics', 'prom-client').message;

/** What the hub reports to when there are no metrics: nothing, at no cost. */
export const NO_COUNTERS: HubCounters = {published() {}, delivered() {}, slowConsumer() {}};

/**
 * The broker's metrics, or undefined when prom-client (an optional package) is not installed:
 * the broker then runs without them, says so once in its log, and answers /metrics with 501.
 * Loaded here rather than imported, so that importing the broker never loads prom-client.
 */
export async function loadMetrics(stats: () => {connections: number; rooms: number}, log: (line: string) => void): Promise<BrokerMetrics | undefined> {
	try {
		const {createBrokerMetrics} = await importNeeding('/metrics', 'prom-client', () => import('./metrics.js'));
		return createBrokerMetrics(stats);
	} catch (error) {
		if (!(error instanceof MissingPackageError)) throw error;
		log(`metrics are off: ${error.message}`);
		return undefined;
	}
}
