import type { IDataObject } from 'n8n-workflow';

import { modelsOf } from './models';
import { API_NUMBERS, checkNumber } from './numbers';
import { validateTaskOptions, withTaskOptions } from './officialRequest';
import type { TaskOptions } from './officialRequest';
import { FieldError, aspectRatioValue, promptText, textValue } from './validation';

/** The rules of the official API's task families beside /generations, checked before anything is sent. */

export const MULTI_IMAGE_MODELS = modelsOf('multiImage');
export const TRY_ON_MODELS = modelsOf('tryOn');
/** Expand may make the image at most this many times the original's area. */
export const MAX_EXPANDED_AREA = 3;

/** What every task family's item reads: its task options. Try-on has no watermark. */
export interface RawTaskOptions {
	watermark?: unknown;
	callbackUrl: unknown;
	externalTaskId: unknown;
}

/** A model id: the editor offers the documented ones, an expression may name a newer one. */
function modelValue(value: unknown, fallback: string): string {
	return textValue('Model', value).trim() || fallback;
}

export interface RawMultiImageParams extends RawTaskOptions {
	model: unknown;
	prompt: unknown;
	n: unknown;
	aspectRatio: unknown;
}

export function buildMultiImageBody(raw: RawMultiImageParams): { body: IDataObject; n: number; model: string; prompt: string } {
	const model = modelValue(raw.model, MULTI_IMAGE_MODELS[0]);
	const prompt = promptText('Prompt', raw.prompt, false);
	const n = checkNumber(API_NUMBERS.n, raw.n);
	const aspectRatio = aspectRatioValue(raw.aspectRatio);
	const body: IDataObject = { model_name: model, n };
	if (prompt) body.prompt = prompt;
	if (aspectRatio) body.aspect_ratio = aspectRatio;
	return { body: withTaskOptions(body, validateTaskOptions(raw)), n, model, prompt };
}

export interface RawExpandParams extends RawTaskOptions {
	up: unknown;
	down: unknown;
	left: unknown;
	right: unknown;
	prompt: unknown;
	n: unknown;
}

/** (1 + left + right) × (1 + up + down): the expanded image's area over the original's. */
export function expandedArea(ratios: { up: number; down: number; left: number; right: number }): number {
	return (1 + ratios.left + ratios.right) * (1 + ratios.up + ratios.down);
}

export function buildExpandBody(raw: RawExpandParams): { body: IDataObject; n: number; prompt: string } {
	const ratios = {
		up: checkNumber(API_NUMBERS.upExpansionRatio, raw.up),
		down: checkNumber(API_NUMBERS.downExpansionRatio, raw.down),
		left: checkNumber(API_NUMBERS.leftExpansionRatio, raw.left),
		right: checkNumber(API_NUMBERS.rightExpansionRatio, raw.right),
	};
	const area = expandedArea(ratios);
	if (area > MAX_EXPANDED_AREA) {
		throw new FieldError(
			'Expansion',
			`makes the image ${Number(area.toFixed(2))} times its area; Kling allows at most ${MAX_EXPANDED_AREA} ((1 + left + right) × (1 + up + down))`,
		);
	}
	const prompt = promptText('Prompt', raw.prompt, false);
	const n = checkNumber(API_NUMBERS.n, raw.n);
	// The API marks the ratios both required and "default 0": all four are always sent.
	const body: IDataObject = {
		up_expansion_ratio: ratios.up,
		down_expansion_ratio: ratios.down,
		left_expansion_ratio: ratios.left,
		right_expansion_ratio: ratios.right,
		n,
	};
	if (prompt) body.prompt = prompt;
	return { body: withTaskOptions(body, validateTaskOptions(raw)), n, prompt };
}

export interface RawTryOnParams extends RawTaskOptions {
	model: unknown;
}

export function buildTryOnBody(raw: RawTryOnParams): { body: IDataObject; model: string } {
	const model = modelValue(raw.model, TRY_ON_MODELS[0]);
	const options: TaskOptions = { ...validateTaskOptions(raw), watermark: false };
	return { body: withTaskOptions({ model_name: model }, options), model };
}

/** AI Multi-Shot: a subject's front image (added when the request goes out) and the task options; no model, prompt or n. */
export function buildMultiShotBody(raw: RawTaskOptions): IDataObject {
	return withTaskOptions({}, { ...validateTaskOptions(raw), watermark: false });
}

/** AI Multi-Shot makes this many views of the subject, `url_1` to `url_3`. */
export const MULTI_SHOT_VIEWS = 3;
