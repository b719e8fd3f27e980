import { readBinaryOutput, storeBinaryInput } from '../../../../support/engine';
import { promptPng } from '../../../../support/fakeImages';
import { startFakeKlingOfficialServer } from '../../../../support/fakeKlingOfficialServer';
import type { FakeKlingOfficialServer } from '../../../../support/fakeKlingOfficialServer';
import { runKling, runKlingOfficial } from '../../kling.harness';

let server: FakeKlingOfficialServer;

beforeAll(async () => {
	server = await startFakeKlingOfficialServer({ taskDurationMs: 300 });
});
afterEach(() => server.clear());
afterAll(async () => await server.close());

const fast = { pollInterval: 0.1 };
const photo = promptPng('photo', 0);
const withPhoto = async () => [{ json: {}, binary: { data: await storeBinaryInput(photo, 'photo.png', 'image/png') } }];

describe('Expand', () => {
	it('sends the image and all four ratios; outputs URLs with what it cost', async () => {
		const { items, error } = await runKlingOfficial({
			server,
			items: await withPhoto(),
			parameters: {
				operation: 'expand',
				upExpansionRatio: 0.5,
				leftExpansionRatio: 0.25,
				rightExpansionRatio: 0.25,
				prompt: 'more sky',
				n: 2,
				externalTaskId: 'expand-1',
				output: 'url',
				options: fast,
			},
		});
		expect(error).toBeUndefined();
		const [task] = server.created;
		expect(task.family).toBe('expand');
		expect(task.body).toEqual({
			image: photo.toString('base64'),
			up_expansion_ratio: 0.5,
			down_expansion_ratio: 0,
			left_expansion_ratio: 0.25,
			right_expansion_ratio: 0.25,
			prompt: 'more sky',
			n: 2,
			external_task_id: 'expand-1',
		});
		expect(items.map((item) => [item.json.taskId, item.json.unitsDeducted, item.json.prompt])).toEqual([
			[task.taskId, 3, 'more sky'],
			[task.taskId, 3, 'more sky'],
		]);
	});

	it('downloads the images as binary, from an image URL', async () => {
		const { items, error } = await runKlingOfficial({
			server,
			parameters: { operation: 'expand', imageSource: 'url', imageUrl: 'https://example.com/p.png', downExpansionRatio: 1, options: fast },
		});
		expect(error).toBeUndefined();
		expect(server.created[0].body.image).toBe('https://example.com/p.png');
		expect(await readBinaryOutput(items[0].binary!.data)).toEqual(server.imageBytesFor(items[0].json.url as string));
	});

	it.each([
		['an area above 3 times the original', { upExpansionRatio: 1, downExpansionRatio: 1, leftExpansionRatio: 1, rightExpansionRatio: 1 }, '"Expansion" makes the image 9 times its area; Kling allows at most 3'],
		['an area just above the limit', { leftExpansionRatio: 1, rightExpansionRatio: 1.01 }, '"Expansion" makes the image 3.01 times its area'],
		['a ratio above 2', { upExpansionRatio: 2.5 }, '"Up Expansion" must be from 0 to 2, got 2.5'],
		['a negative ratio', { leftExpansionRatio: -0.1 }, '"Left Expansion" must be from 0 to 2, got -0.1'],
		['a missing binary field', { imageBinaryField: 'nope' }, '"Image: Input Binary Field" is "nope", but the input item has no binary field of that name'],
		['no image at all', { imageSource: 'none' }, '"Image" is required'],
	])('refuses %s before sending', async (_case, parameters, message) => {
		const { error } = await runKlingOfficial({ server, items: await withPhoto(), parameters: { operation: 'expand', output: 'url', ...parameters } });
		expect(error?.message).toContain(message);
		expect(server.createAttempts).toBe(0);
	});

	it('accepts an area of exactly 3 times the original', async () => {
		const { error } = await runKlingOfficial({
			server,
			items: await withPhoto(),
			parameters: { operation: 'expand', leftExpansionRatio: 1, rightExpansionRatio: 1, output: 'url', options: fast },
		});
		expect(error).toBeUndefined();
		expect(server.createAttempts).toBe(1);
	});

	it('a failed task fails its item, naming the task', async () => {
		const { error } = await runKlingOfficial({
			server,
			items: await withPhoto(),
			parameters: { operation: 'expand', upExpansionRatio: 0.2, prompt: 'this will fail', output: 'url', options: fast },
		});
		expect(error?.message).toBe(`Kling task ${server.created[0].taskId} failed: image generation failed: the request asked for a failure`);
	});

	it('the gateway credential refuses it by name', async () => {
		const { error } = await runKling({ server: { baseUrl: server.baseUrl } as never, items: await withPhoto(), parameters: { operation: 'expand' } });
		expect(error?.message).toContain('"Expand" needs the Official Kling AI API');
		expect(server.createAttempts).toBe(0);
	});
});
