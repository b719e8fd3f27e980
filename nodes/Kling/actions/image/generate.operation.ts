import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { imageItems } from '../../helpers/imageOutput';
import type { ImageBatch, OutputChoice } from '../../helpers/imageOutput';
import { buildOfficialBody, validateOfficialParams } from '../../helpers/officialRequest';
import { checkReferenceImage, withReferenceImage } from '../../helpers/referenceImage';
import type { ReferenceImage } from '../../helpers/referenceImage';
import { buildGenerateBody } from '../../helpers/requestBody';
import type { TaskSnapshot } from '../../helpers/response';
import { credentialSecrets } from '../../helpers/secrets';
import { FieldError, textValue, validateGenerateParams } from '../../helpers/validation';
import type { GenerateParams } from '../../helpers/validation';
import type { Session } from '../../transport/session';
import { createTask, generateImages } from '../../transport/endpoints';
import { runItems, waitForTask } from '../shared';
import { generateProperties } from './generate.properties';

export const description = updateDisplayOptions(
	{ show: { resource: ['image'], operation: ['generate'] } },
	generateProperties,
);

/** One item's checked request, ready to send once its reference image is read (withReferenceImage). */
interface PreparedItem {
	params: GenerateParams;
	/** The body without `image`. */
	body: IDataObject;
	referenceImage?: ReferenceImage;
	choice: OutputChoice;
	waitForCompletion: boolean;
}

async function prepareItem(ctx: IExecuteFunctions, itemIndex: number, official: boolean): Promise<PreparedItem> {
	const param = (name: string, fallback: unknown) => ctx.getNodeParameter(name, itemIndex, fallback);
	const options = param('options', {}) as IDataObject;
	const params = validateGenerateParams({
		model: official ? param('modelName', 'kling-v2-1') : param('model', 'kling-img-v1'),
		prompt: param('prompt', ''),
		negativePrompt: param('negativePrompt', ''),
		imageSource: param('imageSource', 'none'),
		imageFidelity: param('imageFidelity', 0.5),
		n: param('n', 1),
		aspectRatio: param('aspectRatio', ''),
		additionalFields: options.additionalFields,
	});
	const referenceImage = await checkReferenceImage(ctx, itemIndex, params.imageSource);
	const output = param('output', 'binary') === 'url' ? 'url' : 'binary';
	const binaryField = textValue('Put Output in Field', param('binaryPropertyOutput', 'data')).trim();
	if (output === 'binary' && binaryField === '') throw new FieldError('Put Output in Field', 'is empty');
	const credentials = await ctx.getCredentials(official ? 'klingAiApi' : 'klingApi', itemIndex);
	const choice: OutputChoice = { output, binaryField, imagesRequested: params.n, secrets: credentialSecrets(credentials) };
	if (!official) return { params, body: buildGenerateBody(params), referenceImage, choice, waitForCompletion: true };

	const imageReference = params.imageSource === 'none' ? '' : param('imageReference', '');
	const officialParams = validateOfficialParams(params, {
		imageReference,
		humanFidelity: imageReference === 'subject' ? param('humanFidelity', 0.45) : undefined,
		resolution: param('resolution', ''),
		watermark: param('watermark', false),
		callbackUrl: param('callbackUrl', ''),
		externalTaskId: param('externalTaskId', ''),
	});
	return {
		params,
		body: buildOfficialBody(params, officialParams),
		referenceImage,
		choice,
		waitForCompletion: param('waitForCompletion', true) !== false,
	};
}

function taskBatch(task: TaskSnapshot, params: GenerateParams): ImageBatch {
	const created = Math.floor((task.createdAt ?? Date.now()) / 1000);
	return { images: task.images, created, model: params.model, prompt: params.prompt, taskId: task.taskId };
}

async function generateItem(
	ctx: IExecuteFunctions,
	session: Session,
	prepared: PreparedItem,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const { client } = session;
	const { params } = prepared;
	let batch: ImageBatch;
	if (session.authentication === 'klingAiApi') {
		const slot = await session.taskLimiter.acquire(session.controller.signal);
		try {
			// Read inline, not kept in a variable: the image need not outlive the create call while the task runs.
			const task = await createTask(
				client,
				await withReferenceImage(ctx, prepared.body, prepared.referenceImage),
				itemIndex,
				() => session.taskLimiter.onThrottle(slot),
			);
			if (!prepared.waitForCompletion) {
				return [{ json: { task_id: task.taskId, task_status: task.status }, pairedItem: { item: itemIndex } }];
			}
			batch = taskBatch(await waitForTask(ctx, session, task, itemIndex), params);
			session.taskLimiter.onSuccess();
		} finally {
			slot.release();
		}
	} else {
		const answer = await generateImages(client, await withReferenceImage(ctx, prepared.body, prepared.referenceImage), itemIndex);
		if (answer.kind === 'images') {
			batch = { images: answer.images, created: answer.created, model: params.model, prompt: params.prompt };
		} else {
			// Some relaying gateways answer with a task, read the same way as the official API's.
			const task = { taskId: answer.taskId, status: answer.taskStatus, images: [], raw: {} };
			batch = taskBatch(await waitForTask(ctx, session, task, itemIndex), params);
		}
	}
	if (batch.images.length === 0) {
		throw new NodeOperationError(ctx.getNode(), 'The Kling API finished without any images', { itemIndex });
	}
	return await imageItems(ctx, client, batch, prepared.choice, itemIndex);
}

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const official = this.getNodeParameter('authentication', 0, 'klingApi') === 'klingAiApi';
	return await runItems(this, {
		prepare: async (itemIndex) => await prepareItem(this, itemIndex, official),
		run: async (session, prepared, itemIndex) => await generateItem(this, session, prepared, itemIndex),
	});
}

