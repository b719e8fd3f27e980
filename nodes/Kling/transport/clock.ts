import { sleep } from 'n8n-workflow';

import { cancelledError } from './errors';

/** Time as the retry, limiter and polling code sees it; tests swap in a virtual clock. */
export interface Clock {
	now(): number;
	sleep(ms: number, signal?: AbortSignal): Promise<void>;
	random(): number;
}

/** A long wait is slept in steps this long, so a cancelled one leaves no timer behind for longer. */
const SLEEP_STEP_MS = 250;

/**
 * Waits `ms`, or rejects as soon as `signal` aborts. Built on `sleep`, the one wait that every
 * n8n-workflow release exports (the abortable one is gone from 2.x) and that n8n Cloud allows; it
 * cannot be cancelled, so the wait is taken in short steps and a cancelled one ends within a step.
 */
export async function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
	if (!signal) return await sleep(ms);
	if (signal.aborted) throw cancelledError();
	let onAbort = () => {};
	const aborted = new Promise<never>((_, reject) => {
		onAbort = () => reject(cancelledError());
		signal.addEventListener('abort', onAbort, { once: true });
	});
	const steps = async () => {
		const end = Date.now() + ms;
		for (let left = ms; left > 0 && !signal.aborted; left = end - Date.now()) await sleep(Math.min(SLEEP_STEP_MS, left));
	};
	try {
		await Promise.race([steps(), aborted]);
	} finally {
		signal.removeEventListener('abort', onAbort);
	}
}

export const systemClock: Clock = {
	now: () => Date.now(),
	sleep: abortableSleep,
	random: () => Math.random(),
};

/**
 * Resolves at `deadline` (clock time). Sleeps a second at a time, so that once the race it is in
 * is decided and `signal` aborts, no long timer is left behind to keep n8n (or a test run) waiting.
 */
export async function sleepUntil(clock: Clock, deadline: number, signal: AbortSignal): Promise<void> {
	for (let left = deadline - clock.now(); left > 0; left = deadline - clock.now()) await clock.sleep(Math.min(1000, left), signal);
}
