import type { Clock } from './clock';
import type { DeadlineWait, FailureKind } from './errors';

// Declared with the errors they shape, so that errors.ts needs nothing of this file.
export type { DeadlineWait, FailureKind } from './errors';

export interface RetryPolicy {
	/** Resends after failures the API may not have seen (5xx, broken connections); waits for the limit are free. */
	maxRetries: number;
	/** First wait; each later one doubles. */
	baseDelayMs: number;
	/** Cap on a computed wait. */
	maxDelayMs: number;
	/** Cap on a wait the server asks for with Retry-After. */
	maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
	maxRetries: 4,
	baseDelayMs: 1000,
	maxDelayMs: 30_000,
	maxRetryAfterMs: 300_000,
};



/** The outcome of one attempt: a value, or an error with what kind of failure it was. */
export type Attempt<T> =
	| { ok: true; value: T }
	| { ok: false; error: Error; kind: FailureKind; retryAfterMs?: number; retryAfterText?: string };

export interface RetryRun<T> {
	value: T;
	attempts: number;
}

/** How one request may be sent again. */
export interface RetryBudget {
	policy: RetryPolicy;
	/** Resends allowed after unclear failures (at most Max Retries); reads may always be resent. */
	unclearResends: number;
	/** Clock time after which no more waiting is done for this request's item. */
	deadline: number;
	/** Says what the item was waiting for when its deadline ends it (or when the server asks for more). */
	deadlineError: (lastError: Error, wait: DeadlineWait) => Error;
	/** Called before a throttled request is sent again (for example to give back and take a task slot). */
	beforeResend?: (kind: FailureKind) => Promise<void>;
}

/** Retry-After as milliseconds: non-negative delta-seconds or a valid HTTP date; anything else is ignored. */
export function parseRetryAfter(value: unknown, nowMs: number): number | undefined {
	const header = Array.isArray(value) ? value[0] : value;
	if (typeof header !== 'string' && typeof header !== 'number') return undefined;
	const text = String(header).trim();
	if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
	// Only an HTTP date (it names a weekday or month); "-1" or "-3600" must not parse as one.
	if (!/^[A-Za-z]{3},? /.test(text)) return undefined;
	const date = Date.parse(text);
	return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** Exponential backoff with "equal jitter": half fixed, half random, so parallel retries spread out. */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number): number {
	const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
	return Math.round(exponential / 2 + (random() * exponential) / 2);
}

export function retryDelay(retry: number, policy: RetryPolicy, random: () => number, retryAfterMs?: number): number {
	if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxRetryAfterMs);
	return backoffDelay(retry, policy, random);
}

/**
 * Runs `attempt` until it succeeds or fails for good. Throttles are waited out until the
 * deadline without spending retries; unsent and unclear failures spend Max Retries, unclear ones
 * also the request's own allowance. The last error is thrown with the number of attempts made.
 */
export async function withRetries<T>(
	attempt: (attemptNumber: number) => Promise<Attempt<T>>,
	budget: RetryBudget,
	clock: Clock,
	signal?: AbortSignal,
): Promise<RetryRun<T>> {
	const { policy } = budget;
	const started = clock.now();
	let retries = 0;
	let unclear = 0;
	let throttles = 0;
	for (let attemptNumber = 1; ; attemptNumber++) {
		const outcome = await attempt(attemptNumber);
		if (outcome.ok) return { value: outcome.value, attempts: attemptNumber };
		const fail = (error: Error) => Object.assign(error, { attempts: attemptNumber });
		if (outcome.kind === 'final') throw fail(outcome.error);
		let delay: number;
		if (outcome.kind === 'throttled') {
			throttles++;
			delay = retryDelay(throttles, policy, () => clock.random(), outcome.retryAfterMs);
		} else {
			retries++;
			if (outcome.kind === 'unclear') unclear++;
			if (retries > policy.maxRetries) throw fail(outcome.error);
			// Marked, so the caller can say why it stopped, or look for the work that may exist.
			if (unclear > budget.unclearResends) throw Object.assign(fail(outcome.error), { unclear: true });
			delay = retryDelay(retries, policy, () => clock.random(), outcome.retryAfterMs);
		}
		const leftMs = budget.deadline - clock.now();
		if (delay >= leftMs || (outcome.retryAfterMs ?? 0) > leftMs) {
			const askedWait = (outcome.retryAfterMs ?? 0) > leftMs ? outcome.retryAfterText : undefined;
			const throttled = outcome.kind === 'throttled';
			if (!throttled && askedWait === undefined) throw fail(outcome.error);
			throw fail(budget.deadlineError(outcome.error, { throttled, waitedMs: clock.now() - started, leftMs, askedWait }));
		}
		await clock.sleep(delay, signal);
		await budget.beforeResend?.(outcome.kind);
	}
}

/** Says how hard we tried, once retries are used up. */
export function throwNotingAttempts(error: Error & { attempts?: number }): never {
	if (error.attempts && error.attempts > 1) error.message = `${error.message} (after ${error.attempts} attempts)`;
	throw error;
}
