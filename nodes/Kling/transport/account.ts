import { createHash } from 'node:crypto';

import type { Clock } from './clock';
import { AdaptiveLimiter } from './limiter';
import { TaskDurations } from './poller';

/** The most images (and so task slots) one task can take. */
const MAX_IMAGES_PER_TASK = 9;

/**
 * What one Kling account has learned, shared by every execution of the node in this n8n process
 * (each worker of a queue-mode install has its own, and so learns its share of the account).
 */
export class Account {
	/** API requests in flight; its level is the one that stopped drawing 429 / 1302. */
	readonly requests: AdaptiveLimiter;

	/** Official API: task slots held from creation to the task's end (a task of n images takes n); 1303 teaches it. */
	readonly taskSlots: AdaptiveLimiter;

	/** How long this account's tasks take, to time the first status check of new ones. */
	readonly taskDurations = new TaskDurations();

	constructor(concurrency: number, clock: Clock) {
		const now = () => clock.now();
		this.requests = new AdaptiveLimiter(concurrency, 0.75, 16, now);
		// Slots start at one per parallel item and may grow to what that many tasks of 9 images take.
		this.taskSlots = new AdaptiveLimiter(concurrency * MAX_IMAGES_PER_TASK, 0.75, 16, now, concurrency);
	}

	/** A run asking for more parallel requests lifts the limits (what was learned below them stays). */
	allow(concurrency: number): void {
		this.requests.allow(concurrency);
		this.taskSlots.allow(concurrency, concurrency * MAX_IMAGES_PER_TASK);
	}
}

const accounts = new Map<string, Account>();

/**
 * An account is its credential type, API address and key; the key only as a hash, so that no
 * secret is kept as a map key or shows in a heap dump's strings.
 */
export function accountKey(credentialType: string, baseUrl: string, secrets: string[]): string {
	const keyHash = createHash('sha256').update(secrets.join('\u0000')).digest('hex').slice(0, 32);
	return `${credentialType} ${baseUrl} ${keyHash}`;
}

/** The account's shared state, made on first use. */
export function accountFor(key: string, concurrency: number, clock: Clock): Account {
	let account = accounts.get(key);
	if (!account) {
		account = new Account(concurrency, clock);
		accounts.set(key, account);
	} else {
		account.allow(concurrency);
	}
	return account;
}
