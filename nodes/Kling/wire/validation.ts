import type { IDataObject } from 'n8n-workflow';

import { detectImageType } from './imageType';
import { tryParseJson } from './answers';
import { FieldError } from './fieldError';
import { API_NUMBERS, checkNumber } from './numbers';

export { FieldError };

export const MAX_PROMPT_LENGTH = 2500;
export const MAX_REFERENCE_BYTES = 10 * 1024 * 1024;
export const ASPECT_RATIOS = ['16:9', '9:16', '1:1', '4:3', '3:4', '3:2', '2:3', '21:9'] as const;
export const IMAGE_SOURCES = ['none', 'url', 'binary', 'base64'] as const;

export type ImageSource = (typeof IMAGE_SOURCES)[number];

/** Parameter values as read from the node, before any checking. */
export interface RawGenerateParams {
	model: unknown;
	prompt: unknown;
	negativePrompt: unknown;
	imageSource: unknown;
	imageFidelity: unknown;
	n: unknown;
	aspectRatio: unknown;
	additionalFields: unknown;
}

export interface GenerateParams {
	model: string;
	prompt: string;
	negativePrompt?: string;
	imageSource: ImageSource;
	imageFidelity?: number;
	n: number;
	aspectRatio?: string;
	additionalFields: IDataObject;
}

/** What a value is, for a message: "an object ({"a":1})", "a list ([1,2])", "a boolean (true)". */
function describeValue(value: unknown): string {
	const kind = Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
	let shown: string | undefined;
	try {
		shown = JSON.stringify(value);
	} catch {
		shown = undefined;
	}
	if (shown === undefined) return kind;
	return `${kind} (${shown.length > 60 ? `${shown.slice(0, 57)}...` : shown})`;
}

/**
 * A text parameter as it will be sent. Expressions can hand over anything; an object would reach
 * the API as "[object Object]" and still be paid for, so only text (or a number, as text) passes.
 */
export function textValue(field: string, value: unknown): string {
	if (value === undefined || value === null) return '';
	if (typeof value === 'string') return value;
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	throw new FieldError(field, `must be text, but the value is ${describeValue(value)}; check the expression`);
}

/** An aspect ratio of the API's list, or undefined for the API's default. */
export function aspectRatioValue(value: unknown): string | undefined {
	const aspectRatio = textValue('Aspect Ratio', value).trim();
	if (aspectRatio !== '' && !(ASPECT_RATIOS as readonly string[]).includes(aspectRatio)) {
		throw new FieldError('Aspect Ratio', `must be one of ${ASPECT_RATIOS.join(', ')}, got "${aspectRatio}"`);
	}
	return aspectRatio || undefined;
}

export function promptText(field: string, value: unknown, required: boolean): string {
	const prompt = textValue(field, value).trim();
	if (required && prompt === '') throw new FieldError(field, 'is empty: describe the image to generate');
	if (prompt.length > MAX_PROMPT_LENGTH) {
		throw new FieldError(field, `is ${prompt.length} characters long; the API accepts at most ${MAX_PROMPT_LENGTH}`);
	}
	return prompt;
}

export function parseAdditionalFields(value: unknown): IDataObject {
	const field = 'Additional Body Fields';
	if (value === undefined || value === null || value === '') return {};
	let parsed: unknown = value;
	if (typeof value === 'string') {
		const json = tryParseJson(value);
		if (!json.ok) throw new FieldError(field, `is not valid JSON: ${json.reason}`);
		parsed = json.value;
	}
	if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
		throw new FieldError(field, 'must be a JSON object, such as {"seed": 42}');
	}
	return parsed as IDataObject;
}

/** Checks every parameter that needs no I/O; the reference image itself is checked once it is read. */
export function validateGenerateParams(raw: RawGenerateParams): GenerateParams {
	const model = textValue('Model', raw.model).trim();
	if (model === '') throw new FieldError('Model', 'is empty: give a model id such as kling-img-v1');

	const imageSource = (textValue('Reference Image', raw.imageSource) || 'none') as ImageSource;
	if (!IMAGE_SOURCES.includes(imageSource)) {
		throw new FieldError('Reference Image', `must be one of ${IMAGE_SOURCES.join(', ')}, got "${imageSource}"`);
	}

	const aspectRatio = aspectRatioValue(raw.aspectRatio);

	const negativePrompt = promptText('Negative Prompt', raw.negativePrompt, false);
	return {
		model,
		prompt: promptText('Prompt', raw.prompt, true),
		negativePrompt: negativePrompt || undefined,
		imageSource,
		imageFidelity: imageSource === 'none' ? undefined : checkNumber(API_NUMBERS.imageFidelity, raw.imageFidelity),
		n: checkNumber(API_NUMBERS.n, raw.n),
		aspectRatio,
		additionalFields: parseAdditionalFields(raw.additionalFields),
	};
}

/** Why a text is not an http(s) URL, or undefined when it is one. */
export function httpUrlProblem(url: string): string | undefined {
	const parsed = URL.canParse(url) ? new URL(url) : undefined;
	if (!parsed) return `is not a valid URL: "${url}"`;
	if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
		return `must start with http:// or https://, got "${parsed.protocol}"`;
	}
	return undefined;
}

export function validateImageUrl(value: unknown, field = 'Image URL'): string {
	const url = textValue(field, value).trim();
	const problem = httpUrlProblem(url);
	if (problem) throw new FieldError(field, problem);
	return url;
}

/**
 * The API takes jpg or png up to 10 MB; anything else would be refused after a long wait. Needs
 * only the size and the first bytes, so a file can be checked without reading it whole.
 */
export function checkReferenceFile(field: string, byteLength: number, head: Uint8Array): void {
	if (byteLength > MAX_REFERENCE_BYTES) {
		const megabytes = (byteLength / 1024 / 1024).toFixed(1);
		throw new FieldError(field, `is ${megabytes} MB; the API accepts reference images up to 10 MB`);
	}
	const type = detectImageType(head);
	if (type?.mimeType !== 'image/png' && type?.mimeType !== 'image/jpeg') {
		throw new FieldError(field, `must be a JPG or PNG image, got ${type ? type.mimeType : 'data that is not an image'}`);
	}
}

export function validateReferenceBytes(field: string, bytes: Uint8Array): void {
	checkReferenceFile(field, bytes.length, bytes);
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Whether a text is padded standard base64, as the API sends and takes it. */
export function isBase64(text: string): boolean {
	return text.length % 4 === 0 && BASE64.test(text);
}

/** Base64 as the API wants it: no `data:...;base64,` prefix, no line breaks. */
export function bareBase64(text: string): string {
	return text
		.trim()
		.replace(/^data:[^,]*;base64,/i, '')
		.replace(/\s+/g, '');
}

/** How many bytes a (valid, padded) base64 text decodes to, without decoding it. */
export function base64ByteLength(base64: string): number {
	const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
	return Math.floor((base64.length * 3) / 4) - padding;
}

/** Enough base64 for the first bytes that tell an image's type (see imageType.ts). */
export function base64Head(base64: string): Uint8Array {
	return Buffer.from(base64.slice(0, 32), 'base64');
}

/**
 * Accepts raw base64 or a data URL; returns the bare base64 the API wants. The image is checked
 * from its length and first bytes, so a large one is not decoded just to be checked.
 */
export function parseBase64Image(value: unknown, field = 'Base64 Image'): string {
	const bare = bareBase64(textValue(field, value));
	if (bare === '') throw new FieldError(field, 'is empty');
	if (!isBase64(bare)) throw new FieldError(field, 'is not valid base64');
	checkReferenceFile(field, base64ByteLength(bare), base64Head(bare));
	return bare;
}
