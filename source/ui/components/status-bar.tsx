import {memo} from 'react';
import {Box, Text} from 'ink';
import type {BrokerFlavour, ConnectionStatus} from '../../client/types.js';
import {sanitizeLine} from '../../text/sanitize.js';
import {clock} from '../layout/time.js';
import {cellWidth, truncate} from '../layout/wrap.js';

type Props = {
	connection: ConnectionStatus;
	me: string;
	away: {reason: string | undefined} | undefined;
	rtt: number | undefined;
	serverUrl: string;
	/** With --serve: the URLs other machines can join with, best first; empty when only loopback reaches the broker. */
	serveAddresses?: readonly string[];
	flavour: BrokerFlavour;
	pending: number;
	closing: boolean;
	now: number;
	width: number;
};

type Part = {text: string; color?: string; bold?: boolean};

/**
 * The status bar above the input: connection state (connecting / online / reconnecting in Ns,
 * attempt k, and why / offline / auth failed), where, who I am, round-trip time, what is still pending
 * and, when hosting, the address others join with.
 *
 * @example
 * <StatusBar connection={status} me="ana" rtt={3} serverUrl="ws://127.0.0.1:8080" … />
 */
export const StatusBar = memo(function StatusBar(props: Props) {
	const parts: Part[] = [{text: `[${clock(props.now)}]`}, connectionPart(props.connection, props.now, props.closing)];
	parts.push({text: `[${sanitizeLine(props.me)}${props.away ? ` · away${props.away.reason ? `: ${sanitizeLine(props.away.reason)}` : ''}` : ''}]`, bold: true});
	const url = props.connection.state === 'online' || props.connection.state === 'connecting' || props.connection.state === 'reconnecting' || props.connection.state === 'auth_failed'
		? props.connection.url
		: props.serverUrl;
	parts.push({text: `[${sanitizeLine(url)}${props.flavour === 'seed' ? ' · seed server' : ''}]`});
	if (props.connection.state === 'online' && props.rtt !== undefined) parts.push({text: `[rtt ${props.rtt} ms]`});
	if (props.pending > 0) parts.push({text: `[${props.pending} pending]`, color: 'yellow', bold: true});
	if (props.serveAddresses) parts.push({text: `[hosting · ${joinText(props.serveAddresses)}]`, color: 'cyanBright'});
	const fitted = fit(parts, props.width);
	const used = fitted.reduce((sum, part) => sum + cellWidth(part.text) + 1, 0);
	return (
		<Box height={1} width={props.width} flexShrink={0}>
			<Text wrap="truncate-end" backgroundColor="blue" color="white">
				{fitted.map((part, i) => (
					<Text key={i} backgroundColor="blue" color={part.color ?? 'white'} bold={part.bold ?? false}>
						{part.text}{' '}
					</Text>
				))}
				<Text backgroundColor="blue">{' '.repeat(Math.max(0, props.width - used))}</Text>
			</Text>
		</Box>
	);
});

/** `join with: natter --url A (or B, C)`, or that only this machine can join. */
export function joinText(urls: readonly string[]): string {
	if (urls.length === 0) return 'loopback only: other machines cannot join';
	const [first, ...more] = urls.map(sanitizeLine);
	return `join with: natter --url ${first}${more.length > 0 ? ` (or ${more.join(', ')})` : ''}`;
}

/** The connection part, with a countdown to the next attempt while reconnecting. */
export function connectionText(status: ConnectionStatus, now: number, closing = false): string {
	if (closing) return 'closing…';
	switch (status.state) {
		case 'connecting':
			return status.attempt > 1 ? `connecting… (attempt ${status.attempt})` : 'connecting…';
		case 'online':
			return '● online';
		case 'reconnecting': {
			const seconds = Math.max(0, Math.ceil((status.retryAt - now) / 1000));
			return `↻ reconnecting in ${seconds}s, attempt ${status.attempt + 1}: ${sanitizeLine(status.reason)}`;
		}
		case 'offline':
			return status.reason === 'not started' ? 'starting…' : `○ offline: ${sanitizeLine(status.reason)}`;
		case 'auth_failed':
			return `✖ auth failed: ${sanitizeLine(status.reason)}`;
	}
}

function connectionPart(status: ConnectionStatus, now: number, closing: boolean): Part {
	const colour = {connecting: 'yellowBright', online: 'greenBright', reconnecting: 'yellowBright', offline: 'redBright', auth_failed: 'redBright'}[status.state];
	return {text: `[${connectionText(status, now, closing)}]`, color: colour, bold: true};
}

/** Drop parts from the right (keeping the connection state) until the bar fits. */
function fit(parts: Part[], width: number): Part[] {
	const out = [...parts];
	const total = () => out.reduce((sum, part) => sum + cellWidth(part.text) + 1, 0);
	while (out.length > 3 && total() > width) out.splice(out.length - 2, 1);
	if (total() > width && out.length > 0) out[out.length - 1] = {...out.at(-1)!, text: truncate(out.at(-1)!.text, Math.max(1, width - (total() - cellWidth(out.at(-1)!.text))))};
	return out;
}
