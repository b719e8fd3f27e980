import { buildGenerateBody } from '../../../../nodes/Kling/helpers/requestBody';
import { validateGenerateParams } from '../../../../nodes/Kling/helpers/validation';

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

	it('maps every parameter to its API name', () => {
		const params = validateGenerateParams({
			...base,
			negativePrompt: 'fog',
			imageSource: 'url',
			imageFidelity: 0.3,
			n: 4,
			aspectRatio: '21:9',
		});
		expect(buildGenerateBody(params, 'https://example.com/ref.png')).toEqual({
			model: 'kling-img-v1',
			prompt: 'a lighthouse',
			negative_prompt: 'fog',
			image: 'https://example.com/ref.png',
			image_fidelity: 0.3,
			n: 4,
			aspect_ratio: '21:9',
		});
	});

	it('merges additional fields last so they can add or override', () => {
		const params = validateGenerateParams({ ...base, additionalFields: '{"seed": 7, "n": 2}' });
		expect(buildGenerateBody(params)).toEqual({ model: 'kling-img-v1', prompt: 'a lighthouse', n: 2, seed: 7 });
	});
});
