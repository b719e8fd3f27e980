import { readBinaryOutput, storeBinaryInput } from '../../../../support/engine';
import { promptPng } from '../../../../support/fakeImages';
import { startFakeKlingOfficialServer } from '../../../../support/fakeKlingOfficialServer';
import type { FakeKlingOfficialServer } from '../../../../support/fakeKlingOfficialServer';
import { runKling, runKlingOfficial } from '../../kling.harness';

let server: FakeKlingOfficialServer;

beforeAll(async () => {
	server = await startFakeKlingOfficialServer({ extraSegmentTypes: ['hand_seg'], maxConcurrentTasks: 1 });
});
afterEach(() => server.clear());
afterAll(async () => await server.close());

const photo = promptPng('photo', 0);
const withPhoto = async () => [{ json: {}, binary: { photo: await storeBinaryInput(photo, 'photo.png', 'image/png') } }];
const byUrl = (url: string) => ({ operation: 'recognize', inputImageSource: 'url', inputImageUrl: url, output: 'url' });

describe('Image > Recognize', () => {
	it('sends the binary image once and downloads each segment found; one item per kind, unknown kinds passed on', async () => {
		const { items, error } = await runKlingOfficial({
			server,
			items: await withPhoto(),
			parameters: { operation: 'recognize', inputImageBinaryField: 'photo', binaryPropertyOutput: 'segment' },
		});
		expect(error).toBeUndefined();
		expect(server.recognizeCalls).toEqual([{ image: photo.toString('base64') }]);
		expect(items.map((item) => [item.json.kind, item.json.type, item.json.isContain])).toEqual([
			['object', 'object_seg', true],
			['head', 'head_seg', true],
			['face', 'face_seg', true],
			['cloth', 'cloth_seg', false],
			['hand_seg', 'hand_seg', true],
		]);
		expect(items.every((item) => item.json.unitsDeducted === 0.2 && (item.pairedItem as { item: number }).item === 0)).toBe(true);
		expect(items.every((item) => JSON.stringify(item.json.balanceDeduction) === JSON.stringify({ quota: 0.2, listPrice: 0.03 }))).toBe(true);
		for (const item of items.filter((entry) => entry.json.isContain)) {
			expect(await readBinaryOutput(item.binary!.segment)).toEqual(server.imageBytesFor(item.json.url as string));
		}
		// Nothing found: no URL, no download.
		expect(items[3].json.url).toBeNull();
		expect(items[3].binary).toBeUndefined();
		expect(server.createAttempts).toBe(0);
	});

	it('reads what the image holds: a URL input without a face, URLs only', async () => {
		const { items, error } = await runKlingOfficial({ server, parameters: byUrl('https://example.com/noface.png') });
		expect(error).toBeUndefined();
		expect(server.recognizeCalls).toEqual([{ image: 'https://example.com/noface.png' }]);
		expect(items.map((item) => `${item.json.kind}:${item.json.isContain}`)).toEqual(['object:true', 'head:false', 'face:false', 'cloth:true', 'hand_seg:true']);
		expect(items[0].json.url).toMatch(new RegExp(`^${server.baseUrl}/images/recognize-`));
		expect(items.some((item) => item.binary)).toBe(false);
	});

	it('is one call, not a task: nothing created, no task slot taken', async () => {
		const { error } = await runKlingOfficial({ server, items: [{ json: {} }, { json: {} }, { json: {} }], parameters: byUrl('https://example.com/a.png') });
		expect(error).toBeUndefined();
		expect(server.recognizeCalls).toHaveLength(3);
		expect(server.peakSlots).toBe(0);
		expect(server.createAttempts).toBe(0);
	});

	it.each([
		['a URL that is not a URL', byUrl('photo.png'), '"Image: Image URL" is not a valid URL'],
		['base64 that is not an image', { operation: 'recognize', inputImageSource: 'base64', inputImageBase64: Buffer.from('plain text!!').toString('base64') }, '"Image: Base64 Image" must be a JPG or PNG image'],
		['a missing binary field', { operation: 'recognize', inputImageBinaryField: 'data' }, '"Image: Input Binary Field" is "data", but the input item has no binary field of that name'],
		['an empty output field', { operation: 'recognize', inputImageBinaryField: 'photo', binaryPropertyOutput: ' ' }, '"Put Output in Field" is empty'],
	])('refuses %s before sending', async (_case, parameters, message) => {
		const { error } = await runKlingOfficial({ server, items: await withPhoto(), parameters });
		expect(error?.message).toContain(message);
		expect(error?.message).toContain('(item 0)');
		expect(server.recognizeCalls).toHaveLength(0);
	});

	it('is never sent again after an unclear failure, and says why', async () => {
		server.enqueue({ afterProcessing: { status: 504 } });
		const { error } = await runKlingOfficial({ server, parameters: byUrl('https://example.com/a.png') });
		expect(error?.message).toContain('It was not sent again: the API may have recognized (and billed) the image');
		expect(server.recognizeCalls).toHaveLength(1);
	});

	it('is sent again after a throttle (nothing was done)', async () => {
		server.enqueue({ status: 429, body: { code: 1302, message: 'too fast' }, headers: { 'Retry-After': '0' } });
		const before = server.httpRequests;
		const { error } = await runKlingOfficial({ server, parameters: { ...byUrl('https://example.com/a.png'), options: { maxRetries: 2 } } });
		expect(error).toBeUndefined();
		expect(server.recognizeCalls).toHaveLength(1); // the throttled request never reached the handler
		expect(server.httpRequests - before).toBe(2);
	});

	it('an answer without task_result.images fails loudly, naming the endpoint', async () => {
		server.enqueue({ status: 200, body: { code: 0, message: 'SUCCEED', data: { final_unit_deduction: '0.2', task_result: {} } } });
		const { error } = await runKlingOfficial({ server, parameters: byUrl('https://example.com/a.png') });
		expect(error?.message).toContain('The answer of /v1/videos/image-recognize has no task_result.images list');
	});

	it('a bad item fails alone under Continue On Fail', async () => {
		const { items, error } = await runKlingOfficial({
			server,
			continueOnFail: true,
			items: [{ json: { url: 'https://example.com/a.png' } }, { json: { url: 'nope' } }],
			parameters: { ...byUrl('={{ $json.url }}') },
		});
		expect(error).toBeUndefined();
		expect(items.filter((item) => item.json.error === undefined)).toHaveLength(5);
		expect(items.at(-1)?.json.error).toContain('"Image: Image URL" is not a valid URL');
		expect(server.recognizeCalls).toHaveLength(1);
	});

	it('the gateway credential refuses it by name', async () => {
		const { error } = await runKling({ server: { baseUrl: server.baseUrl } as never, parameters: byUrl('https://example.com/a.png') });
		expect(error?.message).toContain('"Recognize" needs the Official Kling AI API');
		expect(server.recognizeCalls).toHaveLength(0);
	});
});
