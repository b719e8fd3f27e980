import type { IDataObject } from 'n8n-workflow';

import { MAX_ELEMENTS_PER_REQUEST } from './elements';
import { modelsOf } from './models';
import { API_NUMBERS, checkNumber } from './numbers';
import { validateTaskOptions, withTaskOptions } from './officialRequest';
import type { RawTaskOptions } from './taskBodies';
import { ASPECT_RATIOS, FieldError, promptText, textValue } from './validation';

/** Omni-Image (POST /v1/images/omni-image): its rules, checked before anything is sent. */

export const OMNI_MODELS = modelsOf('omniImage');
export const OMNI_RESOLUTIONS = ['1k', '2k', '4k'] as const;
export const OMNI_ASPECT_RATIOS = [...ASPECT_RATIOS, 'auto'] as const;
export const OMNI_RESULT_TYPES = ['single', 'series'] as const;

/**
 * What each documented model can do. A model not listed here (a newer id given by expression) is
 * sent as asked: its limits are then the API's to state.
 */
const MODEL_FEATURES: Readonly<Record<string, { resolutions: readonly string[]; series: boolean }>> = {
	'kling-image-o1': { resolutions: ['1k', '2k'], series: false },
	'kling-v3-omni': { resolutions: ['1k', '2k', '4k'], series: true },
};

export interface RawOmniParams extends RawTaskOptions {
	model: unknown;
	prompt: unknown;
	resolution: unknown;
	resultType: unknown;
	seriesAmount: unknown;
	n: unknown;
	aspectRatio: unknown;
	/** Element ids, checked (parameters/elements.ts elementIdsOf). */
	elements: string[];
	/** How many reference images the item has (a binary list counts each field). */
	images: number;
}

export interface OmniRequest {
	/** The body without `image_list`, which is read when the request goes out. */
	body: IDataObject;
	model: string;
	prompt: string;
	resultType: 'single' | 'series';
	/** Images the task makes: n, or the series amount; undefined for a series of `auto` length. */
	outputs?: number;
}

/** Series Amount's choice beside 2 to 9: Kling picks the length. */
export const AUTO_SERIES_AMOUNT = 'auto';

function choice<T extends string>(field: string, value: unknown, allowed: readonly T[], fallback: T): T {
	const text = textValue(field, value).trim() || fallback;
	if (!(allowed as readonly string[]).includes(text)) throw new FieldError(field, `must be one of ${allowed.join(', ')}, got "${text}"`);
	return text as T;
}

/** `<<<image_N>>>` in the prompt names the N-th reference image (1-based): each N must have its image. */
export function checkImagePlaceholders(prompt: string, images: number): void {
	for (const match of prompt.matchAll(/<<<\s*image_(\d+)\s*>>>/gi)) {
		const number = Number(match[1]);
		if (number < 1 || number > images) {
			const have = images === 0 ? 'no reference images' : `only ${images} reference image${images === 1 ? '' : 's'}`;
			throw new FieldError('Prompt', `names ${match[0]}, but the item has ${have}`);
		}
	}
}

export function buildOmniBody(raw: RawOmniParams): OmniRequest {
	const model = textValue('Model', raw.model).trim() || OMNI_MODELS[0];
	const features = MODEL_FEATURES[model];
	const prompt = promptText('Prompt', raw.prompt, true);
	checkImagePlaceholders(prompt, raw.images);
	const { elements } = raw;
	if (raw.images + elements.length > MAX_ELEMENTS_PER_REQUEST) {
		throw new FieldError(
			'Reference Images',
			`and Elements together must be at most ${MAX_ELEMENTS_PER_REQUEST}, got ${raw.images} images and ${elements.length} elements`,
		);
	}
	const resolution = choice('Resolution', raw.resolution, OMNI_RESOLUTIONS, '1k');
	if (features && !features.resolutions.includes(resolution)) {
		throw new FieldError('Resolution', `${resolution} is not offered by ${model}: it makes ${features.resolutions.join(' or ')}`);
	}
	const resultType = choice('Result Type', raw.resultType, OMNI_RESULT_TYPES, 'single');
	if (resultType === 'series' && features && !features.series) {
		throw new FieldError('Result Type', `series is not offered by ${model}; choose kling-v3-omni or Single`);
	}
	const aspectRatio = choice('Aspect Ratio', raw.aspectRatio, OMNI_ASPECT_RATIOS, 'auto');
	if (aspectRatio === 'auto' && raw.images + elements.length === 0) {
		throw new FieldError('Aspect Ratio', 'auto needs a reference image or an element to take the shape from; choose a ratio for a prompt alone');
	}
	const body: IDataObject = { model_name: model, prompt, resolution, aspect_ratio: aspectRatio };
	let outputs: number | undefined;
	if (resultType === 'series') {
		const auto = typeof raw.seriesAmount === 'string' && raw.seriesAmount.trim().toLowerCase() === AUTO_SERIES_AMOUNT;
		outputs = auto ? undefined : checkNumber(API_NUMBERS.seriesAmount, raw.seriesAmount);
		body.result_type = 'series';
		body.series_amount = outputs ?? AUTO_SERIES_AMOUNT;
	} else {
		outputs = checkNumber(API_NUMBERS.n, raw.n);
		body.n = outputs;
	}
	if (elements.length > 0) body.element_list = elements.map((id) => ({ element_id: id }));
	return { body: withTaskOptions(body, validateTaskOptions(raw)), model, prompt, resultType, outputs };
}
