import { KlingAiApi } from '../../../../../credentials/KlingAiApi.credentials';
import { KlingApi } from '../../../../../credentials/KlingApi.credentials';
import { Kling } from '../../../../../nodes/Kling/Kling.node';
import { loadOptionsContext, storeBinaryInput } from '../../../../support/engine';
import { promptJpeg, promptPng } from '../../../../support/fakeImages';
import { startFakeKlingOfficialServer } from '../../../../support/fakeKlingOfficialServer';
import type { FakeKlingOfficialServer } from '../../../../support/fakeKlingOfficialServer';
import { runKling, runKlingOfficial } from '../../kling.harness';

let server: FakeKlingOfficialServer;

// A fresh library for each test: elements outlive clear().
beforeEach(async () => {
	server = await startFakeKlingOfficialServer();
});
afterEach(async () => await server.close());

const frontal = promptJpeg('frontal', 0);
const side = 'https://example.com/side.png';
const withFrontal = async (count = 1) =>
	await Promise.all(Array.from({ length: count }, async () => ({ json: {}, binary: { face: await storeBinaryInput(frontal, 'face.jpg', 'image/jpeg') } })));
const createParameters = { resource: 'element', operation: 'create', elementName: 'Mia', frontalImageBinaryField: 'face', referenceImageUrls: side };
const ids = () => server.ownElements().map((element) => element.element_id);

/** Creates `count` elements through the node and returns their ids as the node output them. */
async function createElements(count: number): Promise<string[]> {
	const { items, error } = await runKlingOfficial({ server, items: await withFrontal(count), parameters: createParameters });
	expect(error).toBeUndefined();
	return items.map((item) => item.json.elementId as string);
}

describe('Element > Create', () => {
	it('sends name, description, the frontal image, the reference URLs and tags; outputs the long id exactly, as text', async () => {
		const { items, error } = await runKlingOfficial({
			server,
			items: await withFrontal(),
			parameters: {
				...createParameters,
				elementDescription: ' a girl in a red coat ',
				referenceImageUrls: `${side}\nhttps://example.com/back.png`,
				tags: ['o_102', 'o_105'],
			},
		});
		expect(error).toBeUndefined();
		const [call] = server.elementCalls;
		expect(call.body).toEqual({
			element_name: 'Mia',
			element_description: 'a girl in a red coat',
			element_frontal_image: frontal.toString('base64'),
			element_refer_list: [{ image_url: side }, { image_url: 'https://example.com/back.png' }],
			tag_list: [{ tag_id: 'o_102' }, { tag_id: 'o_105' }],
		});
		const [created] = server.ownElements();
		expect(BigInt(created.element_id) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
		expect(items).toHaveLength(1);
		expect(items[0].json).toMatchObject({
			elementId: created.element_id,
			name: 'Mia',
			description: 'a girl in a red coat',
			frontalImage: created.element_frontal_image,
			referenceImages: [side, 'https://example.com/back.png'],
			tags: [{ id: 'o_102', name: 'person' }, { id: 'o_105', name: 'clothing' }],
			ownedBy: 'user',
		});
	});

	it('two elements a float cannot tell apart keep their own ids', async () => {
		const made = await createElements(2);
		expect(made).toEqual(ids());
		expect(new Set(made).size).toBe(2);
		expect(Number(made[0])).toBe(Number(made[1]));
	});

	it.each([
		['an empty name', { elementName: ' ' }, '"Name" is empty'],
		['a name of 21 characters', { elementName: 'x'.repeat(21) }, '"Name" is 21 characters long; at most 20 are allowed'],
		['a description of 101 characters', { elementDescription: 'y'.repeat(101) }, '"Description" is 101 characters long; at most 100 are allowed'],
		['no reference URL', { referenceImageUrls: '={{ "" }}' }, '"More Reference Image URLs" holds 0 URLs; Kling wants 1 to 3'],
		['four reference URLs', { referenceImageUrls: [side, side, side, side].join('\n') }, '"More Reference Image URLs" holds 4 URLs'],
		['a reference that is not a URL', { referenceImageUrls: `${side}, side.png` }, '"More Reference Image URLs 2" is not a valid URL'],
		['an unknown tag', { tags: ['o_109'] }, '"Tags" must be among o_101'],
		['a frontal image that is not an image', { frontalImageSource: 'base64', frontalImageBase64: Buffer.from('plain text!!').toString('base64') }, '"Frontal Image: Base64 Image" must be a JPG or PNG image'],
		['a missing frontal binary', { frontalImageBinaryField: 'data' }, '"Frontal Image: Input Binary Field" is "data", but the input item has no binary field of that name'],
	])('refuses %s before sending, naming the field and the item', async (_case, parameters, message) => {
		const { error } = await runKlingOfficial({ server, items: await withFrontal(), parameters: { ...createParameters, ...parameters } });
		expect(error?.message).toContain(message);
		expect(error?.message).toContain('(item 0)');
		expect(server.elementCalls).toHaveLength(0);
	});

	it('a bad item fails alone under Continue On Fail; the others are created', async () => {
		const items = await withFrontal(2);
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
		expect(server.elementCalls).toHaveLength(1);
	});

	it('is not sent again after an unclear failure (no second element)', async () => {
		server.enqueue({ afterProcessing: { status: 504 } });
		const { error } = await runKlingOfficial({ server, items: await withFrontal(), parameters: createParameters });
		expect(error?.message).toMatch(/504/);
		expect(server.elementCalls).toHaveLength(1);
		expect(server.ownElements()).toHaveLength(1);
	});

	it('the gateway credential refuses it by name', async () => {
		const { error } = await runKling({ server: { baseUrl: server.baseUrl } as never, items: await withFrontal(), parameters: createParameters });
		expect(error?.message).toContain('"Create Element" needs the Official Kling AI API');
		expect(server.httpRequests).toBeGreaterThanOrEqual(0);
		expect(server.elementCalls).toHaveLength(0);
	});
});

describe('Element > List', () => {
	it('lists own elements newest first with their exact ids, a page by Limit', async () => {
		const made = await createElements(3);
		server.clear();
		const { items, error } = await runKlingOfficial({ server, parameters: { resource: 'element', operation: 'list', limit: 2 } });
		expect(error).toBeUndefined();
		expect(items.map((item) => item.json.elementId)).toEqual([made[2], made[1]]);
		expect(server.elementCalls.map((call) => call.query)).toEqual([{ pageNum: '1', pageSize: '2' }]);
	});

	it('Return All reads pages until a short one', async () => {
		const { items, error } = await runKlingOfficial({ server, parameters: { resource: 'element', operation: 'list', elementList: 'presets', returnAll: true } });
		expect(error).toBeUndefined();
		expect(items.map((item) => item.json.elementId)).toEqual(server.presetElements.map((element) => element.element_id));
		expect(items[0].json.ownedBy).toBe('kling');
		expect(server.elementCalls.map((call) => `${call.path}?${new URLSearchParams(call.query).toString()}`)).toEqual([
			'/v1/general/presets-elements?pageNum=1&pageSize=500',
		]);
	});

	it('refuses a Limit out of range before sending', async () => {
		const { error } = await runKlingOfficial({ server, parameters: { resource: 'element', operation: 'list', limit: 501 } });
		expect(error?.message).toContain('"Limit" must be from 1 to 500, got 501 (item 0)');
		expect(server.elementCalls).toHaveLength(0);
	});
});

describe('Element > Delete', () => {
	it('deletes by the exact id given as text (picked or typed)', async () => {
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

	it("offers own elements then Kling's presets, ids exact, filtered by the search text", async () => {
		const made = await createElements(1);
		const all = await search();
		expect(all.results.map((result) => result.value)).toEqual([made[0], ...server.presetElements.map((element) => element.element_id)]);
		expect(all.results[1]).toEqual({ name: 'Red Panda (Kling preset)', value: server.presetElements[0].element_id, description: 'a small red panda mascot' });
		expect((await search('ASTRO')).results.map((result) => result.name)).toEqual(['Astronaut (Kling preset)']);
		expect((await search(made[0].slice(-6))).results.map((result) => result.value)).toEqual([made[0]]);
	});

	it('says so when the credential is refused, without the secret', async () => {
		await expect(search(undefined, { secretKey: 'wrong-secret-key-123' })).rejects.toThrow(/Kling did not list your elements \(HTTP 401, code 1000\)/);
		await expect(search(undefined, { secretKey: 'wrong-secret-key-123' })).rejects.not.toThrow(/wrong-secret-key-123/);
	});
});
