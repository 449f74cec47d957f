import type {NatterClient} from '../client/types.js';
import type {ClientCall} from './plan-command.js';

/** Make one call a command's outcome asks of the client core. */
export function applyCall(client: NatterClient, call: ClientCall): void {
	switch (call.call) {
		case 'publish':
			if (call.data === undefined) client.publish(call.room, call.text);
			else client.publish(call.room, call.text, call.data);
			return;
		case 'join':
			client.join(call.room);
			return;
		case 'leave':
			client.leave(call.room);
			return;
		case 'fetchHistory':
			client.fetchHistory(call.room, call.before, call.limit, call.purpose);
			return;
		case 'setAway':
			client.setAway(call.reason);
			return;
		case 'setBack':
			client.setBack();
			return;
		case 'who':
			client.who(call.room);
			return;
		case 'clearHistory':
			client.clearHistory(call.room);
			return;
		case 'setFilter':
			client.setFilter(call.room, call.filter);
			return;
		case 'setTopic':
			client.setTopic(call.room, call.topic);
			return;
		case 'reconnect':
			client.reconnect();
			return;
	}
}
