import {createHash, timingSafeEqual} from 'node:crypto';
import {nameSkeleton} from '../protocol/names.js';
import {newToken} from './ids.js';
import type {NameKeyStore} from './engines/name-key-store.js';

/** How open mode keeps names: for how long after their last use, and how many at most. */
export type NameKeepOptions = {
	/** A kept name unused (no connection named so opened or closed) for this long is released (ms). */
	keepMs: number;
	/** Names kept at most; past it a new name is used unkept (its welcome carries no key). */
	maxKept: number;
	now?: () => number;
};

/** The outcome of claiming a name: refused with a sentence, or allowed (with a newly issued key to hand over in `welcome`). */
export type NameClaim = {ok: true; issued?: string} | {ok: false; error: string};

/**
 * Open mode's proof of a name (issue 16.9): the first `hello` with a name nobody keeps is issued
 * a key in `welcome`; from then on a connection may take that name (or any name that looks like
 * it: the comparison form is nameSkeleton) only by presenting the key in `hello.key`. So the
 * next person to type `bob` cannot read bob's direct messages, receive them live, or move his
 * acknowledged positions. Names are claimed without a key (and so kept by nobody) by the seed's
 * clients, which name themselves in `subscribe`/`publish` and never see a `welcome`.
 */
export class NameKeys {
	private readonly now: () => number;

	constructor(
		private readonly store: NameKeyStore,
		private readonly options: NameKeepOptions,
	) {
		this.now = options.now ?? Date.now;
	}

	/**
	 * May a connection take `name`, presenting `key`? `issue` (a `hello`, whose `welcome` can
	 * carry the key) keeps a name nobody keeps yet. Call it only once the name is otherwise free
	 * on this node, and `forget` an issued key if binding the name then fails.
	 */
	async claim(name: string, key: string | undefined, issue: boolean): Promise<NameClaim> {
		const skeleton = nameSkeleton(name);
		let record = await this.store.get(skeleton);
		if (record && this.now() - record.lastUsed > this.options.keepMs) {
			await this.store.remove(skeleton);
			record = undefined;
		}
		if (record) {
			if (record.name !== name) return {ok: false, error: `"${name}" looks like "${record.name}", a name kept for the person who uses it; pick another`};
			if (key === undefined || !sameHash(hashKey(key), record.hash)) {
				return {ok: false, error: `the name "${name}" is kept for the person who used it before (their natter client presents its key); pick another`};
			}
			await this.store.touch(skeleton, this.now());
			return {ok: true};
		}
		if (!issue || (await this.store.count()) >= this.options.maxKept) return {ok: true};
		const issued = newToken();
		if (!(await this.store.add(skeleton, {name, hash: hashKey(issued), lastUsed: this.now()}))) {
			return {ok: false, error: `the name "${name}" was just taken; pick another`};
		}
		return {ok: true, issued};
	}

	/** Whether `name` itself (not a look-alike) is kept for someone: they have been here. */
	async kept(name: string): Promise<boolean> {
		const record = await this.store.get(nameSkeleton(name));
		return record !== undefined && record.name === name && this.now() - record.lastUsed <= this.options.keepMs;
	}

	/** A connection of a kept name closed: the name was in use until now. */
	async used(name: string): Promise<void> {
		const skeleton = nameSkeleton(name);
		const record = await this.store.get(skeleton);
		if (record?.name === name) await this.store.touch(skeleton, this.now());
	}

	/** Undo a key `claim` issued for a name that then could not be bound. */
	async forget(name: string): Promise<void> {
		await this.store.remove(nameSkeleton(name));
	}
}

function hashKey(key: string): string {
	return createHash('sha256').update(key).digest('base64url');
}

function sameHash(a: string, b: string): boolean {
	const x = Buffer.from(a);
	const y = Buffer.from(b);
	return x.length === y.length && timingSafeEqual(x, y);
}
