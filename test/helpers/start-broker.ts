import {createBroker, type Broker, type BrokerOptions} from '../../source/broker/create-broker.js';

/**
 * A broker on a free port of 127.0.0.1; always close it in an `after`/`finally`. Tests send
 * frames far faster than people type, so the rate limit is lifted unless a test sets one
 * (the security tests do).
 */
export function startBroker(options: BrokerOptions = {}): Promise<Broker> {
	return createBroker({port: 0, host: '127.0.0.1', rate: 1_000_000, burst: 1_000_000, ...options});
}
