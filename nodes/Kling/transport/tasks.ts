import { randomUUID } from 'node:crypto';

import type { IDataObject } from 'n8n-workflow';

import { taskImages } from '../wire/answers';
import type { GeneratedImage, TaskSnapshot } from '../wire/answers';
import type { TaskFamily } from '../wire/taskFamilies';
import type { KlingClient } from './client';
import { sleepUntil } from './clock';
import type { Clock } from './clock';
import { cancelledError, limitWaitError, namingTask, notResentAfterUnclear, requestError, taskFailedError } from './errors';
import type { ErrorContext } from './errors';
import { createTaskRequest, generateRequest, lookupTaskRequest, readTaskRequest } from './endpoints';
import type { AdaptiveLimiter, LimiterSlot } from './limiter';
import { PollTimeoutError } from './poller';
import type { TaskPoller } from './poller';

/** The images one generation made, with what the output items say about them. */
export interface Generation {
	images: GeneratedImage[];
	/** Unix seconds. */
	created: number;
	taskId?: string;
	/** What the task cost, when the API says (`final_unit_deduction`). */
	unitsDeducted?: number;
}

/** A task created without waiting for it (Wait for Completion off). */
export interface StartedTask {
	taskId: string;
	status: string;
	externalTaskId?: string;
}

/** What a generation needs from its run: the client, the account's limits, the run's settings. */
export interface TaskRun {
	client: KlingClient;
	clock: Clock;
	poller: TaskPoller;
	taskSlots: AdaptiveLimiter;
	signal: AbortSignal;
	context: (itemIndex: number) => ErrorContext;
	settings: { timeoutMs: number; maxWaitMs: number; maxRetries: number; resendAfterUnclear: number };
}

/** A create that failed in a way the API may have processed: look before creating again. */
const UNCLEAR: unique symbol = Symbol('unclear');

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

/** Waits for a created task until it ends or the item's deadline; a failed task fails its item. */
async function waitForTask(
	run: TaskRun,
	family: TaskFamily,
	task: TaskSnapshot,
	deadline: number,
	itemIndex: number,
): Promise<TaskSnapshot> {
	const read = async (taskId: string) => await run.client.send(readTaskRequest(family, taskId, deadline, 'Max Wait'), itemIndex);
	const done = await run.poller
		.waitFor(task, read, deadline)
		.catch((error: Error) => {
			throw error instanceof PollTimeoutError ? requestError(error.message, run.context(itemIndex)) : error;
		});
	if (done.status === 'failed') throw taskFailedError(done, run.context(itemIndex));
	return done;
}

/**
 * The gateway: one call that answers with the images, or (on gateways relaying Kling's task API)
 * with a task to wait for. Bounded by Timeout; an unclear failure is resent only as allowed.
 */
export async function generateOnGateway(run: TaskRun, body: () => Promise<IDataObject>, itemIndex: number): Promise<Generation> {
	const started = run.clock.now();
	const { timeoutMs, maxWaitMs, resendAfterUnclear } = run.settings;
	const request = generateRequest(await body(), started + timeoutMs, `Timeout (${seconds(timeoutMs)})`, resendAfterUnclear);
	const answer = await run.client.send(request, itemIndex).catch((error: Error): never => {
		throw notResentAfterUnclear(error, 'made (and billed) the images', 'Options > Resend After Unclear Failures allows it');
	});
	if (answer.kind === 'images') return { images: answer.images, created: answer.created };
	const task: TaskSnapshot = { taskId: answer.taskId, status: answer.taskStatus, images: [], raw: {} };
	return await namingTask(task.taskId, async () => taskImages(await waitForTask(run, 'generation', task, started + maxWaitMs, itemIndex)));
}

/**
 * Waits for `weight` of the account's task slots until `deadline`. The wait races the deadline;
 * whichever loses is cancelled through a signal of its own.
 */
async function acquireSlots(
	run: TaskRun,
	weight: number,
	deadline: number,
	itemIndex: number,
	urgent: boolean,
): Promise<LimiterSlot> {
	const started = run.clock.now();
	const scope = new AbortController();
	const signal = AbortSignal.any([run.signal, scope.signal]);
	const timedOut = Symbol('deadline');
	try {
		const winner = await Promise.race([run.taskSlots.acquire(signal, urgent, weight), sleepUntil(run.clock, deadline, signal).then(() => timedOut)]);
		if (winner !== timedOut) return winner as LimiterSlot;
	} catch {
		// Only a cancellation ends the race with an error: the run's, since our own comes after it.
		throw cancelledError();
	} finally {
		scope.abort();
	}
	const slots = `${weight} free task slot${weight === 1 ? '' : 's'}`;
	const deadlineName = `Max Wait (${seconds(run.settings.maxWaitMs)})`;
	throw limitWaitError(`waiting for ${slots}`, run.clock.now() - started, { ...run.context(itemIndex), deadlineName });
}

/**
 * Creates a task exactly once. Every create carries an external_task_id (the user's, or one made
 * here for this item), so after an unclear failure the task is looked up by it and only created
 * again when the API has none. A 1303 (the account's task slots are full) gives the slots back and
 * waits for them again.
 */
async function createTaskOnce(
	run: TaskRun,
	family: TaskFamily,
	body: IDataObject,
	holdSlots: () => LimiterSlot,
	retakeSlots: () => Promise<void>,
	deadline: number,
	itemIndex: number,
): Promise<TaskSnapshot> {
	const externalTaskId = String(body.external_task_id);
	const deadlineName = `Max Wait (${seconds(run.settings.maxWaitMs)})`;
	const request = {
		...createTaskRequest(family, body, deadline, deadlineName),
		beforeResend: async (_kind: string, code: number | undefined) => {
			if (code !== 1303) return;
			run.taskSlots.onThrottle(holdSlots());
			holdSlots().release();
			await retakeSlots();
		},
	};
	for (let lookups = 0; ; lookups++) {
		const created = await run.client.send(request, itemIndex).catch((error: Error & { unclear?: boolean }): typeof UNCLEAR => {
			if (!error.unclear || lookups >= run.settings.maxRetries) throw error;
			return UNCLEAR;
		});
		if (created !== UNCLEAR) return created;
		const found = await run.client.send(lookupTaskRequest(family, externalTaskId, deadline, deadlineName), itemIndex);
		if (found) return found;
	}
}

/** Every create carries an external_task_id: the user's, or one made here for this item's chain of attempts. */
function withExternalId(body: IDataObject): IDataObject {
	return { ...body, external_task_id: body.external_task_id ?? `n8n-kling-${randomUUID()}` };
}

/**
 * The official API: a task holds `images` of the account's task slots from creation to its end;
 * it is created exactly once under its family's path, then polled under the same family until it
 * ends. Everything is bounded by Max Wait, and every error after creation names the task, so Get
 * Task can recover it.
 */
export async function runOfficialTask(
	run: TaskRun,
	family: TaskFamily,
	body: () => Promise<IDataObject>,
	images: number,
	wait: boolean,
	itemIndex: number,
): Promise<Generation | StartedTask> {
	const deadline = run.clock.now() + run.settings.maxWaitMs;
	let slot = await acquireSlots(run, images, deadline, itemIndex, false);
	try {
		const task = await createTaskOnce(
			run,
			family,
			withExternalId(await body()),
			() => slot,
			async () => {
				slot = await acquireSlots(run, images, deadline, itemIndex, true);
			},
			deadline,
			itemIndex,
		);
		if (!wait) return { taskId: task.taskId, status: task.status, externalTaskId: task.externalTaskId };
		return await namingTask(task.taskId, async () => {
			const done = await waitForTask(run, family, task, deadline, itemIndex);
			run.taskSlots.onSuccess();
			return taskImages(done);
		});
	} finally {
		slot.release();
	}
}
