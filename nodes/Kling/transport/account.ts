import { createHash } from 'node:crypto';

import { FINAL_STATUSES } from '../wire/answers';
import type { TaskSnapshot } from '../wire/answers';
import type { TaskFamily } from '../wire/taskFamilies';
import type { Clock } from './clock';
import { AdaptiveLimiter, TaskSlots } from './limiter';
import { TaskDurations } from './poller';

/**
 * Kling counts concurrent tasks per account and per pack type: virtual try-on has a pool of its
 * own, every other image task family shares the image pool.
 */
export type PackType = 'image' | 'tryOn';

export function packTypeOf(family: TaskFamily): PackType {
	return family === 'tryOn' ? 'tryOn' : 'image';
}

/**
 * What one Kling account has learned, shared by every execution of the node in this n8n process
 * (each worker of a queue-mode install has its own, and so learns its share of the account).
 */
export class Account {
	/** API requests in flight; its level is the one that stopped drawing 429 / 1302. */
	readonly requests: AdaptiveLimiter;

	/** Official API: task slots per pack type, held from creation to the task's end (n images take n); 1303 teaches the limit. */
	private readonly taskPools: Record<PackType, TaskSlots>;

	/** How long this account's tasks take, to time the first status check of new ones. */
	readonly taskDurations = new TaskDurations();

	/** Clock time of the last run that used it. */
	lastUsedAt: number;

	constructor(concurrency: number, clock: Clock) {
		const now = () => clock.now();
		this.lastUsedAt = now();
		this.requests = new AdaptiveLimiter(concurrency, 0.75, 16, now, concurrency, () => clock.random());
		this.taskPools = { image: new TaskSlots(now), tryOn: new TaskSlots(now) };
	}

	/** The task slots a task of `family` takes from. */
	taskSlots(family: TaskFamily): TaskSlots {
		return this.taskPools[packTypeOf(family)];
	}

	/** A task seen in a final state gives its slots back, whichever run created it. */
	taskSeen(task: TaskSnapshot): void {
		if (!FINAL_STATUSES.includes(task.status)) return;
		for (const pool of Object.values(this.taskPools)) pool.finished(task.taskId);
	}

	/** Nothing in flight, nothing waiting, no task holding slots: forgetting it loses only what was learned. */
	get idle(): boolean {
		return this.requests.active === 0 && this.requests.queued === 0 && Object.values(this.taskPools).every((pool) => pool.idle);
	}

	/** A run asking for more parallel requests lifts the request limit (what was learned below it stays). */
	allow(concurrency: number): void {
		this.requests.allow(concurrency);
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

/** An account idle this long is forgotten; so is the longest unused idle one past MAX_ACCOUNTS. */
export const ACCOUNT_IDLE_MS = 60 * 60_000;
export const MAX_ACCOUNTS = 100;

/** Drops idle accounts unused for ACCOUNT_IDLE_MS, then the longest unused idle ones while there are too many. */
function evictAccounts(now: number): void {
	for (const [key, account] of accounts) if (account.idle && now - account.lastUsedAt >= ACCOUNT_IDLE_MS) accounts.delete(key);
	if (accounts.size <= MAX_ACCOUNTS) return;
	const idle = [...accounts].filter(([, account]) => account.idle).sort(([, a], [, b]) => a.lastUsedAt - b.lastUsedAt);
	for (const [key] of idle.slice(0, accounts.size - MAX_ACCOUNTS)) accounts.delete(key);
}

/** The account's shared state, made on first use; idle accounts not used for a while are forgotten. */
export function accountFor(key: string, concurrency: number, clock: Clock): Account {
	let account = accounts.get(key);
	if (!account) {
		account = new Account(concurrency, clock);
		accounts.set(key, account);
	} else {
		account.allow(concurrency);
	}
	account.lastUsedAt = clock.now();
	evictAccounts(clock.now());
	return account;
}

/** How many accounts this process keeps state for. */
export function accountCount(): number {
	return accounts.size;
}

/**
 * Tasks seen in a final state outside a run's own polling (Get Task, List Tasks, a callback to
 * the Kling Trigger, which knows no account): their slots are given back in whichever account holds them.
 */
export function noteTasksSeen(tasks: TaskSnapshot[]): void {
	for (const account of accounts.values()) for (const task of tasks) account.taskSeen(task);
}
