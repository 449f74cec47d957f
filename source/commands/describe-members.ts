/** A member as a front end knows them: `offline` once they left. */
export type KnownMember = {userId: string; status: 'online' | 'away' | 'offline'; reason?: string};

/** "general: 3 here — ana, bo (away: lunch), cy": the /who answer. */
export function describeMembers(name: string, list: readonly KnownMember[]): string {
	const present = list.filter(m => m.status !== 'offline');
	if (present.length === 0) return `${name}: nobody here`;
	const names = present.map(m => (m.status === 'away' ? `${m.userId} (away${m.reason ? `: ${m.reason}` : ''})` : m.userId));
	return `${name}: ${present.length} here — ${names.join(', ')}`;
}
