/**
 * Proves the engine harness and the fake Kling server work, without the Kling
 * node: a tiny inline node calls the fake server through n8n-core's real helpers.
 */
import { existsSync, readFileSync } from 'node:fs';
import { crc32 as zlibCrc32, inflateSync } from 'node:zlib';

import { NodeApiError, NodeConnectionTypes } from 'n8n-workflow';
import type {
	IAuthenticateGeneric,
	ICredentialType,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';

import { binaryFilePath, readBinaryOutput, runNode, setBinaryMode, storeBinaryInput } from './engine';
import type { BinaryMode, RunNodeOptions } from './engine';
import { crc32, promptPng } from './fakeImages';
import { startFakeKlingServer } from './fakeKlingServer';
import type { FakeKlingServer } from './fakeKlingServer';

class FakeCred implements ICredentialType {
	name = 'fakeCred';
	displayName = 'Fake Kling';
	properties: INodeProperties[] = [
		{ displayName: 'API Key', name: 'apiKey', type: 'string', typeOptions: { password: true }, default: '' },
		{ displayName: 'Base URL', name: 'baseUrl', type: 'string', default: 'http://127.0.0.1:9' },
	];
	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: { headers: { Authorization: '=Bearer {{$credentials.apiKey}}' } },
	};
}

/** Generates one image per item and stores the first as binary, or inspects input binary. */
class SelfCheckNode implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Self Check',
		name: 'selfCheck',
		group: ['transform'],
		version: 1,
		description: 'Harness self-check',
		defaults: { name: 'Self Check' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'fakeCred', required: true }],
		properties: [
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				options: [
					{ name: 'Generate', value: 'generate' },
					{ name: 'Inspect Input', value: 'inspect' },
				],
				default: 'generate',
			},
			{
				displayName: 'Prompt',
				name: 'prompt',
				type: 'string',
				required: true,
				displayOptions: { show: { operation: ['generate'] } },
				default: '',
			},
			{ displayName: 'N', name: 'n', type: 'number', default: 1 },
			{
				displayName: 'Download As',
				name: 'transfer',
				type: 'options',
				options: [
					{ name: 'Array Buffer', value: 'arraybuffer' },
					{ name: 'Stream', value: 'stream' },
				],
				default: 'arraybuffer',
			},
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const out: INodeExecutionData[] = [];
		const items = this.getInputData();
		for (let i = 0; i < items.length; i++) {
			try {
				const operation = this.getNodeParameter('operation', i) as string;
				out.push(operation === 'inspect' ? await inspect.call(this, i) : await generate.call(this, i));
			} catch (error) {
				if (!this.continueOnFail()) throw error;
				out.push({ json: { error: error.message }, pairedItem: { item: i } });
			}
		}
		return [out];
	}
}

async function generate(this: IExecuteFunctions, i: number): Promise<INodeExecutionData> {
	const { baseUrl } = await this.getCredentials<{ baseUrl: string }>('fakeCred');
	const body = { model: 'kling-img-v1', prompt: this.getNodeParameter('prompt', i), n: this.getNodeParameter('n', i) };
	const url = `${baseUrl}/v1/images/generations`;
	const answer = await this.helpers.httpRequestWithAuthentication.call(this, 'fakeCred', { method: 'POST', url, body, json: true });
	const imageUrl = answer.data[0].url as string;
	const abortSignal = this.getExecutionCancelSignal();
	const binary =
		this.getNodeParameter('transfer', i) === 'stream'
			? await this.helpers.prepareBinaryData(await this.helpers.httpRequest({ url: imageUrl, encoding: 'stream', abortSignal }))
			: await this.helpers.prepareBinaryData(Buffer.from(await this.helpers.httpRequest({ url: imageUrl, encoding: 'arraybuffer', abortSignal })));
	return { json: { url: imageUrl, created: answer.created }, binary: { data: binary }, pairedItem: { item: i } };
}

async function inspect(this: IExecuteFunctions, i: number): Promise<INodeExecutionData> {
	const buffer = await this.helpers.getBinaryDataBuffer(i, 'data');
	return { json: { size: buffer.length, first: buffer.subarray(0, 4).toString('hex') }, pairedItem: { item: i } };
}

let server: FakeKlingServer;

beforeAll(async () => {
	server = await startFakeKlingServer();
});
afterEach(() => server.clear());
// engine.ts registers cleanupEngine() with jest's afterAll by itself.
afterAll(async () => await server.close());

function options(overrides: Partial<RunNodeOptions> = {}): RunNodeOptions {
	return {
		nodeType: new SelfCheckNode(),
		typeName: 'n8n-nodes-kling.selfCheck',
		parameters: { prompt: '={{ $json.prompt }}' },
		items: [{ json: { prompt: 'a red fox' } }, { json: { prompt: 'a blue whale' } }],
		credentials: { fakeCred: { apiKey: 'test-key', baseUrl: server.baseUrl } },
		credentialTypes: [new FakeCred()],
		...overrides,
	};
}

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error('condition not met in time');
		await new Promise((resolve) => setTimeout(resolve, 5));
	}
}

/** Checks PNG structure: signature, chunk CRCs (against both our CRC and zlib's), inflatable IDAT, IEND. */
function assertRealPng(bytes: Buffer): void {
	expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
	const types: string[] = [];
	const idat: Buffer[] = [];
	for (let at = 8; at < bytes.length; ) {
		const length = bytes.readUInt32BE(at);
		const typeAndData = bytes.subarray(at + 4, at + 8 + length);
		expect(bytes.readUInt32BE(at + 8 + length)).toBe(crc32(typeAndData));
		expect(crc32(typeAndData)).toBe(zlibCrc32(typeAndData));
		types.push(typeAndData.subarray(0, 4).toString('ascii'));
		if (types.at(-1) === 'IDAT') idat.push(typeAndData.subarray(4));
		at += 12 + length;
	}
	expect(types).toEqual(['IHDR', 'IDAT', 'IEND']);
	const width = bytes.readUInt32BE(16);
	const height = bytes.readUInt32BE(20);
	expect(inflateSync(Buffer.concat(idat)).length).toBe((width * 3 + 1) * height);
}

describe('engine harness with the fake Kling server', () => {
	const cases: Array<[BinaryMode, 'arraybuffer' | 'stream']> = [
		['default', 'arraybuffer'],
		['default', 'stream'],
		['filesystem', 'arraybuffer'],
		['filesystem', 'stream'],
	];

	test.each(cases)('generates and stores images (%s mode, %s transfer)', async (binaryMode, transfer) => {
		const { items, error, run } = await runNode(options({ binaryMode, parameters: { prompt: '={{ $json.prompt }}', transfer } }));

		expect(error).toBeUndefined();
		expect(run.status).toBe('success');
		expect(server.requests).toHaveLength(2);
		expect(server.requests[0].headers.authorization).toBe('Bearer test-key');
		expect(server.requests.map((r) => r.body)).toEqual([
			{ model: 'kling-img-v1', prompt: 'a red fox', n: 1 },
			{ model: 'kling-img-v1', prompt: 'a blue whale', n: 1 },
		]);
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		for (const item of items) {
			const binary = item.binary!.data;
			const served = server.imageBytesFor(item.json.url as string)!;
			expect(binary.mimeType).toBe('image/png');
			expect(await readBinaryOutput(binary)).toEqual(served);
			assertRealPng(served);
			if (binaryMode === 'filesystem') {
				expect(binary.id).toMatch(/^filesystem-v2:/);
				expect(binary.data).toBe('filesystem-v2');
				const path = (await binaryFilePath(binary))!;
				expect(existsSync(path)).toBe(true);
				expect(readFileSync(path)).toEqual(served);
			} else {
				expect(binary.id).toBeUndefined();
				expect(Buffer.from(binary.data, 'base64')).toEqual(served);
			}
		}
		expect(server.imageBytesFor(items[0].json.url as string)).not.toEqual(server.imageBytesFor(items[1].json.url as string));
	});

	test.each<BinaryMode>(['default', 'filesystem'])('hands stored binary input to the node (%s mode)', async (binaryMode) => {
		const png = promptPng('input', 0);
		await setBinaryMode(binaryMode);
		const data = await storeBinaryInput(png, 'input.png', 'image/png');
		expect(Boolean(data.id)).toBe(binaryMode === 'filesystem');

		const { items, error } = await runNode(options({ binaryMode, parameters: { operation: 'inspect' }, items: [{ json: {}, binary: { data } }] }));
		expect(error).toBeUndefined();
		expect(items[0].json).toEqual({ size: png.length, first: '89504e47' });
	});

	test('rejects, naming the parameter issues, when the engine refuses to start', async () => {
		await expect(runNode(options({ parameters: { prompt: '' } }))).rejects.toThrow(/prompt/);
		expect(server.attempts).toBe(0);
	});

	test('a wrong key fails the run with the 401 as a NodeApiError', async () => {
		const creds = { fakeCred: { apiKey: 'wrong-key', baseUrl: server.baseUrl } };
		const { items, error, run } = await runNode(options({ credentials: creds }));

		expect(run.status).toBe('error');
		expect(items).toEqual([]);
		expect(error).toBeInstanceOf(NodeApiError);
		expect((error as NodeApiError).httpCode).toBe('401');
		// n8n-core retries a 401 once (after preAuthentication with credentialsExpired = true).
		expect(server.attemptLog.map((a) => a.outcome)).toEqual(['unauthorized', 'unauthorized']);
		expect(server.attemptLog[0].headers.authorization).toBe('Bearer wrong-key');
	});

	test('continueOnFail turns the failure into error items', async () => {
		const creds = { fakeCred: { apiKey: 'wrong-key', baseUrl: server.baseUrl } };
		const { items, error, run } = await runNode(options({ credentials: creds, continueOnFail: true }));

		expect(error).toBeUndefined();
		expect(run.status).toBe('success');
		expect(items).toHaveLength(2);
		expect(items[0].json.error).toEqual(expect.any(String));
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
	});

	test('cancel() aborts a hanging request and the run settles within 1 s', async () => {
		server.enqueue({ hang: true });
		const execution = runNode(options({ items: [{ json: { prompt: 'never answered' } }] }));
		await waitFor(() => server.attempts === 1);

		const cancelledAt = Date.now();
		execution.cancel();
		const { run, error } = await execution;

		expect(Date.now() - cancelledAt).toBeLessThan(1000);
		expect(run.status).toBe('canceled');
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error!.message).toBe('canceled');
	});

	test('several runs at once in one process each get their own items, output and binary data', async () => {
		const slow = await startFakeKlingServer({ apiKey: 'test-key', latencyMs: 200 });
		try {
			const prompts = (run: number) => [`run ${run} first`, `run ${run} second`];
			const runs = Array.from({ length: 6 }, (_, run) =>
				runNode(
					options({
						items: prompts(run).map((prompt) => ({ json: { prompt } })),
						binaryMode: 'filesystem',
						credentials: { fakeCred: { apiKey: 'test-key', baseUrl: slow.baseUrl } },
					}),
				),
			);
			const results = await Promise.all(runs);

			// The node sends its items one after another, so only overlapping runs reach 6 requests at once.
			expect(slow.peakInFlight).toBe(6);
			const prompt = (url: unknown) => slow.requests[slow.generated.findIndex((image) => image.url === url)].body.prompt;
			results.forEach(({ items, error, run }, index) => {
				expect(error).toBeUndefined();
				expect(run.status).toBe('success');
				expect(items.map((item) => prompt(item.json.url))).toEqual(prompts(index));
				expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
			});
			for (const item of results.flatMap((result) => result.items)) {
				expect(item.binary!.data.id).toMatch(/^filesystem-v2:/);
				expect(await readBinaryOutput(item.binary!.data)).toEqual(slow.imageBytesFor(item.json.url as string));
			}
		} finally {
			await slow.close();
		}
	});

	test('an injected 503 reaches the node as a NodeApiError', async () => {
		server.enqueue({ status: 503, body: { error: { message: 'overloaded', type: 'server_error', code: null } } });
		const { error } = await runNode(options({ items: [{ json: { prompt: 'x' } }] }));

		expect((error as NodeApiError).httpCode).toBe('503');
		expect(server.attemptLog.map((a) => a.outcome)).toEqual(['fault']);
	});
});

describe('fake Kling server', () => {
	const auth = { Authorization: 'Bearer test-key', 'Content-Type': 'application/json' };
	const generate = async (body: unknown, headers: Record<string, string> = auth) =>
		await fetch(`${server.baseUrl}/v1/images/generations`, { method: 'POST', headers, body: JSON.stringify(body) });

	test('answers n image URLs that serve real PNGs', async () => {
		const response = await generate({ model: 'kling-img-v1', prompt: 'a cat', n: 3 });
		const answer = (await response.json()) as { created: number; data: Array<{ url: string }> };

		expect(response.status).toBe(200);
		expect(answer.created).toBeCloseTo(Date.now() / 1000, -1);
		expect(answer.data).toHaveLength(3);
		const image = await fetch(answer.data[0].url);
		expect(image.headers.get('content-type')).toBe('image/png');
		const bytes = Buffer.from(await image.arrayBuffer());
		expect(bytes).toEqual(server.imageBytesFor(answer.data[0].url));
		assertRealPng(bytes);
	});

	test('checks the key and the body', async () => {
		const unauthorized = await generate({ prompt: 'x' }, { 'Content-Type': 'application/json' });
		expect(unauthorized.status).toBe(401);
		expect(await unauthorized.json()).toEqual({
			error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' },
		});
		const noPrompt = await generate({ prompt: '  ' });
		expect(noPrompt.status).toBe(400);
		expect(((await noPrompt.json()) as { error: { message: string } }).error.message).toMatch(/prompt/);
		const badN = await generate({ prompt: 'x', n: 10 });
		expect(((await badN.json()) as { error: { message: string } }).error.message).toMatch(/'n'/);
		expect(server.attempts).toBe(3);
		expect(server.requests).toHaveLength(0);
	});

	test('GET /v1/models checks the key', async () => {
		const ok = await fetch(`${server.baseUrl}/v1/models`, { headers: auth });
		expect(await ok.json()).toEqual({ object: 'list', data: [{ id: 'kling-img-v1', object: 'model' }] });
		expect((await fetch(`${server.baseUrl}/v1/models`, { headers: { Authorization: 'Bearer nope' } })).status).toBe(401);
	});

	test('serves queued faults in order, then behaves normally again', async () => {
		server.enqueue({ status: 503, headers: { 'Retry-After': '2' } }, { reset: true }, { malformed: true }, { empty: true });

		const unavailable = await generate({ prompt: 'x' });
		expect([unavailable.status, unavailable.headers.get('retry-after')]).toEqual([503, '2']);
		await expect(generate({ prompt: 'x' })).rejects.toThrow();
		const malformed = await generate({ prompt: 'x' });
		expect(malformed.status).toBe(200);
		await expect(malformed.json()).rejects.toThrow();
		expect(((await (await generate({ prompt: 'x' })).json()) as { data: unknown[] }).data).toEqual([]);
		expect((await generate({ prompt: 'x' })).status).toBe(200);
		expect(server.attemptLog.map((a) => a.outcome)).toEqual(['fault', 'fault', 'fault', 'fault', 'ok']);
	});

	test('missing and cut-off image downloads, via nextImageUrls', async () => {
		server.nextImageUrls(['/images/missing.png', '/images/reset.png']);
		const answer = (await (await generate({ prompt: 'x', n: 2 })).json()) as { data: Array<{ url: string }> };
		expect(answer.data.map((d) => new URL(d.url).pathname)).toEqual(['/images/missing.png', '/images/reset.png']);

		expect((await fetch(answer.data[0].url)).status).toBe(404);
		const cut = await fetch(answer.data[1].url);
		expect(cut.status).toBe(200);
		await expect(cut.arrayBuffer()).rejects.toThrow();
	});
});

describe('fake Kling server options', () => {
	const post = async (target: FakeKlingServer, body: unknown = { prompt: 'x' }) =>
		await fetch(`${target.baseUrl}/v1/images/generations`, {
			method: 'POST',
			headers: { Authorization: `Bearer ${target.apiKey}`, 'Content-Type': 'application/json' },
			body: JSON.stringify(body),
		});

	test('maxConcurrent answers 429 with Retry-After past the cap; latency is applied', async () => {
		const capped = await startFakeKlingServer({ apiKey: 'k', latencyMs: 150, maxConcurrent: 2, retryAfterSeconds: 3 });
		try {
			const started = Date.now();
			const responses = await Promise.all([post(capped), post(capped), post(capped)]);
			const statuses = responses.map((r) => r.status).sort();
			expect(statuses).toEqual([200, 200, 429]);
			expect(responses.find((r) => r.status === 429)!.headers.get('retry-after')).toBe('3');
			expect(Date.now() - started).toBeGreaterThanOrEqual(140);
			expect(capped.peakInFlight).toBe(2);
			expect(capped.attempts).toBe(3);
			expect(capped.httpRequests).toBe(3);
		} finally {
			await capped.close();
		}
	});

	test('jpeg, b64_json and imageBytes', async () => {
		const jpeg = await startFakeKlingServer({ imageFormat: 'jpeg', b64Json: true });
		const big = await startFakeKlingServer({ imageBytes: 4 * 1024 * 1024 });
		try {
			const answer = (await (await post(jpeg, { prompt: 'x', n: 2 })).json()) as { data: Array<{ b64_json: string }> };
			const bytes = Buffer.from(answer.data[0].b64_json, 'base64');
			expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
			expect(bytes.subarray(-2)).toEqual(Buffer.from([0xff, 0xd9]));
			expect(jpeg.generated.map((g) => g.mimeType)).toEqual(['image/jpeg', 'image/jpeg']);
			expect(bytes).toEqual(jpeg.generated[0].bytes);

			const url = ((await (await post(big)).json()) as { data: Array<{ url: string }> }).data[0].url;
			const large = Buffer.from(await (await fetch(url)).arrayBuffer());
			expect(Math.abs(large.length - 4 * 1024 * 1024)).toBeLessThan(4 * 1024 * 1024 * 0.01);
			assertRealPng(large);
			expect([jpeg.httpRequests, big.httpRequests]).toEqual([1, 2]); // the image GET counts too
		} finally {
			await Promise.all([jpeg.close(), big.close()]);
		}
	});

	test('close() ends hanging requests', async () => {
		const hanging = await startFakeKlingServer();
		hanging.enqueue({ hang: true });
		const pending = post(hanging);
		await waitFor(() => hanging.attempts === 1);
		await hanging.close();
		await expect(pending).rejects.toThrow();
	});
});
