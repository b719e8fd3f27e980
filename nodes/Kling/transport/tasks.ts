import { createHash, randomUUID } from 'node:crypto';

import type { IDataObject } from 'n8n-workflow';

import { FINAL_STATUSES, taskImages } from '../wire/answers';
import type { ElementSummary, GeneratedImage, TaskCost, TaskSnapshot } from '../wire/answers';
import type { TaskFamily } from '../wire/taskFamilies';
import { TaskDurations, noteTasksSeen } from './account';
import type { RunningTask, TaskHold, TaskSlots } from './account';
import type { KlingClient } from './client';
import { createTaskRequest, generateRequest, listTasksRequest, lookupTaskRequest, readTaskRequest } from './endpoints';
import {
	cancelledError,
	limitWaitError,
	namingTask,
	notResentAfterUnclear,
	requestError,
	taskFailedError,
} from './errors';
import type { ErrorContext } from './errors';
import { sleepUntil } from './retry';
import type { Clock } from './retry';

/** The images one generation made, with what the output items say about them. */
export interface Generation extends TaskCost {
	images: GeneratedImage[];
	/** What an element task made (its result's `elements`). */
	elements?: ElementSummary[];
	/** Unix seconds. */
	created: number;
	taskId?: string;
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
	/** The account's task slots a task of `family` and `model` takes from (one pool per pack type and model). */
	taskSlots: (family: TaskFamily, model?: string) => TaskSlots;
	/**
	 * What identifies this node run's work: execution, node and run index. The same execution run
	 * again (a queue-mode job re-run by another worker) derives the same external task ids and so
	 * finds its tasks; without an execution id, ids are random.
	 */
	workId?: string;
	signal: AbortSignal;
	context: (itemIndex: number) => ErrorContext;
	settings: { timeoutMs: number; maxWaitMs: number; maxRetries: number; resendAfterUnclear: number };
}

/** A create that failed in a way the API may have processed: look before creating again. */
const UNCLEAR: unique symbol = Symbol('unclear');

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

/** Waits for a created task until it ends (succeeded or failed) or the item's deadline. */
async function pollTask(run: TaskRun, family: TaskFamily, task: TaskSnapshot, deadline: number, itemIndex: number): Promise<TaskSnapshot> {
	const read = async (taskId: string) => await run.client.send(readTaskRequest(family, taskId, deadline, 'Max Wait'), itemIndex);
	return await run.poller.waitFor(task, read, deadline).catch((error: Error) => {
		throw error instanceof PollTimeoutError ? requestError(error.message, run.context(itemIndex)) : error;
	});
}

/** A task's end: its snapshot when it succeeded; a failed task fails its item. */
function succeeded(run: TaskRun, done: TaskSnapshot, itemIndex: number): TaskSnapshot {
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
	return await namingTask(task.taskId, async () => {
		const done = await pollTask(run, 'generation', task, started + maxWaitMs, itemIndex);
		return taskImages(succeeded(run, done, itemIndex));
	});
}

/** A task whose expected duration is not known yet is assumed to end after this long. */
const UNKNOWN_TASK_DURATION_MS = 60_000;

/**
 * Kling's code for a create whose external_task_id is taken: undocumented, 1201 (invalid
 * parameter) is our guess. A refusal with it is checked by looking the id up; any other answer
 * fails the item with Kling's own words, so a different real answer shows at once.
 */
export const TAKEN_EXTERNAL_ID_CODE = 1201;

/** Tasks of one item's chain of attempts looked at before giving up on finding one that did not fail. */
const MAX_ATTEMPT_CHAIN = 10;

/**
 * Waits for `weight` of the account's task slots until `deadline`. The wait races the deadline
 * and wakes when a slot may free without a release (a task's expected end, a due probe);
 * whichever loses is cancelled through a signal of its own.
 */
async function acquireSlots(
	run: TaskRun,
	pool: TaskSlots,
	weight: number,
	deadline: number,
	itemIndex: number,
	urgent: boolean,
): Promise<TaskHold> {
	const started = run.clock.now();
	const scope = new AbortController();
	const signal = AbortSignal.any([run.signal, scope.signal]);
	const woken = Symbol('woken');
	try {
		const granted = pool.acquire(weight, signal, urgent);
		// Settled once the race is decided, so a cancelled wait rejects nowhere.
		granted.catch(() => undefined);
		for (;;) {
			const readAt = pool.readDueAt();
			if (readAt !== undefined && readAt <= run.clock.now()) {
				await pool.refresh(async () => await readRunningTasks(run, pool, deadline, itemIndex));
				continue;
			}
			const wake = Math.min(deadline, pool.nextLookAt());
			// A grant, a release or a refusal may bring the next read sooner: the pool wakes us then.
			const sooner = pool.wakeSooner(wake);
			const nap = new AbortController();
			const slept = sleepUntil(run.clock, wake, AbortSignal.any([signal, nap.signal])).then(
				() => woken,
				() => woken,
			);
			const winner = await Promise.race([granted, slept, sooner.woken.then(() => woken)]).finally(() => {
				nap.abort();
				sooner.cancel();
			});
			if (winner !== woken) return winner as TaskHold;
			if (run.clock.now() >= deadline) break;
			pool.sweep();
		}
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

/** Pages of a task list read at most, newest first: unfinished tasks are the newest. */
const RUNNING_PAGES = 5;
const RUNNING_PAGE_SIZE = 50;

/**
 * The account's tasks of `pool` that Kling's lists show `submitted` or `processing`, whoever
 * created them: each of the pool's families, newest first, page after page while a page is all
 * unfinished. A task naming another model than the pool's is not counted. Reading costs no task
 * slot (Kling does not limit queries); finished tasks seen on the way free their slots.
 */
async function readRunningTasks(run: TaskRun, pool: TaskSlots, deadline: number, itemIndex: number): Promise<RunningTask[]> {
	const running: RunningTask[] = [];
	for (const family of pool.families) {
		for (let page = 1; page <= RUNNING_PAGES; page++) {
			const tasks = await run.client.send(listTasksRequest(family, page, RUNNING_PAGE_SIZE, deadline, 'Max Wait'), itemIndex);
			noteTasksSeen(tasks);
			const unfinished = tasks.filter((task) => !FINAL_STATUSES.includes(task.status));
			for (const task of tasks) {
				const model = task.raw.model_name;
				if (typeof model === 'string' && pool.model !== '' && model !== pool.model) continue;
				const ended = FINAL_STATUSES.includes(task.status);
				// How long tasks take is learned from every finished task the lists show, not only this process's.
				if (ended) run.poller.learn(task);
				running.push({ taskId: task.taskId, createdAt: task.createdAt, ...(ended && { endedAt: task.updatedAt ?? 0 }) });
			}
			if (tasks.length < RUNNING_PAGE_SIZE || unfinished.length < tasks.length) break;
		}
	}
	return running;
}

/**
 * The external_task_id of an item's `attempt`-th task: derived from the work (execution, node,
 * run index, item, family, attempt) when the run has an execution id, so that the same execution
 * run again asks for the same ids; random otherwise. Opaque: a hash, short enough for any field.
 */
function externalIdFor(run: TaskRun, family: TaskFamily, itemIndex: number, attempt: number): string {
	if (run.workId === undefined) return `n8n-kling-${randomUUID()}`;
	const hash = createHash('sha256').update([run.workId, family, itemIndex, attempt].join('\u0000')).digest('base64url');
	return `n8n-kling-${hash.slice(0, 32)}`;
}

/** A create refused because its external_task_id names a task that exists. */
const TAKEN: unique symbol = Symbol('taken');

/**
 * Creates a task exactly once. Every create carries an external_task_id, so after an unclear
 * failure the task is looked up by it and only created again when the API has none; a derived id
 * Kling says is taken (the same work run again) is looked up and that task adopted, unless it
 * failed: then the item's next attempt gets an id of its own. A 1303 (the account's task slots
 * are full) teaches the pool its limit, gives the slots back and waits for them again.
 */
async function createTaskOnce(
	run: TaskRun,
	family: TaskFamily,
	body: IDataObject,
	slots: { pool: TaskSlots; hold: () => TaskHold; retake: () => Promise<void> },
	deadline: number,
	itemIndex: number,
): Promise<TaskSnapshot> {
	const derived = body.external_task_id === undefined;
	const deadlineName = `Max Wait (${seconds(run.settings.maxWaitMs)})`;
	for (let attempt = 0; ; attempt++) {
		const externalTaskId = derived ? externalIdFor(run, family, itemIndex, attempt) : String(body.external_task_id);
		const request = {
			...createTaskRequest(family, { ...body, external_task_id: externalTaskId }, deadline, deadlineName),
			beforeResend: async (_kind: string, code: number | undefined) => {
				if (code !== 1303) return;
				slots.pool.refused(slots.hold());
				slots.hold().release();
				await slots.retake();
			},
		};
		const lookup = async () => await run.client.send(lookupTaskRequest(family, externalTaskId, deadline, deadlineName), itemIndex);
		let task: TaskSnapshot | undefined;
		for (let lookups = 0; task === undefined; lookups++) {
			let refusal: Error | undefined;
			const created = await run.client.send(request, itemIndex).catch((error: Error & { unclear?: boolean; klingCode?: number }) => {
				if (derived && run.workId !== undefined && error.klingCode === TAKEN_EXTERNAL_ID_CODE) {
					refusal = error;
					return TAKEN;
				}
				if (!error.unclear || lookups >= run.settings.maxRetries) throw error;
				return UNCLEAR;
			});
			if (created === TAKEN) {
				task = await lookup();
				// No task under the id: the refusal was about something else, in Kling's own words.
				if (!task) throw refusal as Error;
			} else if (created === UNCLEAR) {
				task = await lookup();
			} else {
				task = created;
			}
		}
		// A task of an earlier run of this work that failed: this run's try is the next attempt.
		if (derived && run.workId !== undefined && task.status === 'failed' && task.externalTaskId === externalTaskId && attempt < MAX_ATTEMPT_CHAIN) {
			continue;
		}
		return task;
	}
}

/**
 * The official API: a task holds `slots` of the task slots of its pack type and `model` from
 * creation until it is seen finished; it is created exactly once under its family's path, then
 * polled under the same family until it ends. Everything is bounded by Max Wait, and every error after creation
 * names the task, so Get Task can recover it. A task not waited for keeps its slots until it is
 * seen finished (Get Task, List Tasks, a callback) or its expected end has passed.
 */
export async function runOfficialTask(
	run: TaskRun,
	family: TaskFamily,
	body: () => Promise<IDataObject>,
	slots: number,
	wait: boolean,
	itemIndex: number,
	model?: string,
): Promise<Generation | StartedTask> {
	const deadline = run.clock.now() + run.settings.maxWaitMs;
	const pool = run.taskSlots(family, model);
	let hold = await acquireSlots(run, pool, slots, deadline, itemIndex, false);
	let task: TaskSnapshot | undefined;
	try {
		const held = {
			pool,
			hold: () => hold,
			retake: async () => {
				hold = await acquireSlots(run, pool, slots, deadline, itemIndex, true);
			},
		};
		task = await createTaskOnce(run, family, await body(), held, deadline, itemIndex);
		hold.created(task.taskId);
		if (!wait) return { taskId: task.taskId, status: task.status, externalTaskId: task.externalTaskId };
		const created = task;
		return await namingTask(created.taskId, async () => {
			task = await pollTask(run, family, created, deadline, itemIndex);
			return taskImages(succeeded(run, task, itemIndex));
		});
	} finally {
		if (task && !FINAL_STATUSES.includes(task.status)) {
			hold.detach(run.clock.now() + (run.poller.estimatedDurationMs() ?? UNKNOWN_TASK_DURATION_MS));
		} else {
			hold.release();
		}
	}
}

export interface PollPolicy {
	/** Wait before the first status check while no task has finished yet; later waits grow from it. */
	intervalMs: number;
	/** Give up waiting after this long (the task itself may still finish). */
	maxWaitMs: number;
	growth: number;
	maxIntervalMs: number;
}

export const DEFAULT_POLL_POLICY: PollPolicy = { intervalMs: 3000, maxWaitMs: 15 * 60_000, growth: 1.25, maxIntervalMs: 30_000 };

/** The task did not finish before the item's Max Wait. */
export class PollTimeoutError extends Error {
	constructor(
		readonly task: TaskSnapshot,
		waitedMs: number,
	) {
		super(
			`Kling task ${task.taskId} was still ${task.status} after ${Math.round(waitedMs / 1000)} s; read it later with Get Task`,
		);
		this.name = 'PollTimeoutError';
	}
}

/**
 * Waits for tasks. Status checks go through the account's limiter (by way of the client that
 * `fetchTask` uses), start after about as long as finished tasks took, then space out gently, so
 * many waiting items cost few requests.
 */
export class TaskPoller {
	constructor(
		private readonly policy: PollPolicy,
		private readonly clock: Clock,
		private readonly signal?: AbortSignal,
		private readonly durations = new TaskDurations(),
	) {}

	estimatedDurationMs(): number | undefined {
		return this.durations.estimateMs();
	}

	/** A task seen finished elsewhere (a task list): how long it took counts too. */
	learn(task: TaskSnapshot): void {
		this.durations.learn(task);
	}

	/** Checks `task` with `fetchTask` until it succeeds or fails, or `deadline` (clock time) passes. */
	async waitFor(
		task: TaskSnapshot,
		fetchTask: (taskId: string) => Promise<TaskSnapshot>,
		deadline = this.clock.now() + this.policy.maxWaitMs,
	): Promise<TaskSnapshot> {
		const started = this.clock.now();
		let interval = this.policy.intervalMs;
		let delay = Math.max(250, this.estimatedDurationMs() ?? interval);
		// A signal of its own: sleeps leave a listener on it, which must not pile up on the run's.
		const signal = this.signal && AbortSignal.any([this.signal]);
		let snapshot = task;
		while (!FINAL_STATUSES.includes(snapshot.status)) {
			const remaining = deadline - this.clock.now();
			if (remaining <= 0) throw new PollTimeoutError(snapshot, this.clock.now() - started);
			await this.clock.sleep(Math.round(Math.min(delay, remaining)), signal);
			snapshot = await fetchTask(task.taskId);
			interval = Math.min(this.policy.maxIntervalMs, interval * this.policy.growth);
			delay = interval;
		}
		this.durations.learn(snapshot);
		return snapshot;
	}
}
