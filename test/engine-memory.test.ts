// The Engine contract against the memory engine, the reference implementation.
import {createMemoryEngine} from '../source/broker/engines/memory/memory-engine.js';
import {engineContractSuite} from './engine-contract.js';

engineContractSuite('memory', {
	async create(options) {
		const engine = createMemoryEngine(options);
		return {engine, cleanup: () => engine.close()};
	},
});
