/** The task family table and its result readers: pure, one place per family. */
import { parseTask, readAnyResult, readImageLists, readViews, taskCost } from '../../../../nodes/Kling/wire/answers';
import { MAX_SERIES_AMOUNT, TASK_FAMILIES, familySpec } from '../../../../nodes/Kling/wire/taskFamilies';

describe('task family table', () => {
	it('gives every family its own path and a label', () => {
		const paths = TASK_FAMILIES.map((family) => familySpec(family).path);
		expect(new Set(paths).size).toBe(TASK_FAMILIES.length);
		for (const family of TASK_FAMILIES) expect(familySpec(family).label).not.toBe('');
	});

	it('counts slots from the checked body: n, a series its amount, an auto series the most a series holds, try-on and multi-shot one', () => {
		expect(familySpec('generation').slots({ n: 3 })).toBe(3);
		expect(familySpec('generation').slots({})).toBe(1);
		expect(familySpec('omniImage').slots({ n: 2 })).toBe(2);
		expect(familySpec('omniImage').slots({ result_type: 'series', series_amount: 6 })).toBe(6);
		expect(familySpec('omniImage').slots({ result_type: 'series', series_amount: 'auto' })).toBe(MAX_SERIES_AMOUNT);
		expect(MAX_SERIES_AMOUNT).toBe(9);
		expect(familySpec('tryOn').slots({ n: 4 })).toBe(1);
		expect(familySpec('multiShot').slots({})).toBe(1);
	});
});

describe('result readers', () => {
	it('reads images and series_images together, each saying its list', () => {
		const images = readImageLists({ images: [{ index: 0, url: 'https://a/0' }], series_images: [{ index: 0, url: 'https://a/1' }, { index: 1, url: 'https://a/2' }] });
		expect(images.map((image) => [image.source, image.index, image.url])).toEqual([
			['images', 0, 'https://a/0'],
			['series_images', 0, 'https://a/1'],
			['series_images', 1, 'https://a/2'],
		]);
		expect(readImageLists({})).toEqual([]);
		expect(readImageLists({ images: {} })).toEqual([]);
	});

	it('reads the views of a multi-shot in view order, and fails loudly on an entry without views', () => {
		const views = readViews({ images: [{ index: 0, url_3: 'https://v/3', url_1: 'https://v/1', url_2: 'https://v/2' }] });
		expect(views.map((view) => [view.index, view.source, view.url])).toEqual([
			[0, 'url_1', 'https://v/1'],
			[1, 'url_2', 'https://v/2'],
			[2, 'url_3', 'https://v/3'],
		]);
		expect(() => readViews({ images: [{ index: 0, url: 'https://v/0' }] })).toThrow('has no url_1, url_2, url_3 of its views');
	});

	it('reads a task of unknown family by its shape (a callback)', () => {
		expect(readAnyResult({ images: [{ index: 0, url_1: 'https://v/1' }] }).map((image) => image.source)).toEqual(['url_1']);
		expect(readAnyResult({ series_images: [{ index: 0, url: 'https://s/0' }] }).map((image) => image.source)).toEqual(['series_images']);
	});

	it('reads costs sent as text or numbers, and leaves out a deduction that is missing or {}', () => {
		expect(taskCost({ final_unit_deduction: '8', final_balance_deduction: { quota: '8', list_price: 1.12 } })).toEqual({
			unitsDeducted: 8,
			balanceDeduction: { quota: 8, listPrice: 1.12 },
		});
		expect(taskCost({ final_balance_deduction: {} })).toEqual({});
		expect(taskCost({ final_unit_deduction: '' })).toEqual({});
		const task = parseTask({ task_id: 't', task_status: 'succeed', final_balance_deduction: { list_price: '0.5' } });
		expect(task.balanceDeduction).toEqual({ listPrice: 0.5 });
	});
});
