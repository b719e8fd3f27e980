import type { IDataObject } from 'n8n-workflow';

import { FieldError, validateImageUrl } from './validation';
import type { GenerateParams } from './validation';

export const OFFICIAL_MODELS = ['kling-v1', 'kling-v1-5', 'kling-v2', 'kling-v2-new', 'kling-v2-1', 'kling-v3'] as const;
export const IMAGE_REFERENCES = ['subject', 'face'] as const;
export const RESOLUTIONS = ['1k', '2k'] as const;

/** Parameters only the official API has, as read from the node. */
export interface RawOfficialParams {
	imageReference: unknown;
	/** Only read when Image Reference is `subject`, the one case the API takes it. */
	humanFidelity?: unknown;
	resolution: unknown;
	watermark: unknown;
	callbackUrl: unknown;
	externalTaskId: unknown;
}

export interface OfficialParams {
	imageReference?: string;
	humanFidelity?: number;
	resolution?: string;
	watermark: boolean;
	callbackUrl?: string;
	externalTaskId?: string;
}

function text(value: unknown): string {
	return value === undefined || value === null ? '' : String(value).trim();
}

/** The official API's own rules (§2), checked before sending so a bad item costs nothing. */
export function validateOfficialParams(base: GenerateParams, raw: RawOfficialParams): OfficialParams {
	const hasImage = base.imageSource !== 'none';
	if (hasImage && base.negativePrompt) {
		throw new FieldError('Negative Prompt', 'cannot be used together with a reference image on the official Kling API');
	}
	const imageReference = text(raw.imageReference);
	if (imageReference && !(IMAGE_REFERENCES as readonly string[]).includes(imageReference)) {
		throw new FieldError('Image Reference', `must be subject or face, got "${imageReference}"`);
	}
	if (imageReference && !hasImage) throw new FieldError('Image Reference', 'needs a reference image');
	let humanFidelity: number | undefined;
	if (raw.humanFidelity !== undefined && raw.humanFidelity !== '') {
		if (imageReference !== 'subject') throw new FieldError('Human Fidelity', 'only applies with Image Reference "subject"');
		humanFidelity = Number(raw.humanFidelity);
		if (!Number.isFinite(humanFidelity) || humanFidelity < 0 || humanFidelity > 1) {
			throw new FieldError('Human Fidelity', `must be from 0 to 1, got ${JSON.stringify(raw.humanFidelity)}`);
		}
	}
	const resolution = text(raw.resolution);
	if (resolution && !(RESOLUTIONS as readonly string[]).includes(resolution)) {
		throw new FieldError('Resolution', `must be 1k or 2k, got "${resolution}"`);
	}
	const callbackUrl = text(raw.callbackUrl);
	if (callbackUrl) validateImageUrl(callbackUrl, 'Callback URL');
	return {
		imageReference: imageReference || undefined,
		humanFidelity,
		resolution: resolution || undefined,
		watermark: raw.watermark === true,
		callbackUrl: callbackUrl || undefined,
		externalTaskId: text(raw.externalTaskId) || undefined,
	};
}

/** The official body: the same parameters under their official names. */
export function buildOfficialBody(base: GenerateParams, official: OfficialParams, image?: string): IDataObject {
	const body: IDataObject = { model_name: base.model, prompt: base.prompt, n: base.n };
	if (base.negativePrompt) body.negative_prompt = base.negativePrompt;
	if (image !== undefined) {
		body.image = image;
		if (official.imageReference) body.image_reference = official.imageReference;
		if (base.imageFidelity !== undefined) body.image_fidelity = base.imageFidelity;
		if (official.humanFidelity !== undefined) body.human_fidelity = official.humanFidelity;
	}
	if (official.resolution) body.resolution = official.resolution;
	if (base.aspectRatio) body.aspect_ratio = base.aspectRatio;
	if (official.callbackUrl) body.callback_url = official.callbackUrl;
	if (official.externalTaskId) body.external_task_id = official.externalTaskId;
	if (official.watermark) body.watermark_info = { enabled: true };
	return { ...body, ...base.additionalFields };
}
