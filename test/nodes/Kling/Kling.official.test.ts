import { NodeHelpers } from 'n8n-workflow';
import type { INodeParameters, INodePropertyOptions } from 'n8n-workflow';

import { Kling } from '../../../nodes/Kling/Kling.node';
import { readBinaryOutput } from '../../support/engine';
import { startFakeKlingOfficialServer } from '../../support/fakeKlingOfficialServer';
import type { FakeKlingOfficialServer } from '../../support/fakeKlingOfficialServer';
import { promptPng } from '../../support/fakeImages';
import { prompts, runKling, runKlingOfficial } from './kling.harness';

let server: FakeKlingOfficialServer;

beforeAll(async () => {
	server = await startFakeKlingOfficialServer({ apiKey: 'plain-official-key-123', taskDurationMs: 300 });
});
afterEach(() => server.clear());
afterAll(async () => await server.close());

/** Quick polling, so tests of 300 ms tasks stay quick. */
const fast = { pollInterval: 0.1 };

describe('official API: generate', () => {
	it('signs each request with a fresh HS256 token: iss, exp = now + 1800, nbf = now - 5', async () => {
		const before = Math.floor(Date.now() / 1000);
		const { error } = await runKlingOfficial({ server, parameters: { prompt: 'a crane', output: 'url', options: fast } });
		const after = Math.floor(Date.now() / 1000);
		expect(error).toBeUndefined();
		expect(server.tokens.length).toBeGreaterThanOrEqual(2);
		for (const claims of server.tokens) {
			expect(claims.iss).toBe(server.accessKey);
			expect(claims.exp).toBeGreaterThanOrEqual(before + 1800);
			expect(claims.exp).toBeLessThanOrEqual(after + 1800);
			expect((claims.exp as number) - (claims.nbf as number)).toBe(1805);
		}
	});

	it('sends the official names, waits for the task and returns its images with the task id', async () => {
		const reference = promptPng('reference', 0).toString('base64');
		const { items, error } = await runKlingOfficial({
			server,
			parameters: {
				modelName: 'kling-v2-1',
				prompt: 'a portrait in this style',
				imageSource: 'base64',
				imageBase64: reference,
				imageFidelity: 0.7,
				imageReference: 'subject',
				humanFidelity: 0.6,
				resolution: '2k',
				n: 2,
				aspectRatio: '3:4',
				watermark: true,
				callbackUrl: 'https://example.com/hook',
				externalTaskId: 'order-42',
				output: 'url',
				options: fast,
			},
		});
		expect(error).toBeUndefined();
		expect(server.created[0].body).toEqual({
			model_name: 'kling-v2-1',
			prompt: 'a portrait in this style',
			image: reference,
			image_reference: 'subject',
			image_fidelity: 0.7,
			human_fidelity: 0.6,
			resolution: '2k',
			n: 2,
			aspect_ratio: '3:4',
			callback_url: 'https://example.com/hook',
			external_task_id: 'order-42',
			watermark_info: { enabled: true },
		});
		const taskId = server.created[0].taskId;
		expect(items.map((item) => [item.json.taskId, item.json.index, item.pairedItem])).toEqual([
			[taskId, 0, { item: 0 }],
			[taskId, 1, { item: 0 }],
		]);
		expect(server.statusPolls.get(taskId)).toBeGreaterThanOrEqual(1);
	});

	it('downloads the images as binary', async () => {
		const { items, error } = await runKlingOfficial({ server, parameters: { prompt: 'a heron', options: fast } });
		expect(error).toBeUndefined();
		const binary = items[0].binary!.data;
		expect(binary.mimeType).toBe('image/png');
		expect(await readBinaryOutput(binary)).toEqual(server.imageBytesFor(items[0].json.url as string));
	});

	it('returns the task at once when not waiting for completion', async () => {
		const { items } = await runKlingOfficial({ server, parameters: { prompt: 'later', waitForCompletion: false } });
		expect(items).toEqual([{ json: { task_id: server.created[0].taskId, task_status: 'submitted' }, pairedItem: { item: 0 } }]);
		expect(server.statusPolls.size).toBe(0);
	});

	it('accepts a plain API key instead of signing', async () => {
		const { error } = await runKlingOfficial({
			server,
			credentials: { accessKey: '', secretKey: '', apiKey: 'plain-official-key-123' },
			parameters: { prompt: 'plain', output: 'url', options: fast },
		});
		expect(error).toBeUndefined();
		expect(server.tokens).toEqual([]);
	});

	it('refuses a negative prompt with a reference image before sending', async () => {
		const { error } = await runKlingOfficial({
			server,
			parameters: { prompt: 'x', negativePrompt: 'blur', imageSource: 'url', imageUrl: 'https://example.com/a.png' },
		});
		expect(error?.message).toBe('"Negative Prompt" cannot be used together with a reference image on the official Kling API (item 0)');
		expect(server.createAttempts).toBe(0);
	});

	it.each([
		['a callback URL that is an object', { callbackUrl: '={{ $json.hook }}' }, { hook: { url: 'https://example.com/hook' } }, '"Callback URL" must be text, but the value is an object'],
		['an external task id that is a list', { externalTaskId: '={{ $json.ids }}' }, { ids: ['a', 'b'] }, '"External Task ID" must be text, but the value is a list'],
		['a model that is an object', { modelName: '={{ $json.model ?? "kling-v2" }}' }, { model: { name: 'kling-v2' } }, '"Model" must be text, but the value is an object'],
		['additional fields with a file:// callback', { options: { additionalFields: '={{ $json.extra }}' } }, { extra: '{"callback_url": "file:///etc/passwd"}' }, `"Additional Body Fields" may not set callback_url: use the node's "Callback URL" instead`],
		['additional fields with n = 50', { options: { additionalFields: '={{ $json.extra }}' } }, { extra: '{"n": 50}' }, `"Additional Body Fields" may not set n`],
	])('refuses %s before creating a task', async (_case, parameters, json, message) => {
		const { error } = await runKlingOfficial({ server, items: [{ json: { prompt: 'ok' } }, { json: { prompt: 'ok', ...json } }], parameters: { prompt: '={{ $json.prompt }}', output: 'url', ...parameters } });
		expect(error?.message).toContain(message);
		expect(error?.message).toContain('(item 1)');
		expect(server.createAttempts).toBe(0);
	});

	it('many items poll concurrently, with few status checks each', async () => {
		const names = Array.from({ length: 12 }, (_, i) => `bird ${i}`);
		const { items, error } = await runKlingOfficial({
			server,
			items: prompts(...names),
			parameters: { prompt: '={{ $json.prompt }}', output: 'url', options: { pollInterval: 0.2, concurrency: 6 } },
		});
		expect(error).toBeUndefined();
		expect(items.map((item) => item.json.prompt)).toEqual(names);
		const polls = [...server.statusPolls.values()];
		expect(polls).toHaveLength(12);
		expect(Math.max(...polls)).toBeLessThanOrEqual(4);
	});
});

describe('official API: models', () => {
	it('a Generate node with no model set sends kling-v3', async () => {
		const { items, error } = await runKlingOfficial({ server, parameters: { prompt: 'a kite', output: 'url', options: fast } });
		expect(error).toBeUndefined();
		expect(server.created[0].body.model_name).toBe('kling-v3');
		expect(items[0].json.model).toBe('kling-v3');
	});

	it('the Model list puts the current models first and marks the older ones, still selectable', () => {
		const model = new Kling().description.properties.find((property) => property.name === 'modelName');
		expect(model?.default).toBe('kling-v3');
		expect((model?.options as INodePropertyOptions[]).map((option) => [option.name, option.value])).toEqual([
			['kling-v3', 'kling-v3'],
			['kling-v2-1', 'kling-v2-1'],
			['kling-v2-new (older)', 'kling-v2-new'],
			['kling-v2 (older)', 'kling-v2'],
			['kling-v1-5 (older)', 'kling-v1-5'],
			['kling-v1 (older)', 'kling-v1'],
		]);
		expect((model?.options as INodePropertyOptions[])[5].description).toBe("Kling's current docs no longer name it; some accounts may keep it");
	});

	it.each<[string, INodeParameters, string[]]>([
		['kling-v3 (the default)', { authentication: 'klingAiApi' }, []],
		['kling-v2-1', { authentication: 'klingAiApi', modelName: 'kling-v2-1' }, ['Image Fidelity', 'Image Reference']],
		['the gateway', { authentication: 'klingApi' }, ['Image Fidelity']],
	])('with a reference image, %s shows the fidelity settings it takes', (_case, selection, expected) => {
		const { description } = new Kling();
		const node = { typeVersion: 1 };
		const chosen = { resource: 'image', operation: 'generate', imageSource: 'url', ...selection };
		const values = NodeHelpers.getNodeParameters(description.properties, chosen, true, false, node, description)!;
		const names = ['imageFidelity', 'imageReference', 'humanFidelity'];
		const shown = description.properties.filter((property) => names.includes(property.name) && NodeHelpers.displayParameter(values, property, node, description));
		expect(shown.map((property) => property.displayName)).toEqual(expected);
	});

	it.each(['kling-v1', 'kling-v1-5', 'kling-v2', 'kling-v2-new'])(
		'a discontinued model (%s) gives an error naming it and the current ones; it is sent once, never again',
		async (model) => {
			const { error } = await runKlingOfficial({
				server,
				parameters: { modelName: model, prompt: 'x', output: 'url', options: { ...fast, maxRetries: 4 } },
			});
			expect(error?.message).toBe(
				`Kling no longer offers model "${model}" (Kling's words: The model '${model}' has been discontinued): choose kling-v3 or kling-v2-1 in Model`,
			);
			expect(server.createAttempts).toBe(1);
			expect(server.created).toHaveLength(0);
		},
	);

	it('kling-v3 with a reference image leaves the untouched Image Fidelity out', async () => {
		const { error } = await runKlingOfficial({
			server,
			parameters: { prompt: 'x', imageSource: 'url', imageUrl: 'https://example.com/a.png', output: 'url', options: fast },
		});
		expect(error).toBeUndefined();
		expect(server.created[0].body).toMatchObject({ model_name: 'kling-v3', image: 'https://example.com/a.png' });
		expect(server.created[0].body).not.toHaveProperty('image_fidelity');
	});

	it.each([
		['an image reference', { imageReference: 'face' }, '"Image Reference" applies to kling-v2-1 only; kling-v3 does not take it (item 0)'],
		['a changed image fidelity', { imageFidelity: 0.8 }, '"Image Fidelity" applies to kling-v2-1 only; kling-v3 does not take it (item 0)'],
	])('kling-v3 (named by expression) with %s is refused before sending', async (_case, extra, message) => {
		const { error } = await runKlingOfficial({
			server,
			parameters: { modelName: '={{ "kling-v3" }}', prompt: 'x', imageSource: 'url', imageUrl: 'https://example.com/a.png', ...extra },
		});
		expect(error?.message).toBe(message);
		expect(server.createAttempts).toBe(0);
	});
});

describe('official API: failures', () => {
	it('a failed task gives its task_status_msg; Continue On Fail keeps the others', async () => {
		const { items, error } = await runKlingOfficial({
			server,
			continueOnFail: true,
			items: prompts('fine', 'this will fail', 'also fine'),
			parameters: { prompt: '={{ $json.prompt }}', output: 'url', options: fast },
		});
		expect(error).toBeUndefined();
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(items[1].json.error).toMatch(/^Kling task \S+ failed: image generation failed/);
	});

	it('1303 (too many tasks) is retried until a slot frees up', async () => {
		const capped = await startFakeKlingOfficialServer({ maxConcurrentTasks: 1, taskDurationMs: 300 });
		try {
			const { items, error } = await runKlingOfficial({
				server: capped,
				items: prompts('one', 'two'),
				parameters: { prompt: '={{ $json.prompt }}', output: 'url', options: { ...fast, concurrency: 2 } },
			});
			expect(error).toBeUndefined();
			expect(items).toHaveLength(2);
			expect(capped.createAttempts).toBeGreaterThan(2);
			expect(capped.peakSlots).toBe(1);
		} finally {
			await capped.close();
		}
	});

	it('more parallel items than the account allows: tasks hold their slots, so none fails', async () => {
		const capped = await startFakeKlingOfficialServer({ maxConcurrentTasks: 2, taskDurationMs: 300 });
		try {
			const names = Array.from({ length: 8 }, (_, i) => `bird ${i}`);
			const { items, error } = await runKlingOfficial({
				server: capped,
				items: prompts(...names),
				continueOnFail: true,
				parameters: { prompt: '={{ $json.prompt }}', output: 'url', options: { ...fast, concurrency: 6 } },
			});
			expect(error).toBeUndefined();
			expect(items.map((item) => item.json.prompt)).toEqual(names);
			expect(capped.peakSlots).toBe(2);
			expect(capped.createAttempts).toBeLessThan(names.length * 2);
		} finally {
			await capped.close();
		}
	});

	it.each([
		[1102, 429, "The Kling account is out of credit or its resource pack is used up (code 1102): resource pack exhausted. Top up the account or buy a resource pack in Kling's console (Account → Get Costs shows what is left)"],
		[1301, 400, 'Kling refused the content: the prompt or image failed its safety check (code 1301): resource pack exhausted. Change the prompt or the image, then run again'],
		[1103, 403, 'The Kling account has no permission for this model or endpoint (code 1103): resource pack exhausted. Choose another model, or ask Kling to enable this one for the account'],
	])('code %i is explained and not retried', async (code, status, message) => {
		server.enqueue({ status, body: { code, message: 'resource pack exhausted' } });
		const { error } = await runKlingOfficial({ server, parameters: { prompt: 'x', output: 'url' } });
		expect(error?.message).toBe(message);
		expect(server.createAttempts).toBe(1);
	});

	it('the content check of the API names the refusal', async () => {
		const { error } = await runKlingOfficial({ server, parameters: { prompt: 'something forbidden', output: 'url' } });
		expect(error?.message).toContain('Kling refused the content');
	});

	it('a wrong secret key is refused and never shown', async () => {
		const { error, run } = await runKlingOfficial({
			server,
			credentials: { secretKey: 'wrong-secret-987654' },
			parameters: { prompt: 'x', output: 'url' },
		});
		expect(error?.message).toContain('Kling refused the credentials');
		expect(JSON.stringify(run)).not.toContain('wrong-secret-987654');
	});
});

describe('official API: the two ways to sign in', () => {
	it('the Authentication choice names both', () => {
		const authentication = new Kling().description.properties.find((property) => property.name === 'authentication');
		const official = (authentication?.options as INodePropertyOptions[]).find((option) => option.value === 'klingAiApi');
		expect(official?.description).toBe("Kling AI's own API: API key, or access key + secret key");
	});

	const apiKeyCredential = { signInWith: 'apiKey', accessKey: '', secretKey: '', apiKey: 'plain-official-key-123' };

	it('a credential that signs in with an API key sends it as Bearer and signs nothing', async () => {
		const { items, error } = await runKlingOfficial({ server, credentials: apiKeyCredential, parameters: { prompt: 'keyed', output: 'url', options: fast } });
		expect(error).toBeUndefined();
		expect(items[0].json.url).toEqual(expect.stringContaining('/images/'));
		expect(server.tokens).toEqual([]);
		expect(server.created[0].headers.authorization).toBe('Bearer plain-official-key-123');
	});

	it("a wrong API key is refused with Kling's 401 and never shown", async () => {
		const { error, run } = await runKlingOfficial({
			server,
			credentials: { ...apiKeyCredential, apiKey: 'wrong-api-key-55555' },
			parameters: { prompt: 'x', output: 'url' },
		});
		expect(error?.message).toContain('Kling refused the credentials');
		expect(JSON.stringify(run)).not.toContain('wrong-api-key-55555');
		expect(server.createAttempts).toBe(1);
	});

	it('an API-key credential without a key fails before anything is sent, saying what to enter', async () => {
		const requestsBefore = server.httpRequests;
		const { error } = await runKlingOfficial({ server, credentials: { ...apiKeyCredential, apiKey: '' }, parameters: { prompt: 'x' } });
		expect(error?.message).toBe(
			'The Kling AI (Official) API credential has no API key: enter the API key from the Kling AI console, or choose "Access Key + Secret Key" under "Sign In With"',
		);
		expect(server.httpRequests).toBe(requestsBefore);
	});

	it('Access Key + Secret Key signs tokens even with an API key left in the credential', async () => {
		const { error } = await runKlingOfficial({
			server,
			credentials: { signInWith: 'accessKey', apiKey: 'plain-official-key-123' },
			parameters: { prompt: 'signed', output: 'url', options: fast },
		});
		expect(error).toBeUndefined();
		expect(server.tokens.length).toBeGreaterThanOrEqual(2);
		expect(server.created[0].headers.authorization).toMatch(/^Bearer eyJ/);
	});

	it('a credential saved before the choice existed (access key, secret key, region, base URL) signs as before', async () => {
		// The harness's default credential has exactly the old fields: no signInWith.
		const { error } = await runKlingOfficial({ server, credentials: { apiKey: '' }, parameters: { prompt: 'old', output: 'url', options: fast } });
		expect(error).toBeUndefined();
		expect(server.tokens[0]).toMatchObject({ iss: server.accessKey });
	});
});

describe('official API: Get Task and List Tasks', () => {
	async function finishedTask(externalTaskId?: string) {
		const { items } = await runKlingOfficial({
			server,
			parameters: { prompt: 'kept', n: 2, output: 'url', externalTaskId, options: fast },
		});
		return items[0].json.taskId as string;
	}

	it('reads a task by id, or by external task id, as the API describes it', async () => {
		const taskId = await finishedTask('ext-7');
		for (const id of [taskId, 'ext-7']) {
			const { items, error } = await runKlingOfficial({ server, parameters: { operation: 'getTask', taskId: id } });
			expect(error).toBeUndefined();
			expect(items[0].json).toMatchObject({ task_id: taskId, task_status: 'succeed' });
		}
	});

	it('downloads the images of a task', async () => {
		const taskId = await finishedTask();
		const { items } = await runKlingOfficial({ server, parameters: { operation: 'getTask', taskId, taskOutput: 'binary' } });
		expect(items).toHaveLength(2);
		expect(items.map((item) => item.json.taskId)).toEqual([taskId, taskId]);
		expect(await readBinaryOutput(items[1].binary!.data)).toEqual(server.imageBytesFor(items[1].json.url as string));
	});

	it('lists a page, or every page with Return All', async () => {
		for (let i = 0; i < 5; i++) await runKlingOfficial({ server, parameters: { prompt: `t${i}`, waitForCompletion: false } });
		const page = await runKlingOfficial({ server, parameters: { operation: 'listTasks', pageNum: 2, pageSize: 2 } });
		expect(page.items).toHaveLength(2);
		server.clear();
		const all = await runKlingOfficial({ server, parameters: { operation: 'listTasks', returnAll: true } });
		expect(all.items.length).toBeGreaterThanOrEqual(5);
		expect(server.listCalls).toBe(1);
	});
});

describe('gateway answering with a task', () => {
	it('is polled the same way', async () => {
		const { items, error } = await runKling({
			server: { baseUrl: server.baseUrl } as never,
			apiKey: 'plain-official-key-123',
			parameters: { prompt: 'relayed', output: 'url', options: fast },
		});
		expect(error).toBeUndefined();
		expect(items[0].json.taskId).toBe(server.created[0].taskId);
		expect(items[0].json.url).toEqual(expect.stringContaining('/images/'));
	});
});
