import { abortableSleep } from '../../../../nodes/Kling/transport/retry';
import {
	DEFAULT_RETRY_POLICY,
	backoffDelay,
	parseRetryAfter,
	retryDelay,
	withRetries,
} from '../../../../nodes/Kling/transport/retry';
import type { Attempt, FailureKind, RetryBudget } from '../../../../nodes/Kling/transport/retry';
import { VirtualClock } from '../../../support/virtualClock';

const policy = { ...DEFAULT_RETRY_POLICY, maxRetries: 4 };

/** A budget with no deadline to speak of; tests override what they look at. */
function budget(overrides: Partial<RetryBudget> = {}): RetryBudget {
	return {
		policy,
		unclearResends: Infinity,
		deadline: Number.MAX_SAFE_INTEGER,
		deadlineError: (error, wait) => new Error(`deadline: ${error.message} ${JSON.stringify(wait)}`),
		...overrides,
	};
}

describe('parseRetryAfter', () => {
	const now = Date.parse('2026-01-01T00:00:00Z');

	it('reads delta seconds and HTTP dates', () => {
		expect(parseRetryAfter('3', now)).toBe(3000);
		expect(parseRetryAfter('0.5', now)).toBe(500);
		expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10_000);
		expect(parseRetryAfter(['2'], now)).toBe(2000);
	});

	it('treats a date in the past as no wait, and nonsense as absent', () => {
		expect(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0);
		expect(parseRetryAfter('soon', now)).toBeUndefined();
		expect(parseRetryAfter(undefined, now)).toBeUndefined();
	});

	it('ignores negative values instead of reading them as dates', () => {
		expect(parseRetryAfter('-1', now)).toBeUndefined();
		expect(parseRetryAfter('-3600', now)).toBeUndefined();
		expect(parseRetryAfter('2026', now)).toBe(2_026_000);
	});
});

describe('backoff', () => {
	it('doubles from about a second, with jitter in the upper half, up to the cap', () => {
		expect(backoffDelay(1, policy, () => 0)).toBe(500);
		expect(backoffDelay(1, policy, () => 1)).toBe(1000);
		expect(backoffDelay(3, policy, () => 1)).toBe(4000);
		expect(backoffDelay(20, policy, () => 1)).toBe(policy.maxDelayMs);
	});

	it('prefers the server-given wait, within its cap', () => {
		expect(retryDelay(1, policy, () => 1, 7000)).toBe(7000);
		expect(retryDelay(1, policy, () => 1, 10 * 60_000)).toBe(policy.maxRetryAfterMs);
	});
});

describe('withRetries on virtual time', () => {
	function script(outcomes: Array<Attempt<string>>) {
		let calls = 0;
		return {
			attempt: async () => outcomes[Math.min(calls++, outcomes.length - 1)],
			calls: () => calls,
		};
	}
	const failed = (kind: FailureKind, retryAfterMs?: number): Attempt<string> => ({
		ok: false,
		error: new Error('busy'),
		kind,
		retryAfterMs,
		retryAfterText: retryAfterMs === undefined ? undefined : `${retryAfterMs / 1000} s`,
	});
	const retryable = (retryAfterMs?: number) => failed('unsent', retryAfterMs);

	it('retries until success and waits as told', async () => {
		const clock = new VirtualClock(1);
		const run = script([retryable(2000), retryable(), { ok: true, value: 'done' }]);
		await expect(withRetries(run.attempt, budget(), clock)).resolves.toEqual({ value: 'done', attempts: 3 });
		expect(clock.sleeps).toEqual([2000, 2000]);
	});

	it('gives up after maxRetries with the last error and the attempt count', async () => {
		const clock = new VirtualClock(0);
		const run = script([retryable()]);
		await expect(withRetries(run.attempt, budget({ policy: { ...policy, maxRetries: 2 } }), clock)).rejects.toMatchObject({
			message: 'busy',
			attempts: 3,
		});
		expect(run.calls()).toBe(3);
		expect(clock.sleeps).toEqual([500, 1000]);
	});

	it('never retries a final error', async () => {
		const clock = new VirtualClock();
		const run = script([{ ok: false, error: new Error('bad request'), kind: 'final' }]);
		await expect(withRetries(run.attempt, budget(), clock)).rejects.toThrow('bad request');
		expect(run.calls()).toBe(1);
		expect(clock.sleeps).toEqual([]);
	});

	it('stops waiting when the signal is aborted', async () => {
		const clock = new VirtualClock();
		const controller = new AbortController();
		controller.abort();
		const run = script([retryable(), { ok: true, value: 'late' }]);
		await expect(withRetries(run.attempt, budget(), clock, controller.signal)).rejects.toThrow('aborted');
		expect(run.calls()).toBe(1);
	});
});

describe('withRetries by kind of failure', () => {
	function script(outcomes: Array<Attempt<string>>) {
		let calls = 0;
		return { attempt: async () => outcomes[Math.min(calls++, outcomes.length - 1)], calls: () => calls };
	}
	const failed = (kind: FailureKind, retryAfterMs?: number): Attempt<string> => ({
		ok: false,
		error: new Error(kind),
		kind,
		retryAfterMs,
		retryAfterText: retryAfterMs === undefined ? undefined : `${retryAfterMs / 1000} s`,
	});

	it('waits out throttles without spending Max Retries', async () => {
		const clock = new VirtualClock(1);
		const run = script([...Array.from({ length: 8 }, () => failed('throttled', 1000)), { ok: true, value: 'done' }]);
		const result = await withRetries(run.attempt, budget({ policy: { ...policy, maxRetries: 0 } }), clock);
		expect(result).toEqual({ value: 'done', attempts: 9 });
		expect(clock.sleeps).toEqual(Array.from({ length: 8 }, () => 1000));
	});

	it('stops a throttled request at its deadline, saying how long it waited', async () => {
		const clock = new VirtualClock(1);
		const run = script([failed('throttled', 1000)]);
		const deadline = clock.now() + 5500;
		await expect(withRetries(run.attempt, budget({ deadline }), clock)).rejects.toThrow(
			'deadline: throttled {"throttled":true,"waitedMs":5000,"leftMs":500,"askedWait":"1 s"}',
		);
		expect(run.calls()).toBe(6);
	});

	it('fails at once when the server asks for a wait longer than the time left, quoting it', async () => {
		const clock = new VirtualClock(1);
		const run = script([failed('throttled', 86_400_000)]);
		await expect(withRetries(run.attempt, budget({ deadline: clock.now() + 600_000 }), clock)).rejects.toThrow(
			'deadline: throttled {"throttled":true,"waitedMs":0,"leftMs":600000,"askedWait":"86400 s"}',
		);
		expect(clock.sleeps).toEqual([]);
	});

	it('resends an unclear failure only within its allowance, and marks the error', async () => {
		const clock = new VirtualClock(1);
		const run = script([failed('unclear'), failed('unclear'), { ok: true, value: 'late' }]);
		await expect(withRetries(run.attempt, budget({ unclearResends: 1 }), clock)).rejects.toMatchObject({
			message: 'unclear',
			unclear: true,
			attempts: 2,
		});
		expect(run.calls()).toBe(2);
	});

	it('resends unsent failures within Max Retries even when unclear ones are not allowed', async () => {
		const clock = new VirtualClock(1);
		const run = script([failed('unsent'), failed('unsent'), { ok: true, value: 'done' }]);
		await expect(withRetries(run.attempt, budget({ unclearResends: 0 }), clock)).resolves.toEqual({ value: 'done', attempts: 3 });
	});

	it('runs the resend hook before each resend, with the kind of failure', async () => {
		const clock = new VirtualClock(1);
		const kinds: FailureKind[] = [];
		const run = script([failed('throttled'), failed('unsent'), { ok: true, value: 'done' }]);
		await withRetries(run.attempt, budget({ beforeResend: async (kind) => void kinds.push(kind) }), clock);
		expect(kinds).toEqual(['throttled', 'unsent']);
	});
});

describe('abortableSleep', () => {
	it('waits the given time', async () => {
		const started = Date.now();
		await abortableSleep(50);
		expect(Date.now() - started).toBeGreaterThanOrEqual(45);
	});

	it('rejects at once on abort, as a cancellation, and leaves no listener behind', async () => {
		const controller = new AbortController();
		const started = Date.now();
		const waiting = abortableSleep(10_000, controller.signal);
		setTimeout(() => controller.abort(), 20);
		await expect(waiting).rejects.toMatchObject({ name: 'ExecutionCancelledError', message: 'Execution canceled' });
		expect(Date.now() - started).toBeLessThan(1000);
		await expect(abortableSleep(10, controller.signal)).rejects.toThrow('Execution canceled');
	});

	it('removes its listener when the wait ends normally', async () => {
		const controller = new AbortController();
		const added: string[] = [];
		const removed: string[] = [];
		const signal = controller.signal;
		const add = signal.addEventListener.bind(signal);
		const remove = signal.removeEventListener.bind(signal);
		signal.addEventListener = ((type: string, listener: () => void, options?: AddEventListenerOptions) => (added.push(type), add(type, listener, options))) as typeof signal.addEventListener;
		signal.removeEventListener = ((type: string, listener: () => void) => (removed.push(type), remove(type, listener))) as typeof signal.removeEventListener;
		await abortableSleep(5, signal);
		expect(added).toEqual(['abort']);
		expect(removed).toEqual(['abort']);
	});
});
