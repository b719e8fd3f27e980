import { readBinaryOutput, storeBinaryInput } from '../../../../support/engine';
import { promptJpeg, promptPng } from '../../../../support/fakeImages';
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
const person = promptJpeg('person', 0);
const garmentUrl = 'https://example.com/shirt.png';
const withPerson = async () => [{ json: {}, binary: { person: await storeBinaryInput(person, 'person.jpg', 'image/jpeg') } }];
const personAndGarment = { humanImageBinaryField: 'person', clothImageSource: 'url', clothImageUrl: garmentUrl };

describe('Virtual Try-On', () => {
	it('sends the person and the garment with the model; one image out, with what it cost', async () => {
		const { items, error } = await runKlingOfficial({
			server,
			items: await withPerson(),
			parameters: {
				operation: 'tryOn',
				tryOnModel: 'kolors-virtual-try-on-v1-5',
				...personAndGarment,
				callbackUrl: 'https://example.com/hook',
				externalTaskId: 'shirt-1',
				output: 'url',
				options: fast,
			},
		});
		expect(error).toBeUndefined();
		const [task] = server.created;
		expect(task.family).toBe('tryOn');
		expect(task.body).toEqual({
			model_name: 'kolors-virtual-try-on-v1-5',
			human_image: person.toString('base64'),
			cloth_image: garmentUrl,
			callback_url: 'https://example.com/hook',
			external_task_id: 'shirt-1',
		});
		expect(items).toHaveLength(1);
		expect(items[0].json).toMatchObject({ taskId: task.taskId, unitsDeducted: 4, model: 'kolors-virtual-try-on-v1-5', imagesReturned: 1 });
	});

	it('downloads the image as binary, the garment given as base64', async () => {
		const garment = promptPng('garment', 0).toString('base64');
		const { items, error } = await runKlingOfficial({
			server,
			items: await withPerson(),
			parameters: { operation: 'tryOn', humanImageBinaryField: 'person', clothImageSource: 'base64', clothImageBase64: garment, binaryPropertyOutput: 'dressed', options: fast },
		});
		expect(error).toBeUndefined();
		expect(server.created[0].body.cloth_image).toBe(garment);
		expect(server.created[0].body.model_name).toBe('kolors-virtual-try-on-v1');
		expect(await readBinaryOutput(items[0].binary!.dressed)).toEqual(server.imageBytesFor(items[0].json.url as string));
	});

	it.each([
		['a missing person image', { humanImageBinaryField: 'data' }, '"Person Image: Input Binary Field" is "data", but the input item has no binary field of that name (it has: person)'],
		['a garment that is not an image', { clothImageSource: 'base64', clothImageBase64: Buffer.from('plain text!!').toString('base64') }, '"Garment Image: Base64 Image" must be a JPG or PNG image'],
		['a garment URL that is not a URL', { clothImageUrl: 'shirt.png' }, '"Garment Image: Image URL" is not a valid URL'],
		['a callback URL that is not http', { callbackUrl: 'file:///etc/passwd' }, '"Callback URL" must start with http:// or https://'],
	])('refuses %s before sending', async (_case, parameters, message) => {
		const { error } = await runKlingOfficial({ server, items: await withPerson(), parameters: { operation: 'tryOn', output: 'url', ...personAndGarment, ...parameters } });
		expect(error?.message).toContain(message);
		expect(server.createAttempts).toBe(0);
	});

	it('a failed task fails its item, naming the task', async () => {
		const { error } = await runKlingOfficial({
			server,
			items: await withPerson(),
			parameters: { operation: 'tryOn', ...personAndGarment, clothImageUrl: 'https://example.com/fail.png', output: 'url', options: fast },
		});
		expect(error?.message).toBe(`Kling task ${server.created[0].taskId} failed: image generation failed: the request asked for a failure`);
	});

	it('the gateway credential refuses it by name', async () => {
		const { error } = await runKling({ server: { baseUrl: server.baseUrl } as never, items: await withPerson(), parameters: { operation: 'tryOn', ...personAndGarment } });
		expect(error?.message).toContain('"Virtual Try-On" needs the Official Kling AI API');
		expect(server.createAttempts).toBe(0);
	});
});
