import { sleep } from 'n8n-workflow';

/** Time as the retry and polling code sees it; tests swap in a virtual clock. */
export interface Clock {
	now(): number;
	sleep(ms: number, signal?: AbortSignal): Promise<void>;
	random(): number;
}

/** n8n marks a run as canceled, not failed, when its error is named like this. */
export function cancelledError(): Error {
	return Object.assign(new Error('Execution canceled'), { name: 'ExecutionCancelledError' });
}

/**
 * Waits `ms`, or rejects as soon as `signal` aborts. Built on `sleep`, the one wait that every
 * n8n-workflow release exports (the abortable one is gone from 2.x) and that n8n Cloud allows.
 */
export async function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
	if (!signal) return await sleep(ms);
	if (signal.aborted) throw cancelledError();
	let onAbort = () => {};
	const aborted = new Promise<never>((_, reject) => {
		onAbort = () => reject(cancelledError());
		signal.addEventListener('abort', onAbort, { once: true });
	});
	try {
		await Promise.race([sleep(ms), aborted]);
	} finally {
		signal.removeEventListener('abort', onAbort);
	}
}

export const systemClock: Clock = {
	now: () => Date.now(),
	sleep: abortableSleep,
	random: () => Math.random(),
};

export interface RetryPolicy {
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

/** Statuses that mean "try again later"; others (400, 401, 403, 404, 422) would fail the same way again. */
export const RETRYABLE_STATUSES = new Set([429, 500, 502, 503, 504]);

/** Retry-After as milliseconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: unknown, nowMs: number): number | undefined {
	const header = Array.isArray(value) ? value[0] : value;
	if (typeof header !== 'string' && typeof header !== 'number') return undefined;
	const text = String(header).trim();
	if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
	const date = Date.parse(text);
	return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** Exponential backoff with "equal jitter": half fixed, half random, so parallel retries spread out. */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number): number {
	const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
	return Math.round(exponential / 2 + (random() * exponential) / 2);
}

export function retryDelay(
	retry: number,
	policy: RetryPolicy,
	random: () => number,
	retryAfterMs?: number,
): number {
	if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxRetryAfterMs);
	return backoffDelay(retry, policy, random);
}

/** The outcome of one attempt: a value, or an error with what to do about it. */
export type Attempt<T> =
	| { ok: true; value: T }
	| { ok: false; error: Error; retryable: boolean; retryAfterMs?: number };

export interface RetryRun<T> {
	value: T;
	attempts: number;
}

/**
 * Runs `attempt` until it succeeds, fails for good, or the retries are used up. The last error is
 * thrown with the number of attempts made attached, so messages can say how hard we tried.
 */
export async function withRetries<T>(
	attempt: (attemptNumber: number) => Promise<Attempt<T>>,
	policy: RetryPolicy,
	clock: Clock,
	signal?: AbortSignal,
): Promise<RetryRun<T>> {
	for (let attemptNumber = 1; ; attemptNumber++) {
		const outcome = await attempt(attemptNumber);
		if (outcome.ok) return { value: outcome.value, attempts: attemptNumber };
		if (!outcome.retryable || attemptNumber > policy.maxRetries) {
			throw Object.assign(outcome.error, { attempts: attemptNumber });
		}
		await clock.sleep(retryDelay(attemptNumber, policy, () => clock.random(), outcome.retryAfterMs), signal);
	}
}
