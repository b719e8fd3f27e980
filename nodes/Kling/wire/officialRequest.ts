import type { IDataObject } from 'n8n-workflow';

import { withAdditionalFields } from './gatewayRequest';
import { FAMILY_MODELS, modelsOf } from './models';
import { API_NUMBERS, checkNumber } from './numbers';
import { FieldError, textValue, validateImageUrl } from './validation';
import type { GenerateParams } from './validation';

export const OFFICIAL_MODELS = modelsOf('generation');
export const DEFAULT_OFFICIAL_MODEL = FAMILY_MODELS.generation.current[0];
export const IMAGE_REFERENCES = ['subject', 'face'] as const;
export const RESOLUTIONS = ['1k', '2k'] as const;
/** Models of /generations that predate elements; a newer id (given by expression) may send them. */
const MODELS_WITHOUT_ELEMENTS: readonly string[] = OFFICIAL_MODELS.filter((model) => model !== 'kling-v3');
/**
 * Models of /generations that take no image_reference, image_fidelity or human_fidelity (Kling:
 * kling-v2-1 only among the current ones); a newer id (given by expression) is sent as asked.
 */
export const MODELS_WITHOUT_FIDELITY: readonly string[] = ['kling-v3'];

/** Parameters only the official API has, as read from the node. */
export interface RawOfficialParams {
	imageReference: unknown;
	/** Only read when Image Reference is `subject`, the one case the API takes it. */
	humanFidelity?: unknown;
	resolution: unknown;
	/** Element ids (kling-v3), checked (parameters/elements.ts elementIdsOf). */
	elementIds?: string[];
	watermark?: unknown;
	callbackUrl: unknown;
	externalTaskId: unknown;
}

/** What every task create of the official API may carry. */
export interface TaskOptions {
	watermark: boolean;
	callbackUrl?: string;
	externalTaskId?: string;
}

export interface OfficialParams extends TaskOptions {
	imageReference?: string;
	humanFidelity?: number;
	resolution?: string;
	elementIds: string[];
}

export function validateTaskOptions(raw: { watermark?: unknown; callbackUrl: unknown; externalTaskId: unknown }): TaskOptions {
	const callbackUrl = textValue('Callback URL', raw.callbackUrl).trim();
	if (callbackUrl) validateImageUrl(callbackUrl, 'Callback URL');
	return {
		watermark: raw.watermark === true,
		callbackUrl: callbackUrl || undefined,
		externalTaskId: textValue('External Task ID', raw.externalTaskId).trim() || undefined,
	};
}

/** The body with the task options under their official names. */
export function withTaskOptions(body: IDataObject, options: TaskOptions): IDataObject {
	const withOptions = { ...body };
	if (options.callbackUrl) withOptions.callback_url = options.callbackUrl;
	if (options.externalTaskId) withOptions.external_task_id = options.externalTaskId;
	if (options.watermark) withOptions.watermark_info = { enabled: true };
	return withOptions;
}

/** Body fields the official request gets from a node parameter, with that parameter's label. */
export const OFFICIAL_BODY_FIELDS: Readonly<Record<string, string>> = {
	model_name: 'Model',
	prompt: 'Prompt',
	negative_prompt: 'Negative Prompt',
	image: 'Reference Image',
	image_reference: 'Image Reference',
	image_fidelity: 'Image Fidelity',
	human_fidelity: 'Human Fidelity',
	resolution: 'Resolution',
	n: 'Number of Images',
	aspect_ratio: 'Aspect Ratio',
	callback_url: 'Callback URL',
	external_task_id: 'External Task ID',
	watermark_info: 'Watermark',
	element_list: 'Elements',
};

/** The official API's own rules for a generation, checked before sending so a bad item costs nothing. */
export function validateOfficialParams(base: GenerateParams, raw: RawOfficialParams): OfficialParams {
	const hasImage = base.imageSource !== 'none';
	if (hasImage && base.negativePrompt) {
		throw new FieldError('Negative Prompt', 'cannot be used together with a reference image on the official Kling API');
	}
	const imageReference = textValue('Image Reference', raw.imageReference).trim();
	if (imageReference && !(IMAGE_REFERENCES as readonly string[]).includes(imageReference)) {
		throw new FieldError('Image Reference', `must be subject or face, got "${imageReference}"`);
	}
	const noFidelity = MODELS_WITHOUT_FIDELITY.includes(base.model);
	if (imageReference && noFidelity) throw new FieldError('Image Reference', `applies to kling-v2-1 only; ${base.model} does not take it`);
	// Image Fidelity always holds a value (0.5 unless changed): only a changed one is refused, the default is left out.
	if (hasImage && noFidelity && base.imageFidelity !== undefined && base.imageFidelity !== API_NUMBERS.imageFidelity.default) {
		throw new FieldError('Image Fidelity', `applies to kling-v2-1 only; ${base.model} does not take it`);
	}
	if (imageReference && !hasImage) throw new FieldError('Image Reference', 'needs a reference image');
	let humanFidelity: number | undefined;
	if (raw.humanFidelity !== undefined && raw.humanFidelity !== '') {
		if (imageReference !== 'subject') throw new FieldError('Human Fidelity', 'only applies with Image Reference "subject"');
		humanFidelity = checkNumber(API_NUMBERS.humanFidelity, raw.humanFidelity);
	}
	const resolution = textValue('Resolution', raw.resolution).trim();
	if (resolution && !(RESOLUTIONS as readonly string[]).includes(resolution)) {
		throw new FieldError('Resolution', `must be 1k or 2k, got "${resolution}"`);
	}
	const elementIds = raw.elementIds ?? [];
	if (elementIds.length > 0 && MODELS_WITHOUT_ELEMENTS.includes(base.model)) {
		throw new FieldError('Elements', `need kling-v3 or a later model; ${base.model} does not take elements`);
	}
	return {
		imageReference: imageReference || undefined,
		elementIds,
		humanFidelity,
		resolution: resolution || undefined,
		...validateTaskOptions(raw),
	};
}

/**
 * The official body: the same parameters under their official names, without the reference
 * image itself, which is read only when the request is sent (see transport/inputImages.ts).
 */
export function buildOfficialBody(base: GenerateParams, official: OfficialParams): IDataObject {
	const body: IDataObject = { model_name: base.model, prompt: base.prompt, n: base.n };
	if (base.negativePrompt) body.negative_prompt = base.negativePrompt;
	if (base.imageSource !== 'none') {
		if (official.imageReference) body.image_reference = official.imageReference;
		if (base.imageFidelity !== undefined && !MODELS_WITHOUT_FIDELITY.includes(base.model)) body.image_fidelity = base.imageFidelity;
		if (official.humanFidelity !== undefined) body.human_fidelity = official.humanFidelity;
	}
	if (official.resolution) body.resolution = official.resolution;
	if (base.aspectRatio) body.aspect_ratio = base.aspectRatio;
	if (official.elementIds.length > 0) body.element_list = official.elementIds.map((id) => ({ element_id: id }));
	return withAdditionalFields(withTaskOptions(body, official), base.additionalFields, OFFICIAL_BODY_FIELDS);
}
