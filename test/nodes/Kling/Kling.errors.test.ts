import type { INodeParameters } from 'n8n-workflow';

import { setBinaryMode, storeBinaryInput } from '../../support/engine';
import { startFakeKlingServer } from '../../support/fakeKlingServer';
import type { FakeKlingServer } from '../../support/fakeKlingServer';
import { promptPng } from '../../support/fakeImages';
import { API_KEY, prompts, runKling } from './kling.harness';

let server: FakeKlingServer;

beforeAll(async () => {
	server = await startFakeKlingServer({ apiKey: API_KEY });
});
afterEach(() => server.clear());
afterAll(async () => await server.close());

const GOOD = 'a good prompt';

/** Item 1 of three carries the bad value (through an expression); items 0 and 2 are fine. */
async function failOnSecondItem(parameters: INodeParameters, badJson: Record<string, unknown>) {
	const items = [{ json: { prompt: GOOD } }, { json: { prompt: GOOD, ...badJson } }, { json: { prompt: GOOD } }];
	return await runKling({ server, items, parameters: { prompt: '={{ $json.prompt }}', output: 'url', ...parameters } });
}

describe('bad input is refused before any request, naming the field and the item', () => {
	it.each<[string, INodeParameters, Record<string, unknown>, string]>([
		['empty prompt', {}, { prompt: '  ' }, '"Prompt" is empty'],
		['prompt over 2500 characters', {}, { prompt: 'x'.repeat(2501) }, '"Prompt" is 2501 characters long'],
		['n above 9', { n: '={{ $json.n ?? 1 }}' }, { n: 10 }, '"Number of Images" must be from 1 to 9, got 10'],
		['n not an integer', { n: '={{ $json.n ?? 1 }}' }, { n: 1.5 }, '"Number of Images" must be a whole number'],
		['fidelity out of range', { imageSource: 'url', imageUrl: 'https://example.com/a.png', imageFidelity: '={{ $json.f ?? 0.5 }}' }, { f: 2 }, '"Image Fidelity" must be from 0 to 1, got 2'],
		['unknown aspect ratio', { aspectRatio: '={{ $json.ratio ?? "1:1" }}' }, { ratio: '5:4' }, '"Aspect Ratio" must be one of'],
		['URL that is not http(s)', { imageSource: 'url', imageUrl: '={{ $json.url ?? "https://example.com/a.png" }}' }, { url: 'file:///etc/passwd' }, '"Image URL" must start with http:// or https://'],
		['invalid base64', { imageSource: 'base64', imageBase64: `={{ $json.b64 ?? "${promptPng('ok', 0).toString('base64')}" }}` }, { b64: '%%%' }, '"Base64 Image" is not valid base64'],
		['additional fields that are not an object', { options: { additionalFields: '={{ $json.extra ?? "{}" }}' } }, { extra: '[1,2]' }, '"Additional Body Fields" must be a JSON object'],
		['prompt that is an object', {}, { prompt: { text: 'a fox' } }, '"Prompt" must be text, but the value is an object ({"text":"a fox"}); check the expression'],
		['prompt that is a list', {}, { prompt: ['a fox', 'a hen'] }, '"Prompt" must be text, but the value is a list (["a fox","a hen"])'],
		['prompt that is a boolean', {}, { prompt: true }, '"Prompt" must be text, but the value is a boolean (true)'],
		['negative prompt that is an object', { negativePrompt: '={{ $json.avoid ?? "" }}' }, { avoid: { fog: true } }, '"Negative Prompt" must be text, but the value is an object'],
		['model that is an object', { model: '={{ $json.model ?? "kling-img-v1" }}' }, { model: { id: 'kling-img-v1' } }, '"Model" must be text, but the value is an object'],
		['image URL that is a list', { imageSource: 'url', imageUrl: '={{ $json.url ?? "https://example.com/a.png" }}' }, { url: ['https://example.com/a.png'] }, '"Image URL" must be text, but the value is a list'],
		['additional fields that set n', { options: { additionalFields: '={{ $json.extra ?? "{}" }}' } }, { extra: '{"n": 50}' }, `"Additional Body Fields" may not set n: use the node's "Number of Images" instead`],
		['additional fields that set a 5000-character prompt', { options: { additionalFields: '={{ $json.extra ?? "{}" }}' } }, { extra: JSON.stringify({ prompt: 'x'.repeat(5000) }) }, `"Additional Body Fields" may not set prompt: use the node's "Prompt" instead`],
		['additional fields that set the model and the image', { options: { additionalFields: '={{ $json.extra ?? "{}" }}' } }, { extra: '{"model": "other", "image": "https://example.com/a.png"}' }, `may not set model, image: use the node's "Model", "Reference Image" instead`],
	])('%s', async (_case, parameters, badJson, message) => {
		const { error, items } = await failOnSecondItem(parameters, badJson);
		expect(error?.message).toContain(message);
		expect(error?.message).toContain('(item 1)');
		expect(items).toEqual([]);
		expect(server.attempts).toBe(0);
	});

	it('takes a number from an expression as text', async () => {
		const { error } = await runKling({ server, items: [{ json: { prompt: 42 } }], parameters: { prompt: '={{ $json.prompt }}', output: 'url' } });
		expect(error).toBeUndefined();
		expect(server.requests[0].body.prompt).toBe('42');
	});

	describe('reference files', () => {
		async function runWithBinary(bytes: Buffer, property = 'data') {
			const binary = await storeBinaryInput(bytes, 'ref.bin', 'application/octet-stream');
			return await runKling({
				server,
				items: [{ json: {}, binary: { [property]: binary } }],
				parameters: { prompt: 'x', imageSource: 'binary', binaryPropertyName: 'data', output: 'url' },
			});
		}

		it('refuses a missing binary field and lists what the item has', async () => {
			const { error } = await runWithBinary(promptPng('a', 0), 'picture');
			expect(error?.message).toContain('"Input Binary Field" is "data", but the input item has no binary field of that name (it has: picture) (item 0)');
			expect(server.attempts).toBe(0);
		});

		it('refuses a file that is not JPG or PNG', async () => {
			const { error } = await runWithBinary(Buffer.from('GIF89a-not-really'));
			expect(error?.message).toContain('"Input Binary Field" must be a JPG or PNG image, got image/gif (item 0)');
			expect(server.attempts).toBe(0);
		});

		it.each(['default', 'filesystem'] as const)('checks every item before the first request (%s binary mode)', async (binaryMode) => {
			await setBinaryMode(binaryMode);
			const good = await storeBinaryInput(promptPng('a', 0), 'a.png', 'image/png');
			const gif = await storeBinaryInput(Buffer.from('GIF89a-not-really'), 'b.png', 'image/png');
			const big = await storeBinaryInput(Buffer.concat([promptPng('c', 0), Buffer.alloc(10 * 1024 * 1024)]), 'c.png', 'image/png');
			for (const [bad, message] of [
				[gif, '"Input Binary Field" must be a JPG or PNG image, got image/gif (item 2)'],
				[big, '"Input Binary Field" is 10.0 MB; the API accepts reference images up to 10 MB (item 2)'],
			] as const) {
				const { error } = await runKling({
					server,
					binaryMode,
					items: [good, good, bad].map((binary) => ({ json: {}, binary: { data: binary } })),
					parameters: { prompt: 'x', imageSource: 'binary', output: 'url', options: { concurrency: 1 } },
				});
				expect(error?.message).toBe(message);
				expect(server.attempts).toBe(0);
			}
		});

		it('refuses a file over 10 MB', async () => {
			const { error } = await runWithBinary(Buffer.concat([promptPng('a', 0), Buffer.alloc(10 * 1024 * 1024)]));
			expect(error?.message).toContain('the API accepts reference images up to 10 MB (item 0)');
			expect(server.attempts).toBe(0);
		});
	});

	it('with Continue On Fail, only the bad item becomes an error item', async () => {
		const items = prompts('first', '', 'third');
		const { items: output, error } = await runKling({ server, items, continueOnFail: true, parameters: { prompt: '={{ $json.prompt }}', output: 'url' } });
		expect(error).toBeUndefined();
		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(output[0].json.prompt).toBe('first');
		expect(output[1].json).toEqual({ error: expect.stringContaining('"Prompt" is empty') });
		expect(output[2].json.prompt).toBe('third');
		expect(server.requests).toHaveLength(2);
	});
});

describe('API failures', () => {
	it('401 says the key was refused and never shows it', async () => {
		const { error, run } = await runKling({ server, apiKey: 'sk-wrong-1234567890', parameters: { prompt: 'x', output: 'url' } });
		expect(error?.message).toContain('The Kling API refused the API key (HTTP 401)');
		expect(JSON.stringify(run)).not.toContain('sk-wrong-1234567890');
		expect(JSON.stringify(error)).not.toContain('sk-wrong-1234567890');
	});

	it('400 shows what the API said, and is not retried', async () => {
		server.enqueue({ status: 400, body: { error: { message: 'aspect_ratio is not supported by this model', type: 'invalid_request_error' } } });
		const { error } = await runKling({ server, parameters: { prompt: 'x', output: 'url' } });
		expect(error?.message).toBe('The Kling API rejected the request (HTTP 400): aspect_ratio is not supported by this model. Correct what it names, then run again');
		expect(server.attempts).toBe(1);
	});

	it('500 with no retries left fails with the status', async () => {
		server.enqueue({ status: 500, body: 'upstream exploded' });
		const { error } = await runKling({ server, parameters: { prompt: 'x', output: 'url', options: { maxRetries: 0 } } });
		expect(error?.message).toBe('The Kling API failed (HTTP 500): upstream exploded. Run again later');
		expect(server.attempts).toBe(1);
	});

	it('an answer that is not JSON, or has no images, says so', async () => {
		server.enqueue({ malformed: true });
		const malformed = await runKling({ server, parameters: { prompt: 'x', output: 'url' } });
		expect(malformed.error?.message).toContain('The Kling API answered with something that is not JSON');
		server.enqueue({ empty: true });
		const empty = await runKling({ server, parameters: { prompt: 'x', output: 'url' } });
		expect(empty.error?.message).toBe('The Kling API answered without any images');
		expect(server.attempts).toBe(2);
	});

	it('with Continue On Fail, an item the API refuses becomes an error item and the others still run', async () => {
		const items = [{ json: { n: 1 } }, { json: { n: 1, extra: '{"seed": "not a number"}' } }, { json: { n: 2 } }];
		const { items: output, error } = await runKling({
			server,
			items,
			continueOnFail: true,
			parameters: { prompt: 'kept', n: '={{ $json.n }}', output: 'url', options: { additionalFields: '={{ $json.extra ?? "{}" }}' } },
		});
		expect(error).toBeUndefined();
		expect(output.map((item) => [item.pairedItem, item.json.error === undefined])).toEqual([
			[{ item: 0 }, true],
			[{ item: 1 }, false],
			[{ item: 2 }, true],
			[{ item: 2 }, true],
		]);
		expect(output[1].json.error).toContain('The Kling API rejected the request (HTTP 400)');
	});
});
