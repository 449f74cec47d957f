import {createBroker, type Broker, type BrokerOptions} from '../../source/broker/create-broker.js';

/** A broker on a free port of 127.0.0.1; always close it in an `after`/`finally`. */
export function startBroker(options: BrokerOptions = {}): Promise<Broker> {
	return createBroker({port: 0, host: '127.0.0.1', ...options});
}
