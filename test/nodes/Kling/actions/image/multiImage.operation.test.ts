import type { INodePropertyOptions } from 'n8n-workflow';

import { Kling } from '../../../../../nodes/Kling/Kling.node';
import { readBinaryOutput, storeBinaryInput } from '../../../../support/engine';
import { promptJpeg, promptPng } from '../../../../support/fakeImages';
import { startFakeKlingOfficialServer } from '../../../../support/fakeKlingOfficialServer';
import type { FakeKlingOfficialServer } from '../../../../support/fakeKlingOfficialServer';
import { pngBinaries, runKling, runKlingOfficial } from '../../kling.harness';

let server: FakeKlingOfficialServer;

beforeAll(async () => {
	server = await startFakeKlingOfficialServer({ taskDurationMs: 300 });
});
afterEach(() => server.clear());
afterAll(async () => await server.close());

const fast = { pollInterval: 0.1 };
const subjectUrl = 'https://example.com/subject.png';
const urlSubject = (imageUrl = subjectUrl) => ({ subjectImages: { subject: [{ source: 'url', imageUrl }] } });


describe('Multi-Image Reference', () => {
	it("defaults to kling-v2-1, Kling's current model, and marks kling-v2 as older", () => {
		const model = new Kling().description.properties.find((property) => property.name === 'multiImageModel');
		expect(model?.default).toBe('kling-v2-1');
		expect((model?.options as INodePropertyOptions[]).map((option) => option.name)).toEqual(['kling-v2-1', 'kling-v2 (older)']);
	});

	it('sends subjects from a binary list and a URL, scene and style images and the task options; outputs URLs with what it cost', async () => {
		const scene = promptJpeg('scene', 0).toString('base64');
		const { items, error } = await runKlingOfficial({
			server,
			items: [{ json: {}, binary: await pngBinaries(2, 's', 'subject') }],
			parameters: {
				operation: 'multiImage',
				multiImageModel: 'kling-v2-1',
				prompt: 'the two on a beach',
				subjectImages: { subject: [{ source: 'binary', binaryPropertyName: 's0, s1' }, { source: 'url', imageUrl: subjectUrl }] },
				sceneImageSource: 'base64',
				sceneImageBase64: `data:image/jpeg;base64,${scene}`,
				styleImageSource: 'url',
				styleImageUrl: 'https://example.com/style.png',
				n: 2,
				aspectRatio: '1:1',
				watermark: true,
				callbackUrl: 'https://example.com/hook',
				externalTaskId: 'multi-1',
				output: 'url',
				options: fast,
			},
		});
		expect(error).toBeUndefined();
		const [task] = server.created;
		expect(task.family).toBe('multiImage');
		expect(task.body).toEqual({
			model_name: 'kling-v2-1',
			prompt: 'the two on a beach',
			subject_image_list: [
				{ subject_image: promptPng('subject 0', 0).toString('base64') },
				{ subject_image: promptPng('subject 1', 1).toString('base64') },
				{ subject_image: subjectUrl },
			],
			scene_image: scene,
			style_image: 'https://example.com/style.png',
			n: 2,
			aspect_ratio: '1:1',
			callback_url: 'https://example.com/hook',
			external_task_id: 'multi-1',
			watermark_info: { enabled: true },
		});
		expect(items.map((item) => [item.json.taskId, item.json.index, item.json.unitsDeducted, item.json.model, item.pairedItem])).toEqual([
			[task.taskId, 0, 4, 'kling-v2-1', { item: 0 }],
			[task.taskId, 1, 4, 'kling-v2-1', { item: 0 }],
		]);
		expect(server.statusPolls.get(task.taskId)).toBeGreaterThanOrEqual(1);
		expect(server.misreads).toBe(0);
	});

	it('downloads the images as binary; no prompt is needed', async () => {
		const { items, error } = await runKlingOfficial({ server, parameters: { operation: 'multiImage', ...urlSubject(), options: fast } });
		expect(error).toBeUndefined();
		const { external_task_id: ownId, ...body } = server.created[0].body;
		expect(ownId).toMatch(/^n8n-kling-/); // made by the node, for its exactly-once create
		expect(body).toEqual({ model_name: 'kling-v2-1', n: 1, subject_image_list: [{ subject_image: subjectUrl }] });
		expect(items).toHaveLength(1);
		expect(await readBinaryOutput(items[0].binary!.data)).toEqual(server.imageBytesFor(items[0].json.url as string));
	});

	it.each([
		['five subjects', { subjectImages: { subject: [{ source: 'binary', binaryPropertyName: 's0,s1,s2,s3,s4' }] } }, '"Subject Images" must be 1 to 4 images, got 5'],
		['no subject', { subjectImages: {} }, '"Subject Images" must be 1 to 4 images, got 0'],
		['a missing binary field', { subjectImages: { subject: [{ source: 'binary', binaryPropertyName: 's0, nope' }] } }, '"Subject Image 1: Input Binary Field" is "nope", but the input item has no binary field of that name'],
		['a subject URL that is not http', urlSubject('ftp://example.com/a.png'), '"Subject Image 1: Image URL" must start with http:// or https://'],
		['a style image that is not an image', { ...urlSubject(), styleImageSource: 'base64', styleImageBase64: Buffer.from('plain text!!').toString('base64') }, '"Style Image: Base64 Image" must be a JPG or PNG image'],
		['a prompt too long', { ...urlSubject(), prompt: 'x'.repeat(2501) }, '"Prompt" is 2501 characters long'],
		['n = 10', { ...urlSubject(), n: 10 }, '"Number of Images" must be from 1 to 9, got 10'],
	])('refuses %s before sending', async (_case, parameters, message) => {
		const { error } = await runKlingOfficial({
			server,
			items: [{ json: {}, binary: await pngBinaries(5, 's', 'subject') }],
			parameters: { operation: 'multiImage', output: 'url', ...parameters },
		});
		expect(error?.message).toContain(message);
		expect(server.createAttempts).toBe(0);
	});

	it('a failed task fails its item, naming the task; Continue On Fail keeps the others', async () => {
		const { items, error } = await runKlingOfficial({
			server,
			continueOnFail: true,
			items: [{ json: { url: subjectUrl } }, { json: { url: 'https://example.com/fail.png' } }],
			parameters: { operation: 'multiImage', ...urlSubject('={{ $json.url }}'), output: 'url', options: fast },
		});
		expect(error).toBeUndefined();
		expect(items[0].json.url).toEqual(expect.stringContaining('/images/'));
		expect(items[1].json.error).toBe(`Kling task ${server.created[1].taskId} failed: image generation failed: the request asked for a failure`);
	});

	it('the gateway credential refuses it by name, sending nothing', async () => {
		const before = server.httpRequests;
		const { error } = await runKling({
			server: { baseUrl: server.baseUrl } as never,
			parameters: { operation: 'multiImage', ...urlSubject(), output: 'url' },
		});
		expect(error?.message).toBe('"Multi-Image Reference" needs the Official Kling AI API: the gateway does not offer it. Set Authentication to "Official Kling AI API"');
		expect(server.httpRequests).toBe(before);
	});
});
