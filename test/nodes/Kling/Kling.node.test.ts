import { readFileSync, existsSync, writeFileSync } from 'node:fs';

import { binaryFilePath, readBinaryOutput, setBinaryMode, storeBinaryInput } from '../../support/engine';
import { startFakeKlingServer } from '../../support/fakeKlingServer';
import type { FakeKlingServer } from '../../support/fakeKlingServer';
import { promptJpeg, promptPng } from '../../support/fakeImages';
import { API_KEY, prompts, runKling } from './kling.harness';

let server: FakeKlingServer;

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error('condition not met in time');
		await new Promise((resolve) => setTimeout(resolve, 5));
	}
}

beforeAll(async () => {
	server = await startFakeKlingServer({ apiKey: API_KEY });
});
afterEach(() => server.clear());
afterAll(async () => await server.close());

describe('Kling node in the n8n engine: requests', () => {
	it('sends every parameter under its API name with the bearer key', async () => {
		const { items, error } = await runKling({
			server,
			parameters: {
				model: 'kling-img-v1',
				prompt: 'a lighthouse at dawn',
				negativePrompt: 'fog',
				imageSource: 'url',
				imageUrl: 'https://example.com/ref.png',
				imageFidelity: 0.3,
				n: 2,
				aspectRatio: '21:9',
				output: 'url',
				options: { additionalFields: '{"seed": 42}' },
			},
		});
		expect(error).toBeUndefined();
		expect(server.requests).toHaveLength(1);
		expect(server.requests[0].headers.authorization).toBe(`Bearer ${API_KEY}`);
		expect(server.requests[0].body).toEqual({
			model: 'kling-img-v1',
			prompt: 'a lighthouse at dawn',
			negative_prompt: 'fog',
			image: 'https://example.com/ref.png',
			image_fidelity: 0.3,
			n: 2,
			aspect_ratio: '21:9',
			seed: 42,
		});
		expect(items).toHaveLength(2);
	});

	it('leaves optional fields out when they are not set', async () => {
		await runKling({ server, parameters: { prompt: 'a cat', output: 'url' } });
		expect(server.requests[0].body).toEqual({ model: 'kling-img-v1', prompt: 'a cat', n: 1 });
	});

	it('sends a binary reference image as bare base64, in filesystem mode too', async () => {
		for (const binaryMode of ['default', 'filesystem'] as const) {
			server.clear();
			const reference = promptJpeg('reference', 0);
			const binary = await storeBinaryInput(reference, 'ref.jpg', 'image/jpeg');
			const { error } = await runKling({
				server,
				binaryMode,
				items: [{ json: {}, binary: { photo: binary } }],
				parameters: { prompt: 'in this style', imageSource: 'binary', binaryPropertyName: 'photo', output: 'url' },
			});
			expect(error).toBeUndefined();
			expect(server.requests[0].body.image).toBe(reference.toString('base64'));
			expect(server.requests[0].body.image_fidelity).toBe(0.5);
		}
	});

	it('reads a binary reference only when its item is sent, not all up front', async () => {
		const slow = await startFakeKlingServer({ apiKey: API_KEY, latencyMs: 300 });
		try {
			await setBinaryMode('filesystem');
			const first = promptPng('first', 0);
			const binaries = [await storeBinaryInput(first, 'a.png', 'image/png'), await storeBinaryInput(promptPng('second', 0), 'b.png', 'image/png')];
			const running = runKling({
				server: slow,
				binaryMode: 'filesystem',
				items: binaries.map((binary) => ({ json: {}, binary: { data: binary } })),
				parameters: { prompt: 'x', imageSource: 'binary', output: 'url', options: { concurrency: 1 } },
			});
			await waitUntil(() => slow.requests.length === 1);
			// The second item's file changes while the first request runs: the second request must carry the new bytes.
			const replacement = promptJpeg('replacement', 0);
			writeFileSync((await binaryFilePath(binaries[1]))!, replacement);
			const { error } = await running;
			expect(error).toBeUndefined();
			expect(slow.requests.map((request) => request.body.image)).toEqual([first.toString('base64'), replacement.toString('base64')]);
		} finally {
			await slow.close();
		}
	});

	it('strips a data URL prefix from a base64 reference', async () => {
		const base64 = promptPng('ref', 0).toString('base64');
		await runKling({
			server,
			parameters: { prompt: 'x', imageSource: 'base64', imageBase64: `data:image/png;base64,${base64}`, output: 'url' },
		});
		expect(server.requests[0].body.image).toBe(base64);
	});
});

describe('Kling node in the n8n engine: output', () => {
	it('gives one URL item per image, paired with its input item, across several items with expressions', async () => {
		const { items, error } = await runKling({
			server,
			items: prompts('a red fox', 'a blue whale', 'a green frog'),
			parameters: { prompt: '={{ $json.prompt }}', n: '={{ $itemIndex + 1 }}', output: 'url' },
		});
		expect(error).toBeUndefined();
		expect(items.map((item) => [item.json.prompt, item.json.index, item.pairedItem])).toEqual([
			['a red fox', 0, { item: 0 }],
			['a blue whale', 0, { item: 1 }],
			['a blue whale', 1, { item: 1 }],
			['a green frog', 0, { item: 2 }],
			['a green frog', 1, { item: 2 }],
			['a green frog', 2, { item: 2 }],
		]);
		const sentPrompts = server.requests.map((request) => request.body.prompt).sort();
		expect(sentPrompts).toEqual(['a blue whale', 'a green frog', 'a red fox']);
		for (const item of items) {
			expect(item.binary).toBeUndefined();
			expect(Object.keys(item.json).sort()).toEqual(['created', 'imagesRequested', 'imagesReturned', 'index', 'model', 'prompt', 'url']);
			expect(item.json.imagesReturned).toBe(item.json.imagesRequested);
			expect(server.imageBytesFor(item.json.url as string)).toBeDefined();
		}
	});

	it('downloads each image as binary with its true type and a file name', async () => {
		const { items, error } = await runKling({ server, parameters: { prompt: 'two otters', n: 2, binaryPropertyOutput: 'image' } });
		expect(error).toBeUndefined();
		expect(items).toHaveLength(2);
		for (const [position, item] of items.entries()) {
			const binary = item.binary!.image;
			expect(binary.mimeType).toBe('image/png');
			expect(binary.fileExtension).toBe('png');
			expect(binary.fileName).toBe(`kling-${item.json.created}-0-${position}.png`);
			expect(await readBinaryOutput(binary)).toEqual(server.imageBytesFor(item.json.url as string));
		}
		expect(await readBinaryOutput(items[0].binary!.image)).not.toEqual(await readBinaryOutput(items[1].binary!.image));
	});

	it('stores downloads on disk in filesystem binary mode, JPEG recognised from its bytes', async () => {
		const jpegServer = await startFakeKlingServer({ apiKey: API_KEY, imageFormat: 'jpeg' });
		try {
			const { items, error } = await runKling({ server: jpegServer, binaryMode: 'filesystem', parameters: { prompt: 'a jpeg', n: 2 } });
			expect(error).toBeUndefined();
			for (const item of items) {
				const binary = item.binary!.data;
				expect(binary.id).toMatch(/^filesystem-v2:/);
				expect(binary.mimeType).toBe('image/jpeg');
				expect(binary.fileName).toMatch(/^kling-\d+-0-\d\.jpg$/);
				const path = await binaryFilePath(binary);
				expect(path && existsSync(path)).toBe(true);
				expect(readFileSync(path!)).toEqual(jpegServer.imageBytesFor(item.json.url as string));
			}
		} finally {
			await jpegServer.close();
		}
	});

	it('accepts b64_json answers and always returns their bytes as binary', async () => {
		const b64Server = await startFakeKlingServer({ apiKey: API_KEY, b64Json: true });
		try {
			const { items, error } = await runKling({ server: b64Server, parameters: { prompt: 'inline', output: 'url' } });
			expect(error).toBeUndefined();
			expect(items[0].json.url).toBeNull();
			expect(items[0].binary!.data.mimeType).toBe('image/png');
			expect(await readBinaryOutput(items[0].binary!.data)).toEqual(b64Server.generated[0].bytes);
		} finally {
			await b64Server.close();
		}
	});
});
