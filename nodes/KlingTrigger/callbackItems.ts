import { NodeOperationError } from 'n8n-workflow';
import type { IDataObject, IHookFunctions, INodeExecutionData, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { imageItems } from '../Kling/actions/image/imageItems';
import type { OutputChoice } from '../Kling/actions/image/imageItems';
import { readRunSettings } from '../Kling/parameters/options';
import { noteTasksSeen } from '../Kling/transport/account';
import { ImageDownloads } from '../Kling/transport/imageDownloads';
import { openSession } from '../Kling/transport/session';
import { AnswerError, parseTask, taskImages } from '../Kling/wire/answers';
import type { TaskSnapshot } from '../Kling/wire/answers';
import { claimOnce } from './callbackOnce';
import { tokenMatches } from './callbackToken';
import { signingKey, verifySignature } from './webhookSignature';

/** The Verify parameter's value that reads each callback's task back with the official credential. */
export const VERIFY_WITH_KLING = 'klingAiApi';

/** The query parameter of the Callback URL that carries the trigger's token. */
export const TOKEN_QUERY_PARAMETER = 'token';

/** What every item of one callback says about its task. */
function taskFields(task: TaskSnapshot): IDataObject {
	const fields: IDataObject = { taskId: task.taskId, status: task.status };
	if (task.externalTaskId !== undefined) fields.externalTaskId = task.externalTaskId;
	return fields;
}

/** A task without images to hand on (failed, or not finished yet): one item saying so. */
function statusItem(task: TaskSnapshot): INodeExecutionData {
	const json: IDataObject = { ...taskFields(task) };
	if (task.statusMessage !== undefined) json.statusMessage = task.statusMessage;
	if (task.createdAt !== undefined) json.created = Math.floor(task.createdAt / 1000);
	if (task.updatedAt !== undefined) json.updatedAt = task.updatedAt;
	return { json, pairedItem: { item: 0 } };
}

/**
 * A finished task's images in Generate's output shape, plus the task's status and external id. A
 * download that fails still starts the workflow: the items keep their URLs and say what went wrong,
 * since Kling does not call again.
 */
async function succeededItems(ctx: IWebhookFunctions, task: TaskSnapshot): Promise<INodeExecutionData[]> {
	const options = ctx.getNodeParameter('options', {}) as IDataObject;
	const choice: OutputChoice = {
		output: ctx.getNodeParameter('output', 'binary') === 'url' ? 'url' : 'binary',
		binaryField: String(ctx.getNodeParameter('binaryPropertyOutput', 'data')).trim() || 'data',
	};
	const batch = { ...taskImages(task), model: '', prompt: '' };
	const withTask = (items: INodeExecutionData[], extra: IDataObject = {}) =>
		items.map((item) => ({ ...item, json: { ...item.json, ...taskFields(task), ...extra } }));
	const store = new ImageDownloads(ctx, readRunSettings(options));
	try {
		return withTask(await imageItems(store, batch, choice, 0));
	} catch (error) {
		const urls = await imageItems(store, batch, { ...choice, output: 'url' }, 0);
		return withTask(urls, { error: (error as Error).message });
	}
}

/**
 * The Signing Secret's HMAC key, or `undefined` when none is set. A secret that is not base64 is a
 * configuration error (its message never holds the secret).
 */
export function signingKeyOf(ctx: IHookFunctions | IWebhookFunctions): Buffer | undefined {
	const secret = String(ctx.getNodeParameter('signingSecret', ''));
	if (secret.trim() === '') return undefined;
	try {
		return signingKey(secret);
	} catch (error) {
		// A SigningSecretError: its message names the problem, not the secret.
		throw new NodeOperationError(ctx.getNode(), (error as Error).message);
	}
}

/**
 * The body's bytes as they arrived: n8n keeps them as `rawBody` before parsing. Should it not, the
 * parsed body written back compactly (as a compact sender signed it) is the one fallback; any other
 * writing fails the signature, so the check never passes what was not signed.
 */
function rawBodyOf(ctx: IWebhookFunctions): Buffer {
	const raw: unknown = (ctx.getRequestObject() as { rawBody?: unknown }).rawBody;
	if (Buffer.isBuffer(raw)) return raw;
	if (typeof raw === 'string') return Buffer.from(raw, 'utf8');
	return Buffer.from(JSON.stringify(ctx.getBodyData()) ?? '', 'utf8');
}

function refuse(ctx: IWebhookFunctions, status: number, message: string): IWebhookResponseData {
	ctx.getResponseObject().status(status).json({ message });
	return { noWebhookResponse: true };
}

/**
 * The task as Kling itself reports it, read back under each task family with the official
 * credential (a callback does not say its family). `undefined` when Kling knows no such task.
 */
async function taskFromKling(ctx: IWebhookFunctions, taskId: string): Promise<TaskSnapshot | undefined> {
	const options = ctx.getNodeParameter('options', {}) as IDataObject;
	const session = await openSession(ctx, 'official', readRunSettings(options));
	return (await session.findTask(taskId, 0))?.task;
}

/**
 * With a Signing Secret, a refusal of a callback that is not signed with it (401), or of every
 * callback while the secret itself is broken (500); `undefined` when the callback may go on.
 */
function signatureRefusal(ctx: IWebhookFunctions): IWebhookResponseData | undefined {
	let key: Buffer | undefined;
	try {
		key = signingKeyOf(ctx);
	} catch (error) {
		const message = (error as Error).message;
		ctx.logger.warn(`Kling Trigger: ${message}`);
		return refuse(ctx, 500, message);
	}
	if (key === undefined) return undefined;
	const verdict = verifySignature(ctx.getHeaderData() as Record<string, unknown>, rawBodyOf(ctx), key, Date.now());
	return verdict.valid ? undefined : refuse(ctx, 401, verdict.reason);
}

/**
 * One callback of Kling's: checked for its signature (first, so a refused one reads and changes
 * nothing) and the token, read as a task and, with Verify on, replaced by Kling's own answer for
 * that task. It starts the workflow when its status is one the trigger starts on and this task has
 * not started it in that status before. Anything else is answered and dropped.
 */
export async function receiveCallback(ctx: IWebhookFunctions): Promise<IWebhookResponseData> {
	const unsigned = signatureRefusal(ctx);
	if (unsigned !== undefined) return unsigned;
	const token = String(ctx.getNodeParameter('token', ''));
	if (token !== '' && !tokenMatches((ctx.getQueryData() as IDataObject)[TOKEN_QUERY_PARAMETER], token)) {
		return refuse(ctx, 403, 'The callback URL lacks the right token');
	}
	let task: TaskSnapshot;
	try {
		task = parseTask(ctx.getBodyData());
	} catch (error) {
		if (error instanceof AnswerError) return refuse(ctx, 400, 'The body is not a Kling task: it has no task_id');
		throw new NodeOperationError(ctx.getNode(), error as Error);
	}
	if (ctx.getNodeParameter('verify', 'none') === VERIFY_WITH_KLING) {
		let known: TaskSnapshot | undefined;
		try {
			known = await taskFromKling(ctx, task.taskId);
		} catch (error) {
			// Already masked by the transport: no key or token in it.
			const message = `The task could not be checked with Kling: ${(error as Error).message}`;
			ctx.logger.warn(`Kling Trigger: ${message}`);
			return refuse(ctx, 502, message);
		}
		if (known === undefined) return refuse(ctx, 404, `Kling does not know the task ${task.taskId}`);
		task = known;
	}
	// A finished task frees its slots in this process, if a run here created it without waiting.
	noteTasksSeen([task]);
	const statuses = ctx.getNodeParameter('statuses', ['succeed', 'failed']) as string[];
	if (!statuses.includes(task.status)) return { webhookResponse: { received: true, started: false } };
	const trigger = `${ctx.getWorkflow().id ?? ''} ${ctx.getNode().id}`;
	if (!claimOnce(ctx.getWorkflowStaticData('node'), trigger, task.taskId, task.status)) {
		return { webhookResponse: { received: true, started: false, repeat: true } };
	}
	const items = task.status === 'succeed' && task.images.length > 0 ? await succeededItems(ctx, task) : [statusItem(task)];
	return { workflowData: [items] };
}
