import { KlingAiApi } from '../../../../../credentials/KlingAiApi.credentials';
import { KlingApi } from '../../../../../credentials/KlingApi.credentials';
import { Kling } from '../../../../../nodes/Kling/Kling.node';
import { loadOptionsContext, storeBinaryInput } from '../../../../support/engine';
import { promptJpeg, promptPng } from '../../../../support/fakeImages';
import { startFakeKlingOfficialServer } from '../../../../support/fakeKlingOfficialServer';
import type { FakeKlingOfficialOptions, FakeKlingOfficialServer } from '../../../../support/fakeKlingOfficialServer';
import { runKling, runKlingOfficial } from '../../kling.harness';

let server: FakeKlingOfficialServer;

const API_KEY = 'element-test-key';
const start = async (options: FakeKlingOfficialOptions = {}) => {
	server = await startFakeKlingOfficialServer({ taskDurationMs: 200, apiKey: API_KEY, ...options });
};

// A fresh library for each test: elements outlive clear().
beforeEach(async () => await start());
afterEach(async () => await server.close());

const fast = { pollInterval: 0.1 };
const frontal = promptJpeg('frontal', 0);
const side = promptPng('side', 1);
const back = promptPng('back', 2);
const SIDE_URL = 'https://example.com/side.png';

/** Items with the frontal picture in `face` and two more views in `side` and `back`. */
const withPictures = async (count = 1) =>
	await Promise.all(
		Array.from({ length: count }, async () => ({
			json: {},
			binary: {
				face: await storeBinaryInput(frontal, 'face.jpg', 'image/jpeg'),
				side: await storeBinaryInput(side, 'side.png', 'image/png'),
				back: await storeBinaryInput(back, 'back.png', 'image/png'),
			},
		})),
	);
const binaryReferences = { image: [{ source: 'binary', binaryPropertyName: 'side, back' }] };
const createParameters = {
	resource: 'element',
	operation: 'create',
	elementName: 'Mia',
	frontalImageBinaryField: 'face',
	elementReferenceImages: binaryReferences,
	options: fast,
};
const ids = () => server.ownElements().map((element) => element.element_id);
const elementTasks = () => server.created.filter((task) => task.family === 'element');

/** Creates `count` elements through the node and returns their ids as the node output them. */
async function createElements(count: number): Promise<string[]> {
	const { items, error } = await runKlingOfficial({ server, items: await withPictures(count), parameters: createParameters });
	expect(error).toBeUndefined();
	return items.map((item) => item.json.elementId as string);
}

describe('Element > Create (an element task)', () => {
	it('creates one task with the pictures from binary fields, URL and base64; waits and outputs the element, its long id exact, as text', async () => {
		const { items, error } = await runKlingOfficial({
			server,
			items: await withPictures(),
			parameters: {
				...createParameters,
				elementDescription: ' a girl in a red coat ',
				elementReferenceImages: {
					image: [
						{ source: 'binary', binaryPropertyName: 'side' },
						{ source: 'url', imageUrl: SIDE_URL },
						{ source: 'base64', imageBase64: `data:image/png;base64,${back.toString('base64')}` },
					],
				},
				tags: ['o_102', 'o_105'],
			},
		});
		expect(error).toBeUndefined();
		const [task] = elementTasks();
		expect(server.created).toHaveLength(1);
		expect(task.body).toEqual({
			element_name: 'Mia',
			element_description: 'a girl in a red coat',
			reference_type: 'image_refer',
			element_image_list: {
				frontal_image: frontal.toString('base64'),
				refer_images: [{ image_url: side.toString('base64') }, { image_url: SIDE_URL }, { image_url: back.toString('base64') }],
			},
			tag_list: [{ tag_id: 'o_102' }, { tag_id: 'o_105' }],
			external_task_id: expect.stringMatching(/^n8n-kling-/),
		});
		const [created] = server.ownElements();
		expect(BigInt(created.element_id) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
		expect(items).toHaveLength(1);
		expect(items[0].json).toEqual({
			elementId: created.element_id,
			name: 'Mia',
			description: 'a girl in a red coat',
			frontalImage: created.element_image_list.frontal_image,
			referenceImages: created.element_image_list.refer_images.map((refer) => refer.image_url),
			tags: [
				{ id: 'o_102', name: 'character', description: 'None' },
				{ id: 'o_105', name: 'costume', description: 'None' },
			],
			ownedBy: String(created.owned_by),
			elementType: 'image_refer',
			status: 'succeed',
			taskId: task.taskId,
			unitsDeducted: 3,
			balanceDeduction: { quota: 3, listPrice: 0.42 },
		});
		expect(items[0].pairedItem).toEqual({ item: 0 });
		expect(items[0].json.referenceImages).toContain(SIDE_URL);
	});

	it('two elements a float cannot tell apart keep their own ids', async () => {
		const made = await createElements(2);
		expect([...made].sort()).toEqual([...ids()].sort());
		expect(new Set(made).size).toBe(2);
		expect(Number(made[0])).toBe(Number(made[1]));
	});

	it('Wait for Completion off: outputs the task; Get Task and List Tasks read it under the Element task type', async () => {
		const started = await runKlingOfficial({ server, items: await withPictures(), parameters: { ...createParameters, waitForCompletion: false } });
		expect(started.error).toBeUndefined();
		const [task] = elementTasks();
		expect(started.items.map((item) => item.json)).toEqual([{ task_id: task.taskId, task_status: 'submitted' }]);
		await new Promise((resolve) => setTimeout(resolve, 300));
		const read = await runKlingOfficial({ server, parameters: { operation: 'getTask', taskType: 'element', taskId: task.taskId } });
		expect(read.error).toBeUndefined();
		const [raw] = read.items;
		expect(raw.json).toMatchObject({ task_id: task.taskId, task_status: 'succeed' });
		expect((raw.json.task_result as { elements: Array<{ element_id: unknown }> }).elements[0].element_id).toBe(ids()[0]);
		const listed = await runKlingOfficial({ server, parameters: { operation: 'listTasks', taskType: 'element' } });
		expect(listed.items.map((item) => item.json.task_id)).toEqual([task.taskId]);
		expect(server.misreads).toBe(0);
	});

	it('is created exactly once after an unclear failure: the task is looked up by its external id and adopted', async () => {
		server.enqueue({ afterProcessing: { status: 504 } });
		const { items, error } = await runKlingOfficial({ server, items: await withPictures(), parameters: createParameters });
		expect(error).toBeUndefined();
		expect(server.createAttemptsByFamily.element).toBe(1);
		expect(server.created).toHaveLength(1);
		expect(items.map((item) => item.json.elementId)).toEqual(ids());
	});

	it('a failed element task fails its item with Kling\'s words and the task id', async () => {
		const { error } = await runKlingOfficial({
			server,
			items: await withPictures(),
			parameters: { ...createParameters, elementReferenceImages: { image: [{ source: 'url', imageUrl: 'https://example.com/fail.png' }] } },
		});
		expect(error?.message).toContain('failed');
		expect(error?.message).toContain(elementTasks()[0].taskId);
		expect(server.ownElements()).toEqual([]);
	});

	it.each([
		['an empty name', { elementName: ' ' }, '"Name" is empty'],
		['a name of 21 characters', { elementName: 'x'.repeat(21) }, '"Name" is 21 characters long; at most 20 are allowed'],
		['a description of 101 characters', { elementDescription: 'y'.repeat(101) }, '"Description" is 101 characters long; at most 100 are allowed'],
		['no reference image', { elementReferenceImages: {} }, '"Reference Images" must be 1 to 3 images, got 0'],
		['four reference images', { elementReferenceImages: { image: [{ source: 'binary', binaryPropertyName: 'side, back, side, back' }] } }, '"Reference Images" must be 1 to 3 images, got 4'],
		['a reference that is not a URL', { elementReferenceImages: { image: [{ source: 'url', imageUrl: 'side.png' }] } }, '"Reference Image 1: Image URL"'],
		['a reference that is not an image', { elementReferenceImages: { image: [{ source: 'base64', imageBase64: Buffer.from('plain text!!').toString('base64') }] } }, '"Reference Image 1: Base64 Image" must be a JPG or PNG image'],
		['a missing reference binary', { elementReferenceImages: { image: [{ source: 'binary', binaryPropertyName: 'left' }] } }, '"Reference Image 1: Input Binary Field" is "left", but the input item has no binary field of that name'],
		['an unknown tag', { tags: ['o_109'] }, '"Tags" must be among o_101'],
		['a frontal image that is not an image', { frontalImageSource: 'base64', frontalImageBase64: Buffer.from('plain text!!').toString('base64') }, '"Frontal Image: Base64 Image" must be a JPG or PNG image'],
		['a missing frontal binary', { frontalImageBinaryField: 'data' }, '"Frontal Image: Input Binary Field" is "data", but the input item has no binary field of that name'],
		['a callback URL that is not one', { callbackUrl: 'nowhere' }, '"Callback URL"'],
	])('refuses %s before sending, naming the field and the item', async (_case, parameters, message) => {
		const { error } = await runKlingOfficial({ server, items: await withPictures(), parameters: { ...createParameters, ...parameters } });
		expect(error?.message).toContain(message);
		expect(error?.message).toContain('(item 0)');
		expect(server.httpRequests).toBe(0);
	});

	it('a bad item fails alone under Continue On Fail; the others are created', async () => {
		const items = await withPictures(2);
		items[1].json = { ...items[1].json, name: 'x'.repeat(30) };
		const { items: output, error } = await runKlingOfficial({
			server,
			items,
			continueOnFail: true,
			parameters: { ...createParameters, elementName: '={{ $json.name ?? "Mia" }}' },
		});
		expect(error).toBeUndefined();
		expect(output[0].json.elementId).toBe(ids()[0]);
		expect(output[1].json.error).toContain('"Name" is 30 characters long');
		expect(server.created).toHaveLength(1);
	});

	it('the gateway credential refuses it by name', async () => {
		const { error } = await runKling({ server: { baseUrl: server.baseUrl } as never, items: await withPictures(), parameters: createParameters });
		expect(error?.message).toContain('"Create Element" needs the Official Kling AI API');
		expect(server.created).toHaveLength(0);
	});
});

describe('Element > List', () => {
	it('lists own elements newest first with their exact ids, a page of tasks by Limit', async () => {
		const made = await createElements(3);
		const order = ids(); // creation order of the tasks
		server.clear();
		const { items, error } = await runKlingOfficial({ server, parameters: { resource: 'element', operation: 'list', limit: 2 } });
		expect(error).toBeUndefined();
		expect(items.map((item) => item.json.elementId)).toEqual([order[2], order[1]]);
		expect(items[0].json).toMatchObject({ library: 'own', elementType: 'image_refer', name: 'Mia' });
		expect(new Set(made)).toEqual(new Set(order));
		expect(server.listCalls).toBe(1);
		expect(server.elementCalls).toEqual([]);
	});

	it('Return All reads pages until a short one', async () => {
		await createElements(3);
		server.clear();
		const { items, error } = await runKlingOfficial({ server, parameters: { resource: 'element', operation: 'list', returnAll: true } });
		expect(error).toBeUndefined();
		expect(items.map((item) => item.json.elementId)).toEqual(ids().reverse());
		expect(server.listCalls).toBe(1);
	});

	it("Kling's presets: one element per preset task, Return All", async () => {
		const { items, error } = await runKlingOfficial({ server, parameters: { resource: 'element', operation: 'list', elementList: 'presets', returnAll: true } });
		expect(error).toBeUndefined();
		expect(items.map((item) => item.json.elementId)).toEqual(server.presetElements.map((element) => element.element_id));
		expect(items[0].json).toMatchObject({ library: 'presets', name: 'Pilot Cat', tags: [{ id: 'o_103', name: 'animal' }] });
		expect(server.elementCalls.map((call) => `${call.path}?${new URLSearchParams(call.query).toString()}`)).toEqual([
			'/v1/general/advanced-presets-elements?pageNum=1&pageSize=500',
		]);
	});

	it('a page of one preset at a time with Limit', async () => {
		const { items, error } = await runKlingOfficial({ server, parameters: { resource: 'element', operation: 'list', elementList: 'presets', limit: 1 } });
		expect(error).toBeUndefined();
		expect(items.map((item) => item.json.elementId)).toEqual([server.presetElements[0].element_id]);
	});

	it('refuses a Limit out of range before sending', async () => {
		const { error } = await runKlingOfficial({ server, parameters: { resource: 'element', operation: 'list', limit: 501 } });
		expect(error?.message).toContain('"Limit" must be from 1 to 500, got 501 (item 0)');
		expect(server.httpRequests).toBe(0);
	});
});

describe('Element > Delete', () => {
	it('deletes by the exact id given as text (picked or typed), sent as a bare integer', async () => {
		const made = await createElements(2);
		server.clear();
		const { items, error } = await runKlingOfficial({
			server,
			items: [{ json: {} }, { json: {} }],
			parameters: { resource: 'element', operation: 'delete', elementId: { __rl: true, mode: 'id', value: '={{ $itemIndex === 0 ? "' + made[1] + '" : "' + made[0] + '" }}' } },
		});
		expect(error).toBeUndefined();
		expect(items.map((item) => item.json)).toEqual([
			{ elementId: made[1], deleted: true },
			{ elementId: made[0], deleted: true },
		]);
		// The fake refuses a quoted id: these went bare, digit for digit.
		expect(server.elementCalls.map((call) => call.body)).toEqual([{ element_id: made[1] }, { element_id: made[0] }]);
		expect(server.ownElements()).toEqual([]);
	});

	it.each([
		['an id that is not digits', '={{ "abc" }}', '"Element" must be an element ID (digits only), got "abc"'],
		['an empty id', '={{ "" }}', '"Element" is empty'],
		['an id that went through a float', '={{ 860321453218791424123 }}', 'past what a JavaScript number holds exactly'],
	])('refuses %s before sending', async (_case, value, message) => {
		const { error } = await runKlingOfficial({ server, parameters: { resource: 'element', operation: 'delete', elementId: { __rl: true, mode: 'id', value } } });
		expect(error?.message).toContain(message);
		expect(server.elementCalls).toHaveLength(0);
	});

	it("Kling's refusal of a preset reaches the user", async () => {
		const preset = server.presetElements[0].element_id;
		const { error } = await runKlingOfficial({ server, parameters: { resource: 'element', operation: 'delete', elementId: { __rl: true, mode: 'list', value: preset } } });
		expect(error?.message).toContain('cannot be deleted');
		expect(server.elementCalls).toHaveLength(1);
	});
});

describe('an element made here, used by Omni-Image', () => {
	it('goes into element_list as a bare integer above 2^53, digit for digit', async () => {
		const [made] = await createElements(1);
		expect(String(Number(made))).not.toBe(made);
		const { error } = await runKlingOfficial({
			server,
			parameters: { operation: 'omniImage', prompt: 'Mia on a beach', elements: { element: [{ id: { __rl: true, mode: 'list', value: made } }] }, output: 'url', options: fast },
		});
		expect(error).toBeUndefined();
		expect(server.created.filter((task) => task.family === 'omniImage').map((task) => task.body.element_list)).toEqual([[{ element_id: made }]]);
	});
});

describe('the Elements picker (searchElements)', () => {
	async function search(filter?: string, credentials: Record<string, string> = {}) {
		const node = new Kling();
		const ctx = await loadOptionsContext(
			{
				nodeType: node,
				credentialTypes: [new KlingApi(), new KlingAiApi()],
				credentials: { klingAiApi: { accessKey: server.accessKey, secretKey: server.secretKey, region: 'custom', baseUrl: server.baseUrl, ...credentials } },
				parameters: { authentication: 'klingAiApi', resource: 'element', operation: 'delete' },
			},
			'parameters.elementId',
		);
		return await node.methods.listSearch.searchElements.call(ctx, filter);
	}

	/** An element made on the older API, as someone did before the current one. */
	async function createOlderElement(name: string): Promise<void> {
		const response = await fetch(`${server.baseUrl}/v1/general/custom-elements`, {
			method: 'POST',
			headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' },
			body: JSON.stringify({ element_name: name, element_frontal_image: SIDE_URL, element_refer_list: [{ image_url: SIDE_URL }] }),
		});
		expect(response.status).toBe(200);
	}

	it("offers own elements, Kling's presets, then older elements marked, ids exact, filtered by the search text", async () => {
		const [made] = await createElements(1);
		await createOlderElement('Old Mia');
		const [older] = server.olderElements();
		const all = await search();
		expect(all.results.map((result) => result.value)).toEqual([made, ...server.presetElements.map((element) => element.element_id), older.element_id]);
		expect(all.results[0]).toEqual({ name: 'Mia', value: made });
		expect(all.results[1]).toEqual({ name: 'Pilot Cat (Kling preset)', value: server.presetElements[0].element_id, description: 'a cat in a leather flying helmet' });
		expect(all.results.at(-1)).toEqual({ name: 'Old Mia (older element API)', value: older.element_id });
		expect((await search('KNIGHT')).results.map((result) => result.name)).toEqual(['Knight (Kling preset)']);
		expect((await search(made.slice(-6))).results.map((result) => result.value)).toEqual([made]);
	});

	it('still lists the current elements when the older element API is gone', async () => {
		await server.close();
		await start({ olderElementApi: false });
		const all = await search();
		expect(all.results.map((result) => result.value)).toEqual(server.presetElements.map((element) => element.element_id));
	});

	it('says so when the credential is refused, without the secret', async () => {
		await expect(search(undefined, { secretKey: 'wrong-secret-key-123' })).rejects.toThrow(/Kling did not list (your elements|Kling's preset elements) \(HTTP 401, code 1000\)/);
		await expect(search(undefined, { secretKey: 'wrong-secret-key-123' })).rejects.not.toThrow(/wrong-secret-key-123/);
	});
});
