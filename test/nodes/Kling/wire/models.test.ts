import { FAMILY_MODELS, currentModelsOf, discontinuedModel, modelsOf } from '../../../../nodes/Kling/wire/models';

describe('the official models (Kling, December 2026)', () => {
	it('lists the current ones first, the first of them the default', () => {
		expect(modelsOf('generation')).toEqual(['kling-v3', 'kling-v2-1', 'kling-v2-new', 'kling-v2', 'kling-v1-5', 'kling-v1']);
		expect(modelsOf('multiImage')).toEqual(['kling-v2-1', 'kling-v2']);
		expect(FAMILY_MODELS.omniImage.current[0]).toBe('kling-image-o1');
		expect(currentModelsOf('generation')).toEqual(['kling-v3', 'kling-v2-1']);
		expect(currentModelsOf('expand')).toBeUndefined();
	});
});

describe('discontinuedModel', () => {
	it.each<[string, string | undefined, string | undefined]>([
		["The model 'kling-v1' has been discontinued", 'kling-v1', 'kling-v1'],
		["The model 'kling-v1' has been discontinued", undefined, 'kling-v1'],
		['The model "kling-v2" is no longer available', 'kling-v2', 'kling-v2'],
		['This model has been discontinued', 'kling-v1-5', 'kling-v1-5'],
		['kling-v2-new is no longer supported', 'kling-v2-new', 'kling-v2-new'],
		['MODEL DISCONTINUED', 'kling-v1', 'kling-v1'],
	])('%s (sent %s) names %s', (message, sent, model) => {
		expect(discontinuedModel(message, sent)).toBe(model);
	});

	it.each([
		["'image_fidelity' is only supported by kling-v2-1", 'kling-v3'],
		['The task is no longer available', 'kling-v3'],
		['parallel task over resource pack limit', 'kling-v3'],
		['', 'kling-v3'],
	])('says nothing of %j', (message, sent) => {
		expect(discontinuedModel(message, sent)).toBeUndefined();
	});
});
