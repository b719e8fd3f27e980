import type { ICredentialDataDecryptedObject, IDataObject, IExecuteFunctions, INode } from 'n8n-workflow';

import type { AccountCosts } from '../wire/accountCosts';
import type { TaskSnapshot } from '../wire/answers';
import type { ElementList, Recognition } from '../wire/elements';
import { CREDENTIAL_OF } from '../wire/mode';
import type { Mode } from '../wire/mode';
import type { RunSettings } from '../wire/runSettings';
import { credentialSecrets } from '../wire/secrets';
import { TASK_FAMILIES } from '../wire/taskFamilies';
import type { TaskFamily } from '../wire/taskFamilies';
import { accountFor, accountKey, noteTasksSeen } from './account';
import { authorizationFor, officialBaseUrl } from './auth';
import { KlingClient, normalizeBaseUrl } from './client';
import type { DownloadContext, ImageStore } from './download';
import {
	accountCostsRequest,
	deleteElementRequest,
	listPresetElementsRequest,
	listTasksRequest,
	lookupTaskRequest,
	recognizeRequest,
} from './endpoints';
import { accountCostsError, credentialSetupError, notResentAfterUnclear } from './errors';
import { DEFAULT_RETRY_POLICY, systemClock } from './retry';
import type { Clock } from './retry';
import { DEFAULT_POLL_POLICY, TaskPoller, generateOnGateway, runOfficialTask } from './tasks';
import type { Generation, StartedTask, TaskRun } from './tasks';

/** Status checks and list calls answer at once or not at all: they get this bound, not the generation Timeout. */
const READ_TIMEOUT_MS = 30_000;

/**
 * What a session needs of n8n: a node run's context, or a webhook's (the trigger reads tasks back),
 * which has no execution to cancel.
 */
export type SessionContext = DownloadContext & {
	getCredentials(type: string): Promise<ICredentialDataDecryptedObject>;
	getNode(): INode;
	getExecutionCancelSignal?: IExecuteFunctions['getExecutionCancelSignal'];
};

/** Links our own abort to n8n's cancel signal, so a failing run can stop its other requests too. */
function runAbortController(ctx: SessionContext): AbortController {
	const controller = new AbortController();
	const cancel = ctx.getExecutionCancelSignal?.();
	if (cancel?.aborted) controller.abort(cancel.reason);
	cancel?.addEventListener('abort', () => controller.abort(cancel.reason), { once: true });
	return controller;
}

/**
 * What one node run uses to reach Kling: its settings and cancellation, over the account's shared
 * limits. Operations call it; it owns every request, wait and task of the run.
 */
export class Session {
	constructor(
		readonly mode: Mode,
		/** The credential's secrets, to be masked wherever the API's words or URLs are shown. */
		readonly secrets: string[],
		/** Aborted when n8n cancels the run, or when a failing item ends it. */
		readonly controller: AbortController,
		/** Where output images go: downloads (retried, bounded in size and time) into n8n's binary store. */
		readonly images: ImageStore,
		private readonly client: KlingClient,
		private readonly run: TaskRun,
	) {}

	/**
	 * One generation or task of `family`, start to end: on the gateway a call (or a relayed task),
	 * on the official API a task that holds `slots` of the account's task slots until it ends
	 * (Kling counts them per `model`, the body's `model_name`). `body` is asked for only when the
	 * request is about to go out (it may read large images).
	 */
	async generate(
		family: TaskFamily,
		body: () => Promise<IDataObject>,
		slots: number,
		wait: boolean,
		itemIndex: number,
		model?: string,
	): Promise<Generation | StartedTask> {
		if (this.mode === 'gateway') return await generateOnGateway(this.run, body, itemIndex);
		return await runOfficialTask(this.run, family, body, slots, wait, itemIndex, model);
	}

	/**
	 * A task read back by id under each family in turn, for an id that does not say its family (a
	 * callback's): the first family that knows it answers; `undefined` when none does.
	 */
	async findTask(id: string, itemIndex: number): Promise<{ family: TaskFamily; task: TaskSnapshot } | undefined> {
		for (const family of this.mode === 'official' ? TASK_FAMILIES : (['generation'] as const)) {
			const task = await this.lookupTask(family, id, itemIndex);
			if (task !== undefined) return { family, task };
		}
		return undefined;
	}

	/** A task read back by id under `family`; `undefined` when Kling has none there. */
	async lookupTask(family: TaskFamily, id: string, itemIndex: number): Promise<TaskSnapshot | undefined> {
		const task = await this.client.send(lookupTaskRequest(family, id, this.readDeadline(), this.readDeadlineName()), itemIndex);
		if (task !== undefined) noteTasksSeen([task]);
		return task;
	}

	async listTasks(family: TaskFamily, pageNum: number, pageSize: number, itemIndex: number): Promise<TaskSnapshot[]> {
		const request = listTasksRequest(family, pageNum, pageSize, this.readDeadline(), this.readDeadlineName());
		const tasks = await this.client.send(request, itemIndex);
		noteTasksSeen(tasks);
		return tasks;
	}

	/** The account's resource packs; an inner `code` other than 0 fails the item with the API's `msg`. */
	async accountCosts(query: IDataObject, itemIndex: number): Promise<AccountCosts> {
		const costs = await this.client.send(accountCostsRequest(query, this.readDeadline(), this.readDeadlineName()), itemIndex);
		if (costs.code !== 0) throw accountCostsError(costs.code, costs.message, this.run.context(itemIndex));
		return costs;
	}

	/**
	 * A page of element tasks: the account's own (the `element` family, so finished ones free their
	 * slots) or Kling's presets (one succeeded task each). Creating an element is `generate('element', …)`.
	 */
	async listElementTasks(list: ElementList, pageNum: number, pageSize: number, itemIndex: number): Promise<TaskSnapshot[]> {
		if (list === 'own') return await this.listTasks('element', pageNum, pageSize, itemIndex);
		return await this.client.send(listPresetElementsRequest(pageNum, pageSize, this.readDeadline(), this.readDeadlineName()), itemIndex);
	}

	async deleteElement(elementId: string, itemIndex: number): Promise<void> {
		await this.client.send(deleteElementRequest(elementId, this.readDeadline(), this.readDeadlineName()), itemIndex);
	}

	/**
	 * Image recognize: one synchronous, billed call. It is not a task, so it takes no task slot;
	 * it is sent once, never again after a failure the API may have processed.
	 */
	async recognizeImage(body: () => Promise<IDataObject>, itemIndex: number): Promise<Recognition> {
		const request = recognizeRequest(await body(), this.readDeadline(), this.readDeadlineName());
		return await this.client.send(request, itemIndex).catch((error: Error): never => {
			throw notResentAfterUnclear(error, 'recognized (and billed) the image');
		});
	}

	/** Reads wait for the account's limit as long as a generation would. */
	private readDeadline(): number {
		return this.run.clock.now() + this.run.settings.timeoutMs;
	}

	private readDeadlineName(): string {
		return `Timeout (${Math.round(this.run.settings.timeoutMs / 1000)} s)`;
	}
}

/**
 * What identifies this node run's work across processes: the instance (queue-mode workers share
 * it), workflow, execution, node and the node's run index. Undefined without an execution id (some
 * manual runs): external task ids are then random, and a re-run cannot find its tasks.
 */
function workIdOf(ctx: SessionContext): string | undefined {
	// Only a node's run has an execution; a webhook (the trigger's read-back) creates no tasks.
	const run = ctx as Partial<IExecuteFunctions>;
	if (!run.getExecutionId || !run.getWorkflowDataProxy || !run.getInstanceId || !run.getWorkflow) return undefined;
	try {
		const executionId = run.getExecutionId();
		if (!executionId) return undefined;
		const runIndex = run.getWorkflowDataProxy(0).$runIndex;
		return [run.getInstanceId(), run.getWorkflow().id, executionId, ctx.getNode().id, runIndex].join('\u0000');
	} catch {
		return undefined;
	}
}

export async function openSession(ctx: SessionContext, mode: Mode, settings: RunSettings, clock: Clock = systemClock): Promise<Session> {
	const credentialType = CREDENTIAL_OF[mode];
	const credentials = await ctx.getCredentials(credentialType);
	const official = mode === 'official';
	const secrets = credentialSecrets(credentials);
	const baseUrl = official ? officialBaseUrl(credentials) : normalizeBaseUrl(credentials.baseUrl);
	const keyMaterial = [String(credentials.accessKey ?? ''), ...secrets];
	const account = accountFor(accountKey(credentialType, baseUrl, keyMaterial), settings.concurrency, clock);
	let authorization: () => string;
	try {
		authorization = authorizationFor(mode, credentials);
	} catch (error) {
		throw credentialSetupError(ctx.getNode(), error as Error);
	}
	const controller = runAbortController(ctx);
	const client = new KlingClient(ctx, {
		baseUrl,
		authorization,
		secrets,
		timeoutMs: settings.timeoutMs,
		readTimeoutMs: Math.min(READ_TIMEOUT_MS, settings.timeoutMs),
		download: { timeoutMs: settings.downloadTimeoutMs, maxBytes: settings.maxImageBytes },
		retry: { ...DEFAULT_RETRY_POLICY, maxRetries: settings.maxRetries },
		limiter: account.requests,
		clock,
		signal: controller.signal,
	});
	const poller = new TaskPoller(
		{ ...DEFAULT_POLL_POLICY, intervalMs: settings.pollIntervalMs, maxWaitMs: settings.maxWaitMs },
		clock,
		controller.signal,
		account.taskDurations,
	);
	const run: TaskRun = {
		client,
		clock,
		poller,
		taskSlots: (family, model) => account.taskSlots(family, model),
		workId: workIdOf(ctx),
		signal: controller.signal,
		context: (itemIndex) => ({ node: ctx.getNode(), itemIndex, secrets }),
		settings,
	};
	return new Session(mode, secrets, controller, client, client, run);
}
