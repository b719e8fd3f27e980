import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { mapConcurrent } from '../../helpers/concurrency';
import { storeImageBase64, storeImageStream } from '../../helpers/imageOutput';
import { readReferenceImage } from '../../helpers/referenceImage';
import { buildGenerateBody } from '../../helpers/requestBody';
import type { GeneratedImage } from '../../helpers/response';
import { FieldError, validateGenerateParams, validateRunSettings } from '../../helpers/validation';
import type { GenerateParams } from '../../helpers/validation';
import { CREDENTIAL_TYPE, KlingClient, normalizeBaseUrl } from '../../transport';
import { AdaptiveLimiter } from '../../transport/limiter';
import { DEFAULT_RETRY_POLICY, systemClock } from '../../transport/retry';
import type { Clock } from '../../transport/retry';
import { generateProperties } from './generate.properties';

export const description = updateDisplayOptions(
	{ show: { resource: ['image'], operation: ['generate'] } },
	generateProperties,
);

/** One item's checked request, ready to send. */
interface PreparedItem {
	params: GenerateParams;
	body: IDataObject;
	output: 'binary' | 'url';
	binaryField: string;
}

function itemError(ctx: IExecuteFunctions, error: unknown, itemIndex: number): Error {
	if (error instanceof FieldError) {
		return new NodeOperationError(ctx.getNode(), `${error.message} (item ${itemIndex})`, { itemIndex });
	}
	return error instanceof Error ? error : new NodeOperationError(ctx.getNode(), String(error), { itemIndex });
}

async function prepareItem(ctx: IExecuteFunctions, itemIndex: number): Promise<PreparedItem> {
	const param = (name: string, fallback: unknown) => ctx.getNodeParameter(name, itemIndex, fallback);
	const options = param('options', {}) as IDataObject;
	const params = validateGenerateParams({
		model: param('model', 'kling-img-v1'),
		prompt: param('prompt', ''),
		negativePrompt: param('negativePrompt', ''),
		imageSource: param('imageSource', 'none'),
		imageFidelity: param('imageFidelity', 0.5),
		n: param('n', 1),
		aspectRatio: param('aspectRatio', ''),
		additionalFields: options.additionalFields,
	});
	const image = await readReferenceImage(ctx, itemIndex, params.imageSource);
	const output = param('output', 'binary') === 'url' ? 'url' : 'binary';
	const binaryField = String(param('binaryPropertyOutput', 'data')).trim();
	if (output === 'binary' && binaryField === '') throw new FieldError('Put Output in Field', 'is empty');
	return { params, body: buildGenerateBody(params, image), output, binaryField };
}

async function generateItem(
	ctx: IExecuteFunctions,
	client: KlingClient,
	prepared: PreparedItem,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const { answer } = await client.generate(prepared.body, itemIndex);
	if (answer.kind === 'task') {
		throw new NodeOperationError(
			ctx.getNode(),
			`The API answered with task ${answer.taskId} (${answer.taskStatus}) instead of images; waiting for tasks is not supported with this credential`,
			{ itemIndex },
		);
	}
	const { created } = answer;
	const toItem = async (image: GeneratedImage): Promise<INodeExecutionData> => {
		const json = { url: image.url ?? null, index: image.index, created, model: prepared.params.model, prompt: prepared.params.prompt };
		const item: INodeExecutionData = { json, pairedItem: { item: itemIndex } };
		if (image.base64 !== undefined) {
			// No URL to hand on: the bytes are the only result, whatever the output mode.
			item.binary = { [prepared.binaryField || 'data']: await storeImageBase64(ctx, image.base64, created, image.index) };
		} else if (prepared.output === 'binary' && image.url) {
			const binary = await client.download(image.url, itemIndex, async (stream, contentType) =>
				await storeImageStream(ctx, stream, contentType, created, image.index),
			);
			item.binary = { [prepared.binaryField]: binary };
		}
		return item;
	};
	// Images of one answer download one after another; items already run in parallel.
	const items: INodeExecutionData[] = [];
	for (const image of answer.images) items.push(await toItem(image));
	return items;
}

/** Links our own abort to n8n's cancel signal, so a failing run can stop its other requests too. */
function runAbortController(ctx: IExecuteFunctions): AbortController {
	const controller = new AbortController();
	const cancel = ctx.getExecutionCancelSignal();
	if (cancel?.aborted) controller.abort(cancel.reason);
	cancel?.addEventListener('abort', () => controller.abort(cancel.reason), { once: true });
	return controller;
}

export async function execute(this: IExecuteFunctions, clock: Clock = systemClock): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	const continueOnFail = this.continueOnFail();
	const settings = (() => {
		try {
			return validateRunSettings(this.getNodeParameter('options', 0, {}) as IDataObject);
		} catch (error) {
			throw itemError(this, error, 0);
		}
	})();

	// Every item is checked before the first request goes out: bad input costs nothing.
	const prepared: Array<PreparedItem | Error> = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			prepared.push(await prepareItem(this, itemIndex));
		} catch (error) {
			if (!continueOnFail) throw itemError(this, error, itemIndex);
			prepared.push(itemError(this, error, itemIndex));
		}
	}

	const credentials = await this.getCredentials(CREDENTIAL_TYPE);
	const controller = runAbortController(this);
	const client = new KlingClient(this, {
		baseUrl: normalizeBaseUrl(credentials.baseUrl),
		apiKey: typeof credentials.apiKey === 'string' ? credentials.apiKey : undefined,
		timeoutMs: settings.timeoutMs,
		downloadTimeoutMs: settings.downloadTimeoutMs,
		retry: { ...DEFAULT_RETRY_POLICY, maxRetries: settings.maxRetries },
		limiter: new AdaptiveLimiter(settings.concurrency),
		clock,
		signal: controller.signal,
	});

	const results = await mapConcurrent(prepared, settings.concurrency, async (entry, itemIndex) => {
		const outcome = entry instanceof Error ? entry : await generateItem(this, client, entry, itemIndex).catch((error: Error) => error);
		if (!(outcome instanceof Error)) return outcome;
		if (continueOnFail && !this.getExecutionCancelSignal()?.aborted) {
			return [{ json: { error: outcome.message }, pairedItem: { item: itemIndex } }];
		}
		controller.abort(outcome);
		throw outcome;
	});
	return results.flat();
}
