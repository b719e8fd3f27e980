import { buildOfficialBody, validateOfficialParams } from '../../../../nodes/Kling/wire/officialRequest';
import type { RawOfficialParams } from '../../../../nodes/Kling/wire/officialRequest';
import { validateGenerateParams } from '../../../../nodes/Kling/wire/validation';
import type { RawGenerateParams } from '../../../../nodes/Kling/wire/validation';

const baseRaw: RawGenerateParams = {
	model: 'kling-v2-1',
	prompt: 'a fox',
	negativePrompt: '',
	imageSource: 'none',
	imageFidelity: 0.5,
	n: 1,
	aspectRatio: '',
	additionalFields: {},
};
const officialRaw: RawOfficialParams = { imageReference: '', resolution: '', watermark: false, callbackUrl: '', externalTaskId: '' };

function check(base: Partial<RawGenerateParams>, official: Partial<RawOfficialParams>) {
	return validateOfficialParams(validateGenerateParams({ ...baseRaw, ...base }), { ...officialRaw, ...official });
}

describe('validateOfficialParams: the rules of the official API', () => {
	it.each<[string, Partial<RawGenerateParams>, Partial<RawOfficialParams>, string]>([
		['negative prompt with an image', { imageSource: 'url', negativePrompt: 'blur' }, {}, '"Negative Prompt" cannot be used together with a reference image'],
		['image reference without an image', {}, { imageReference: 'face' }, '"Image Reference" needs a reference image'],
		['unknown image reference', { imageSource: 'url' }, { imageReference: 'body' }, '"Image Reference" must be subject or face'],
		['human fidelity with face', { imageSource: 'url' }, { imageReference: 'face', humanFidelity: 0.5 }, '"Human Fidelity" only applies with Image Reference "subject"'],
		['human fidelity out of range', { imageSource: 'url' }, { imageReference: 'subject', humanFidelity: 3 }, '"Human Fidelity" must be from 0 to 1'],
		['unknown resolution', {}, { resolution: '4k' }, '"Resolution" must be 1k or 2k'],
		['callback that is not http(s)', {}, { callbackUrl: 'ftp://x/y' }, '"Callback URL" must start with http'],
		['callback given an object', {}, { callbackUrl: { url: 'https://x/y' } }, '"Callback URL" must be text, but the value is an object ({"url":"https://x/y"})'],
		['external task id given a list', {}, { externalTaskId: ['a', 'b'] }, '"External Task ID" must be text, but the value is a list (["a","b"])'],
		['external task id given a boolean', {}, { externalTaskId: true }, '"External Task ID" must be text, but the value is a boolean (true)'],
		['resolution given an object', {}, { resolution: {} }, '"Resolution" must be text'],
		['human fidelity given a boolean', { imageSource: 'url' }, { imageReference: 'subject', humanFidelity: true }, '"Human Fidelity" must be a number'],
	])('%s', (_case, base, official, message) => {
		expect(() => check(base, official)).toThrow(message);
	});
});

describe('kling-v3 takes no image reference or fidelity (Kling: kling-v2-1 only)', () => {
	const v3 = { model: 'kling-v3', imageSource: 'url' } as const;

	it.each<[string, Partial<RawGenerateParams>, Partial<RawOfficialParams>, string]>([
		['an image reference', v3, { imageReference: 'face' }, '"Image Reference" applies to kling-v2-1 only; kling-v3 does not take it'],
		['a subject with human fidelity', v3, { imageReference: 'subject', humanFidelity: 0.45 }, '"Image Reference" applies to kling-v2-1 only'],
		['an image fidelity other than its default', { ...v3, imageFidelity: 0.8 }, {}, '"Image Fidelity" applies to kling-v2-1 only; kling-v3 does not take it'],
	])('refuses %s', (_case, base, official, message) => {
		expect(() => check(base, official)).toThrow(message);
	});

	it('leaves the untouched Image Fidelity out, and sends the reference image alone', () => {
		const base = validateGenerateParams({ ...baseRaw, ...v3 });
		expect(buildOfficialBody(base, check(v3, {}))).toEqual({ model_name: 'kling-v3', prompt: 'a fox', n: 1 });
	});

	it('a newer model named by expression is sent as asked', () => {
		const newer = { model: 'kling-v4', imageSource: 'url', imageFidelity: 0.8 } as const;
		const base = validateGenerateParams({ ...baseRaw, ...newer });
		expect(buildOfficialBody(base, check(newer, { imageReference: 'face' }))).toMatchObject({ image_reference: 'face', image_fidelity: 0.8 });
	});
});

it('takes a number as external task id, as text', () => {
	expect(check({}, { externalTaskId: 42 }).externalTaskId).toBe('42');
});

describe('buildOfficialBody', () => {
	it('sends only what is set, under the official names', () => {
		const base = validateGenerateParams(baseRaw);
		expect(buildOfficialBody(base, check({}, {}))).toEqual({ model_name: 'kling-v2-1', prompt: 'a fox', n: 1 });
	});

	it('leaves image-only fields out when there is no image', () => {
		const base = validateGenerateParams({ ...baseRaw, aspectRatio: '1:1' });
		const official = check({}, { resolution: '1k', watermark: true, externalTaskId: ' e-1 ' });
		expect(buildOfficialBody(base, official)).toEqual({
			model_name: 'kling-v2-1',
			prompt: 'a fox',
			n: 1,
			aspect_ratio: '1:1',
			resolution: '1k',
			external_task_id: 'e-1',
			watermark_info: { enabled: true },
		});
	});

	it('sends image-only fields with a reference image, but not the image itself: that is read when the request is sent', () => {
		const base = validateGenerateParams({ ...baseRaw, imageSource: 'binary', imageFidelity: 0.7 });
		const official = check({ imageSource: 'binary' }, { imageReference: 'subject', humanFidelity: 0.6 });
		expect(buildOfficialBody(base, official)).toEqual({
			model_name: 'kling-v2-1',
			prompt: 'a fox',
			n: 1,
			image_reference: 'subject',
			image_fidelity: 0.7,
			human_fidelity: 0.6,
		});
	});

	it.each([
		['{"callback_url": "file:///etc/passwd"}', 'may not set callback_url: use the node\'s "Callback URL" instead'],
		['{"n": 50, "model_name": "kling-v9"}', 'may not set n, model_name: use the node\'s "Number of Images", "Model" instead'],
		['{"watermark_info": {"enabled": false}}', '"Watermark"'],
	])('refuses additional fields %s that the node has a parameter for', (additionalFields, message) => {
		const base = validateGenerateParams({ ...baseRaw, additionalFields });
		expect(() => buildOfficialBody(base, check({}, {}))).toThrow(message);
	});

	it('adds other additional fields', () => {
		const base = validateGenerateParams({ ...baseRaw, additionalFields: '{"seed": 3}' });
		expect(buildOfficialBody(base, check({}, {}))).toEqual({ model_name: 'kling-v2-1', prompt: 'a fox', n: 1, seed: 3 });
	});
});
