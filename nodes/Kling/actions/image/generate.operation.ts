import { updateDisplayOptions } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodePropertyOptions } from 'n8n-workflow';

import type { OutputChoice } from './imageItems';
import { readOutputChoice, readTaskOptions, resultItems } from './taskOperation';
import { DEFAULT_OFFICIAL_MODEL, buildOfficialBody, validateOfficialParams } from '../../wire/officialRequest';
import { checkReferenceImage, withReferenceImage } from '../../transport/inputImages';
import type { CheckedImage } from '../../transport/inputImages';
import { buildGenerateBody } from '../../wire/gatewayRequest';
import { validateGenerateParams } from '../../wire/validation';
import type { GenerateParams } from '../../wire/validation';
import type { Session } from '../../transport/session';
import { runItems } from '../runItems';
import { elementIdsOf } from '../../parameters/elements';
import { generateProperties } from '../../parameters/generate';
import { familySpec } from '../../wire/taskFamilies';

export const option: INodePropertyOptions = {
	name: 'Generate',
	value: 'generate',
	action: 'Generate an image',
	description: 'Create images from a prompt, optionally steered by a reference image',
};

export const description = updateDisplayOptions(
	{ show: { resource: ['image'], operation: ['generate'] } },
	generateProperties,
);

/** One item's checked request, ready to send once its reference image is read (withReferenceImage). */
interface PreparedItem {
	params: GenerateParams;
	/** The body without `image`. */
	body: IDataObject;
	referenceImage?: CheckedImage;
	choice: OutputChoice;
	waitForCompletion: boolean;
}

async function prepareItem(ctx: IExecuteFunctions, itemIndex: number, official: boolean): Promise<PreparedItem> {
	const param = (name: string, fallback: unknown) => ctx.getNodeParameter(name, itemIndex, fallback);
	const options = param('options', {}) as IDataObject;
	const params = validateGenerateParams({
		model: official ? param('modelName', DEFAULT_OFFICIAL_MODEL) : ctx.getNodeParameter('model', itemIndex, 'kling-img-v1', { extractValue: true }),
		prompt: param('prompt', ''),
		negativePrompt: param('negativePrompt', ''),
		imageSource: param('imageSource', 'none'),
		imageFidelity: param('imageFidelity', 0.5),
		n: param('n', 1),
		aspectRatio: param('aspectRatio', ''),
		additionalFields: options.additionalFields,
	});
	const referenceImage = await checkReferenceImage(ctx, itemIndex, params.imageSource);
	const choice = readOutputChoice(ctx, itemIndex, params.n);
	if (!official) return { params, body: buildGenerateBody(params), referenceImage, choice, waitForCompletion: true };

	const imageReference = params.imageSource === 'none' ? '' : param('imageReference', '');
	const officialParams = validateOfficialParams(params, {
		imageReference,
		humanFidelity: imageReference === 'subject' ? param('humanFidelity', 0.45) : undefined,
		resolution: param('resolution', ''),
		elementIds: elementIdsOf(param('elements', {})),
		...readTaskOptions(ctx, itemIndex, true),
	});
	return {
		params,
		body: buildOfficialBody(params, officialParams),
		referenceImage,
		choice,
		waitForCompletion: param('waitForCompletion', true) !== false,
	};
}

async function generateItem(
	ctx: IExecuteFunctions,
	session: Session,
	prepared: PreparedItem,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const { params } = prepared;
	// The reference image is read when the request is about to go out, and not kept while the task runs.
	const body = async () => await withReferenceImage(ctx, prepared.body, prepared.referenceImage);
	const slots = familySpec('generation').slots(prepared.body);
	const result = await session.generate('generation', body, slots, prepared.waitForCompletion, itemIndex, params.model);
	return await resultItems(ctx, session, result, { model: params.model, prompt: params.prompt, choice: prepared.choice }, itemIndex);
}

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	return await runItems(this, {
		prepare: async (itemIndex, mode) => await prepareItem(this, itemIndex, mode === 'official'),
		run: async (session, prepared, itemIndex) => await generateItem(this, session, prepared, itemIndex),
	});
}

