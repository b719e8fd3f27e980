import type { IDataObject } from 'n8n-workflow';

import { FieldError } from './validation';
import type { GenerateParams } from './validation';

/** Body fields the gateway request gets from a node parameter, with that parameter's label. */
export const GATEWAY_BODY_FIELDS: Readonly<Record<string, string>> = {
	model: 'Model',
	prompt: 'Prompt',
	negative_prompt: 'Negative Prompt',
	image: 'Reference Image',
	image_fidelity: 'Image Fidelity',
	n: 'Number of Images',
	aspect_ratio: 'Aspect Ratio',
};

/**
 * Adds Additional Body Fields to a body. They exist for fields the API adds later; one that set a
 * field the node has a parameter for would skip that parameter's checks (n = 50, a 5000-character
 * prompt, a file:// callback) and make the output describe a request that was not sent, so such
 * keys are refused.
 */
export function withAdditionalFields(
	body: IDataObject,
	additionalFields: IDataObject,
	ownFields: Readonly<Record<string, string>>,
): IDataObject {
	const taken = Object.keys(additionalFields).filter((key) => Object.prototype.hasOwnProperty.call(ownFields, key));
	if (taken.length > 0) {
		const labels = [...new Set(taken.map((key) => ownFields[key]))];
		throw new FieldError(
			'Additional Body Fields',
			`may not set ${taken.join(', ')}: use the node's ${labels.map((label) => `"${label}"`).join(', ')} instead`,
		);
	}
	return { ...body, ...additionalFields };
}

/**
 * The gateway's JSON body, without the reference image itself: that is read only when the request
 * is sent (see transport/inputImages.ts). Optional fields are left out rather than sent empty, so the
 * API applies its own defaults.
 */
export function buildGenerateBody(params: GenerateParams): IDataObject {
	const body: IDataObject = { model: params.model, prompt: params.prompt, n: params.n };
	if (params.negativePrompt) body.negative_prompt = params.negativePrompt;
	if (params.imageSource !== 'none' && params.imageFidelity !== undefined) body.image_fidelity = params.imageFidelity;
	if (params.aspectRatio) body.aspect_ratio = params.aspectRatio;
	return withAdditionalFields(body, params.additionalFields, GATEWAY_BODY_FIELDS);
}
