/** What the node makes of answers it should not trust: image counts, repeated indexes, bad b64_json, keys in URLs. */
import { readBinaryOutput } from '../../support/engine';
import { startFakeKlingOfficialServer } from '../../support/fakeKlingOfficialServer';
import { startFakeKlingServer } from '../../support/fakeKlingServer';
import type { FakeKlingServer } from '../../support/fakeKlingServer';
import { API_KEY, runKling, runKlingOfficial } from './kling.harness';

let server: FakeKlingServer;

beforeAll(async () => {
	server = await startFakeKlingServer({ apiKey: API_KEY });
});
afterEach(() => server.clear());
afterAll(async () => await server.close());

describe('the number of images', () => {
	it('every item says how many images were asked for and returned', async () => {
		const { items, error } = await runKling({ server, parameters: { prompt: 'two owls', n: 2, output: 'url' } });
		expect(error).toBeUndefined();
		expect(items.map((item) => item.json)).toEqual([
			expect.objectContaining({ imagesRequested: 2, imagesReturned: 2 }),
			expect.objectContaining({ imagesRequested: 2, imagesReturned: 2 }),
		]);
		expect(items[0].json.warning).toBeUndefined();
	});

	it('fewer images than asked for: each item carries a warning', async () => {
		server.enqueue({ imageCount: 1 });
		const { items, error } = await runKling({ server, parameters: { prompt: 'three owls', n: 3, output: 'url' } });
		expect(error).toBeUndefined();
		expect(items).toHaveLength(1);
		expect(items[0].json).toMatchObject({ imagesRequested: 3, imagesReturned: 1, warning: 'Kling returned 1 of 3 images' });
	});

	it('more images than asked for: only as many are output and downloaded', async () => {
		server.enqueue({ imageCount: 40 });
		const { items, error } = await runKling({ server, parameters: { prompt: 'one owl', n: 1 } });
		expect(error).toBeUndefined();
		expect(items).toHaveLength(1);
		expect(items[0].json).toMatchObject({
			imagesRequested: 1,
			imagesReturned: 40,
			warning: 'Kling returned 40 images for 1 asked for; the other 39 were left out',
		});
		expect(server.generated).toHaveLength(40);
		expect([...server.downloads.values()].reduce((sum, count) => sum + count, 0)).toBe(1);
		expect(await readBinaryOutput(items[0].binary!.data)).toEqual(server.generated[0].bytes);
	});

	it('the official API: a task with fewer images than asked for is reported the same way', async () => {
		const official = await startFakeKlingOfficialServer({ taskDurationMs: 100, resultIndexes: [0] });
		try {
			const { items, error } = await runKlingOfficial({
				server: official,
				parameters: { prompt: 'three herons', n: 3, output: 'url', options: { pollInterval: 0.1 } },
			});
			expect(error).toBeUndefined();
			expect(items).toHaveLength(1);
			expect(items[0].json).toMatchObject({ imagesRequested: 3, imagesReturned: 1, warning: 'Kling returned 1 of 3 images' });
		} finally {
			await official.close();
		}
	});
});

describe('file names', () => {
	it('stay unique when the answer repeats an index', async () => {
		const official = await startFakeKlingOfficialServer({ taskDurationMs: 100, resultIndexes: [0, 0, 0] });
		try {
			const { items, error } = await runKlingOfficial({
				server: official,
				parameters: { prompt: 'three cranes', n: 3, options: { pollInterval: 0.1 } },
			});
			expect(error).toBeUndefined();
			expect(items.map((item) => item.json.index)).toEqual([0, 0, 0]);
			const names = items.map((item) => item.binary!.data.fileName);
			expect(new Set(names).size).toBe(3);
			expect(names).toEqual([0, 1, 2].map((position) => `kling-${items[0].json.created}-0-${position}.png`));
		} finally {
			await official.close();
		}
	});
});

describe('image data sent inline (b64_json)', () => {
	const answer = (b64_json: string) => ({ status: 200, body: { created: 1700000000, data: [{ b64_json }] } });

	it('that is not base64 is reported as such', async () => {
		server.enqueue(answer('%%% this is not base64 %%%'));
		const { error } = await runKling({ server, parameters: { prompt: 'x', output: 'url' } });
		expect(error?.message).toBe(
			'The Kling API sent image data (b64_json) that is not a valid image: it is not base64 (it starts "%%% this is not base...")',
		);
	});

	it('that decodes to something other than an image is reported as such', async () => {
		server.enqueue(answer(Buffer.from('{"error": "quota"}').toString('base64')));
		const { error, items } = await runKling({ server, continueOnFail: true, parameters: { prompt: 'x', output: 'url' } });
		expect(error).toBeUndefined();
		expect(items).toEqual([
			{
				json: { error: 'The Kling API sent image data (b64_json) that is not a valid image: its 18 bytes are not a PNG, JPEG, WebP or GIF image' },
				pairedItem: { item: 0 },
			},
		]);
	});
});

describe('image URLs that carry the API key', () => {
	it('show the key as *** in the output, and still download', async () => {
		const keyed = await startFakeKlingServer({ apiKey: API_KEY, imageUrlQuery: `key=${API_KEY}&size=large` });
		try {
			const urlRun = await runKling({ server: keyed, parameters: { prompt: 'a keyed fox', output: 'url' } });
			expect(urlRun.error).toBeUndefined();
			expect(urlRun.items[0].json.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/images\/[^?]+\.png\?key=\*\*\*&size=large$/);

			const binaryRun = await runKling({ server: keyed, parameters: { prompt: 'a keyed hare' } });
			expect(binaryRun.error).toBeUndefined();
			expect(binaryRun.items[0].json.url).toContain('?key=***&size=large');
			expect(await readBinaryOutput(binaryRun.items[0].binary!.data)).toEqual(keyed.generated[1].bytes);

			for (const { run } of [urlRun, binaryRun]) expect(JSON.stringify(run)).not.toContain(API_KEY);
		} finally {
			await keyed.close();
		}
	});
});
