import { GATEWAY_BODY_FIELDS, buildGenerateBody, withAdditionalFields } from '../../../../nodes/Kling/wire/gatewayRequest';
import { FieldError, validateGenerateParams } from '../../../../nodes/Kling/wire/validation';

const base = {
	model: 'kling-img-v1',
	prompt: 'a lighthouse',
	negativePrompt: '',
	imageSource: 'none',
	imageFidelity: 0.5,
	n: 1,
	aspectRatio: '',
	additionalFields: {},
};

describe('buildGenerateBody', () => {
	it('sends only what is set', () => {
		expect(buildGenerateBody(validateGenerateParams(base))).toEqual({ model: 'kling-img-v1', prompt: 'a lighthouse', n: 1 });
	});

	it('maps every parameter to its API name; the image itself is added when the request is sent', () => {
		const params = validateGenerateParams({
			...base,
			negativePrompt: 'fog',
			imageSource: 'url',
			imageFidelity: 0.3,
			n: 4,
			aspectRatio: '21:9',
		});
		expect(buildGenerateBody(params)).toEqual({
			model: 'kling-img-v1',
			prompt: 'a lighthouse',
			negative_prompt: 'fog',
			image_fidelity: 0.3,
			n: 4,
			aspect_ratio: '21:9',
		});
	});

	it('adds additional fields the node has no parameter for', () => {
		const params = validateGenerateParams({ ...base, additionalFields: '{"seed": 7, "resolution": "2k"}' });
		expect(buildGenerateBody(params)).toEqual({ model: 'kling-img-v1', prompt: 'a lighthouse', n: 1, seed: 7, resolution: '2k' });
	});

	it.each([
		['{"n": 50}', '"Additional Body Fields" may not set n: use the node\'s "Number of Images" instead'],
		['{"prompt": "x", "model": "other", "seed": 1}', 'may not set prompt, model: use the node\'s "Prompt", "Model" instead'],
		['{"image": "https://example.com/x.png"}', '"Additional Body Fields" may not set image: use the node\'s "Reference Image" instead'],
	])('refuses additional fields %s that would bypass a parameter and its checks', (additionalFields, message) => {
		const params = validateGenerateParams({ ...base, additionalFields });
		expect(() => buildGenerateBody(params)).toThrow(FieldError);
		expect(() => buildGenerateBody(params)).toThrow(message);
	});
});

describe('withAdditionalFields', () => {
	it('leaves the body alone when there is nothing to add', () => {
		expect(withAdditionalFields({ model: 'm' }, {}, GATEWAY_BODY_FIELDS)).toEqual({ model: 'm' });
	});

	it('does not count inherited names such as toString as own fields', () => {
		expect(withAdditionalFields({}, { toString: 'x', constructor: 'y' }, GATEWAY_BODY_FIELDS)).toEqual({ toString: 'x', constructor: 'y' });
	});
});
