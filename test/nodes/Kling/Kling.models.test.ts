import type { INodeParameters } from 'n8n-workflow';

import { KlingApi } from '../../../credentials/KlingApi.credentials';
import { Kling } from '../../../nodes/Kling/Kling.node';
import { loadOptionsContext } from '../../support/engine';
import { startFakeKlingServer } from '../../support/fakeKlingServer';
import type { FakeKlingServer } from '../../support/fakeKlingServer';
import { TrackedServer, sendJson } from '../../support/httpTestServer';
import { API_KEY, runKling } from './kling.harness';

let server: FakeKlingServer;

beforeAll(async () => {
	server = await startFakeKlingServer({ apiKey: API_KEY });
});
afterEach(() => server.clear());
afterAll(async () => await server.close());

/** The Model list as the editor loads it: n8n-core's LoadOptionsContext with the gateway credential. */
async function listModels(baseUrl: string, filter?: string, apiKey = API_KEY) {
	const node = new Kling();
	const ctx = await loadOptionsContext(
		{
			nodeType: node,
			credentialTypes: [new KlingApi()],
			credentials: { klingApi: { apiKey, baseUrl } },
			parameters: { resource: 'image', operation: 'generate', prompt: 'x' },
		},
		'parameters.model',
	);
	return await node.methods.listSearch.searchModels.call(ctx, filter);
}

/** A gateway of our own for answers the fake does not give: a longer list, no list at all. */
async function withGateway(answer: { status: number; body: unknown }, test: (baseUrl: string) => Promise<void>) {
	const paths: string[] = [];
	const gateway = new TrackedServer((req, res) => {
		paths.push(`${req.method} ${req.url} ${req.headers.authorization}`);
		sendJson(res, answer.status, answer.body);
	});
	try {
		await test(await gateway.listen());
	} finally {
		await gateway.close();
	}
	expect(paths).toEqual([`GET /v1/models Bearer ${API_KEY}`]);
}

describe('Model list (gateway)', () => {
	it('lists the models the fake gateway serves at GET /v1/models, with the bearer key', async () => {
		await expect(listModels(`${server.baseUrl}/`)).resolves.toEqual({ results: [{ name: 'kling-img-v1', value: 'kling-img-v1' }] });
		await expect(listModels(server.baseUrl, 'IMG')).resolves.toEqual({ results: [{ name: 'kling-img-v1', value: 'kling-img-v1' }] });
		await expect(listModels(server.baseUrl, 'v9')).resolves.toEqual({ results: [] });
	});

	it('says when the gateway refuses the key, instead of listing nothing', async () => {
		await expect(listModels(server.baseUrl, undefined, 'sk-wrong')).rejects.toThrow('The gateway refused the API key (HTTP 401)');
	});

	it('sorts a longer list, drops entries without an id and repeats', async () => {
		const body = { data: [{ id: 'kling-v2' }, { id: 'kling-img-v1' }, { object: 'model' }, { id: 'kling-v2' }, 'junk'] };
		await withGateway({ status: 200, body }, async (baseUrl) => {
			const { results } = await listModels(baseUrl);
			expect(results.map((entry) => entry.value)).toEqual(['kling-img-v1', 'kling-v2']);
		});
	});

	it.each([
		['a gateway without the endpoint (404)', { status: 404, body: { error: { message: 'not found' } } }],
		['a gateway answering something else', { status: 200, body: { models: ['kling-img-v1'] } }],
	])('lists nothing for %s, leaving the model to be typed', async (_name, answer) => {
		await withGateway(answer, async (baseUrl) => {
			await expect(listModels(baseUrl)).resolves.toEqual({ results: [] });
		});
	});
});

describe('Model parameter values', () => {
	const sentModel = async (model: INodeParameters['model']) => {
		const { error } = await runKling({ server, parameters: { model, prompt: 'a cat', output: 'url' } });
		expect(error).toBeUndefined();
		return (server.requests.at(-1)?.body as { model?: unknown }).model;
	};

	it('reads a plain string, as workflows saved before the list hold it', async () => {
		expect(await sentModel('kling-img-v1-custom')).toBe('kling-img-v1-custom');
	});

	it.each(['list', 'id'])('reads a resource-locator value in %s mode', async (mode) => {
		expect(await sentModel({ __rl: true, mode, value: `kling-img-${mode}` })).toBe(`kling-img-${mode}`);
	});

	it('uses the default model when none is set', async () => {
		const { error } = await runKling({ server, parameters: { prompt: 'a cat', output: 'url' } });
		expect(error).toBeUndefined();
		expect(server.requests[0].body).toMatchObject({ model: 'kling-img-v1' });
	});
});
