import { readBinaryOutput, storeBinaryInput } from '../../../../support/engine';
import { promptJpeg, promptPng } from '../../../../support/fakeImages';
import { startFakeKlingOfficialServer } from '../../../../support/fakeKlingOfficialServer';
import type { FakeKlingOfficialServer } from '../../../../support/fakeKlingOfficialServer';
import { pngBinaries, runKling, runKlingOfficial } from '../../kling.harness';
import { startFakeKlingServer } from '../../../../support/fakeKlingServer';

let server: FakeKlingOfficialServer;

beforeAll(async () => {
	server = await startFakeKlingOfficialServer({ taskDurationMs: 300 });
});
afterEach(() => server.clear());
afterAll(async () => await server.close());

const fast = { pollInterval: 0.1 };
const omni = (parameters: Record<string, unknown>) => ({ operation: 'omniImage', options: fast, ...parameters });
const element = (value: string, mode = 'id') => ({ id: { __rl: true, mode, value } });


describe('Omni-Image', () => {
	it('sends binary, URL and base64 references in order with elements; one item per image with its index, result type and task', async () => {
		const logo = promptJpeg('logo', 1).toString('base64');
		const [preset] = server.presetElements;
		const { items, error } = await runKlingOfficial({
			server,
			items: [{ json: {}, binary: await pngBinaries(2, 'p', 'photo') }],
			parameters: omni({
				omniModel: 'kling-v3-omni',
				prompt: 'The bottle of <<<image_1>>> next to <<<image_3>>> on a beach, no people',
				referenceImages: {
					image: [
						{ source: 'binary', binaryPropertyName: 'p0, p1' },
						{ source: 'base64', imageBase64: `data:image/jpeg;base64,${logo}` },
						{ source: 'url', imageUrl: 'https://example.com/scene.png' },
					],
				},
				elements: { element: [element(preset.element_id, 'list')] },
				omniResolution: '4k',
				n: 2,
				omniAspectRatio: '3:2',
				watermark: true,
				externalTaskId: 'omni-1',
				output: 'url',
			}),
		});
		expect(error).toBeUndefined();
		const [task] = server.created;
		expect(task.family).toBe('omniImage');
		expect(task.body).toEqual({
			model_name: 'kling-v3-omni',
			prompt: 'The bottle of <<<image_1>>> next to <<<image_3>>> on a beach, no people',
			image_list: [
				{ image: promptPng('photo 0', 0).toString('base64') },
				{ image: promptPng('photo 1', 1).toString('base64') },
				{ image: logo },
				{ image: 'https://example.com/scene.png' },
			],
			element_list: [{ element_id: preset.element_id }],
			resolution: '4k',
			n: 2,
			aspect_ratio: '3:2',
			external_task_id: 'omni-1',
			watermark_info: { enabled: true },
		});
		expect(items.map((item) => [item.json.taskId, item.json.index, item.json.resultType, item.json.model, item.pairedItem])).toEqual([
			[task.taskId, 0, 'single', 'kling-v3-omni', { item: 0 }],
			[task.taskId, 1, 'single', 'kling-v3-omni', { item: 0 }],
		]);
		expect(server.misreads).toBe(0);
	});

	it('makes a series: series_amount images from series_images, downloaded as binary; the task holds that many slots', async () => {
		const { items, error } = await runKlingOfficial({
			server,
			items: [{ json: {}, binary: await pngBinaries(1, 'p', 'photo') }],
			parameters: omni({
				omniModel: 'kling-v3-omni',
				prompt: '<<<image_1>>> in four seasons',
				referenceImages: { image: [{ source: 'binary', binaryPropertyName: 'p0' }] },
				resultType: 'series',
				seriesAmount: 4,
			}),
		});
		expect(error).toBeUndefined();
		const [task] = server.created;
		expect(task.body).toMatchObject({ result_type: 'series', series_amount: 4, aspect_ratio: 'auto', resolution: '1k' });
		expect(task.body.n).toBeUndefined();
		expect(items).toHaveLength(4);
		expect(items.map((item) => [item.json.index, item.json.resultType, item.json.imagesRequested])).toEqual([
			[0, 'series', 4],
			[1, 'series', 4],
			[2, 'series', 4],
			[3, 'series', 4],
		]);
		const bytes = await readBinaryOutput(items[3].binary!.data);
		expect(bytes.length).toBeGreaterThan(100);
		expect(server.peakSlots).toBe(4);
	});

	it('makes a series of auto length: sends "auto", outputs what Kling made with no shortfall, each item from series_images, with its cost', async () => {
		const { items, error } = await runKlingOfficial({
			server,
			parameters: omni({ omniModel: 'kling-v3-omni', prompt: 'a fox in every season', omniAspectRatio: '1:1', resultType: 'series', seriesAmount: 'auto', output: 'url' }),
		});
		expect(error).toBeUndefined();
		const [task] = server.created;
		expect(task.body).toMatchObject({ result_type: 'series', series_amount: 'auto' });
		// The fake chooses five for `auto`.
		expect(items.map((item) => [item.json.index, item.json.source, item.json.resultType])).toEqual(
			[0, 1, 2, 3, 4].map((index) => [index, 'series_images', 'series']),
		);
		expect(items.every((item) => item.json.warning === undefined && item.json.imagesRequested === undefined)).toBe(true);
		expect(items[0].json.unitsDeducted).toBe(12.5);
		expect(items[0].json.balanceDeduction).toEqual({ quota: 12.5, listPrice: 1.75 });
	});

	it('refuses a series amount that is neither 2 to 9 nor auto, before sending', async () => {
		const { error } = await runKlingOfficial({
			server,
			parameters: omni({ omniModel: 'kling-v3-omni', prompt: 'a fox', omniAspectRatio: '1:1', resultType: 'series', seriesAmount: 'many' }),
		});
		expect(error?.message).toContain('"Series Amount" must be a number from 2 to 9, got "many"');
		expect(server.createAttempts).toBe(0);
	});

	it('reads the task back with Get Task and List Tasks under its own family', async () => {
		const made = await runKlingOfficial({
			server,
			parameters: omni({ prompt: 'a lighthouse', omniAspectRatio: '1:1', waitForCompletion: false }),
		});
		expect(made.error).toBeUndefined();
		const taskId = String(made.items[0].json.task_id);
		await new Promise((resolve) => setTimeout(resolve, 400));
		const read = await runKlingOfficial({ server, parameters: { operation: 'getTask', taskType: 'omniImage', taskId, taskOutput: 'url' } });
		expect(read.error).toBeUndefined();
		expect(read.items.map((item) => item.json.taskId)).toEqual([taskId]);
		const listed = await runKlingOfficial({ server, parameters: { operation: 'listTasks', taskType: 'omniImage' } });
		expect(listed.items.map((item) => item.json.task_id)).toContain(taskId);
		const generations = await runKlingOfficial({ server, parameters: { operation: 'listTasks', taskType: 'generation' } });
		expect(generations.items.map((item) => item.json.task_id)).not.toContain(taskId);
	});

	it.each([
		['a placeholder with no image', { prompt: 'see <<<image_2>>>', referenceImages: { image: [{ source: 'url', imageUrl: 'https://example.com/a.png' }] } }, '"Prompt" names <<<image_2>>>, but the item has only 1 reference image'],
		['more than 10 images and elements', {
			referenceImages: { image: [{ source: 'url', imageUrl: 'https://example.com/a.png' }] },
			elements: { element: Array.from({ length: 10 }, (_, i) => element(String(900 + i))) },
		}, '"Reference Images" and Elements together must be at most 10, got 1 images and 10 elements'],
		['4K on O1', { omniResolution: '4k', omniAspectRatio: '1:1' }, '"Resolution" 4k is not offered by kling-image-o1'],
		['a series on O1', { resultType: 'series', omniAspectRatio: '1:1' }, '"Result Type" series is not offered by kling-image-o1'],
		['a series amount of 10', { omniModel: 'kling-v3-omni', resultType: 'series', seriesAmount: 10, omniAspectRatio: '1:1' }, '"Series Amount" must be from 2 to 9, got 10'],
		['auto without references', {}, '"Aspect Ratio" auto needs a reference image or an element'],
		['an element id that lost its digits', { elements: { element: [element('={{ 860321453218791424123 }}')] } }, '"Elements 1" is the number 860321453218791400000'],
	])('refuses %s before sending, naming the field and the item', async (_name, parameters, message) => {
		const { items, error } = await runKlingOfficial({
			server,
			items: [{ json: {} }, { json: {} }],
			continueOnFail: true,
			parameters: omni({ prompt: 'a cat', omniAspectRatio: 'auto', ...parameters }),
		});
		expect(error).toBeUndefined();
		expect(items).toHaveLength(2);
		for (const item of items) expect(String(item.json.error)).toContain(message);
		expect(server.createAttempts).toBe(0);
	});

	it('names the item whose references are bad, and the others still run', async () => {
		const { items, error } = await runKlingOfficial({
			server,
			items: [{ json: { p: 'a fox' } }, { json: { p: 'see <<<image_1>>>' } }],
			continueOnFail: true,
			parameters: omni({ prompt: '={{ $json.p }}', omniAspectRatio: '1:1', output: 'url' }),
		});
		expect(error).toBeUndefined();
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(items[0].json.url).toEqual(expect.any(String));
		expect(String(items[1].json.error)).toContain('"Prompt" names <<<image_1>>>, but the item has no reference images');
		expect(server.created).toHaveLength(1);
	});

	it('is refused on the gateway, naming the operation', async () => {
		const gateway = await startFakeKlingServer();
		try {
			const { error } = await runKling({ server: gateway, parameters: omni({ prompt: 'a cat' }) });
			expect(error?.message).toContain('"Omni Image" needs the Official Kling AI API');
			expect(gateway.requests).toHaveLength(0);
		} finally {
			await gateway.close();
		}
	});
});

describe('Omni-Image series read from both result lists', () => {
	it('outputs the images of `images` and of `series_images`, each saying which list it came from', async () => {
		const both = await startFakeKlingOfficialServer({ taskDurationMs: 200, seriesInBothLists: true });
		try {
			const { items, error } = await runKlingOfficial({
				server: both,
				parameters: omni({ omniModel: 'kling-v3-omni', prompt: 'a fox', omniAspectRatio: '1:1', resultType: 'series', seriesAmount: 3, output: 'url' }),
			});
			expect(error).toBeUndefined();
			expect(items.map((item) => item.json.source)).toEqual(['images', 'series_images', 'series_images']);
			expect(new Set(items.map((item) => item.json.url)).size).toBe(3);
			expect(items.every((item) => item.json.warning === undefined)).toBe(true);
		} finally {
			await both.close();
		}
	});
});

describe('element ids on the wire', () => {
	it('Omni-Image sends ids above 2^53 as bare integers, digit for digit, never through a JavaScript number', async () => {
		const ids = [...server.presetElements, ...server.olderPresetElements].map((preset) => preset.element_id);
		expect(ids.every((id) => BigInt(id) > BigInt(Number.MAX_SAFE_INTEGER) && String(Number(id)) !== id)).toBe(true);
		const { error } = await runKlingOfficial({
			server,
			parameters: omni({ prompt: 'them together', elements: { element: ids.map((id) => element(id)) }, output: 'url' }),
		});
		expect(error).toBeUndefined();
		expect(server.created[0].body.element_list).toEqual(ids.map((id) => ({ element_id: id })));
	});
});

describe('Generate with elements (kling-v3)', () => {
	it('sends element_list with the ids as bare integers, digits intact (the fake refuses quoted ids)', async () => {
		const [, preset] = server.presetElements;
		const { error } = await runKlingOfficial({
			server,
			parameters: { modelName: 'kling-v3', prompt: 'a portrait', elements: { element: [element(preset.element_id)] }, output: 'url', options: fast },
		});
		expect(error).toBeUndefined();
		expect(server.created[0].body.element_list).toEqual([{ element_id: preset.element_id }]);
	});

	it('refuses elements on a model that predates them', async () => {
		const { error } = await runKlingOfficial({
			server,
			parameters: { modelName: '={{ "kling-v2-1" }}', prompt: 'a portrait', elements: { element: [element('42')] }, options: fast },
		});
		expect(error?.message).toBe('"Elements" need kling-v3 or a later model; kling-v2-1 does not take elements (item 0)');
		expect(server.createAttempts).toBe(0);
	});
});
