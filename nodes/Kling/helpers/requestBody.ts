import type { IDataObject } from 'n8n-workflow';

import type { GenerateParams } from './validation';

/**
 * The gateway's JSON body. Optional fields are left out rather than sent empty, so the API applies
 * its own defaults. Additional fields go last: they exist for fields the API adds later.
 */
export function buildGenerateBody(params: GenerateParams, image?: string): IDataObject {
	const body: IDataObject = { model: params.model, prompt: params.prompt, n: params.n };
	if (params.negativePrompt) body.negative_prompt = params.negativePrompt;
	if (image !== undefined) {
		body.image = image;
		if (params.imageFidelity !== undefined) body.image_fidelity = params.imageFidelity;
	}
	if (params.aspectRatio) body.aspect_ratio = params.aspectRatio;
	return { ...body, ...params.additionalFields };
}
