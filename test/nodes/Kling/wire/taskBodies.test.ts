import { SUBJECT_IMAGES } from '../../../../nodes/Kling/parameters/inputImages';
import { checkImageCount } from '../../../../nodes/Kling/wire/inputImages';
import { buildExpandBody, buildMultiImageBody, buildTryOnBody, expandedArea } from '../../../../nodes/Kling/wire/taskBodies';

const noOptions = { callbackUrl: '', externalTaskId: '' };

describe('expand', () => {
	it.each([
		[{ up: 0, down: 0, left: 0, right: 0 }, 1],
		[{ up: 0.1, down: 0, left: 0, right: 0 }, 1.1],
		[{ up: 0.5, down: 0.5, left: 0.25, right: 0.25 }, 3],
		[{ up: 1, down: 1, left: 1, right: 1 }, 9],
	])('the area of %j is %d times the original', (ratios, area) => {
		expect(expandedArea(ratios)).toBeCloseTo(area, 10);
	});

	it('sends all four ratios, zeros included, and leaves an empty prompt out', () => {
		expect(buildExpandBody({ up: 0.5, down: '', left: undefined, right: '0.25', prompt: ' ', n: 2, ...noOptions, watermark: true })).toEqual({
			body: {
				up_expansion_ratio: 0.5,
				down_expansion_ratio: 0,
				left_expansion_ratio: 0,
				right_expansion_ratio: 0.25,
				n: 2,
				watermark_info: { enabled: true },
			},
			n: 2,
			prompt: '',
		});
	});

	it('refuses more than 3 times the area, though each ratio is in range', () => {
		expect(() => buildExpandBody({ up: 1, down: 1, left: 0.1, right: 0, prompt: '', n: 1, ...noOptions })).toThrow(
			'"Expansion" makes the image 3.3 times its area',
		);
		expect(() => buildExpandBody({ up: 1, down: 1, left: 0, right: 0, prompt: '', n: 1, ...noOptions })).not.toThrow();
		expect(() => buildExpandBody({ up: 2, down: 0, left: 0, right: 0, prompt: '', n: 1, ...noOptions })).not.toThrow();
	});
});

describe('multi-image', () => {
	const base = { model: '', prompt: '', n: 1, aspectRatio: '', ...noOptions };

	it('sends the model and n, leaving out what is empty', () => {
		expect(buildMultiImageBody(base).body).toEqual({ model_name: 'kling-v2-1', n: 1 });
	});

	it('checks the aspect ratio and the callback URL', () => {
		expect(() => buildMultiImageBody({ ...base, aspectRatio: '5:4' })).toThrow('"Aspect Ratio" must be one of');
		expect(() => buildMultiImageBody({ ...base, callbackUrl: 'hook' })).toThrow('"Callback URL" is not a valid URL');
	});
});

describe('image lists', () => {
	it('counts 1 to 4 subjects', () => {
		for (const count of [0, 5]) expect(() => checkImageCount(SUBJECT_IMAGES, count)).toThrow('"Subject Images" must be 1 to 4 images, got');
		expect(() => checkImageCount(SUBJECT_IMAGES, 4)).not.toThrow();
	});
});

describe('try-on', () => {
	it('has no watermark, whatever is asked', () => {
		expect(buildTryOnBody({ model: '', ...noOptions, watermark: true }).body).toEqual({ model_name: 'kolors-virtual-try-on-v1' });
	});
});
