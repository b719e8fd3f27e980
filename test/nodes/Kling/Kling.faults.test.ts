import { startFakeKlingServer } from '../../support/fakeKlingServer';
import type { FakeKlingServer } from '../../support/fakeKlingServer';
import { API_KEY, prompts, runKling } from './kling.harness';
import { timed } from '../../support/checks';

let server: FakeKlingServer;

beforeAll(async () => {
	server = await startFakeKlingServer({ apiKey: API_KEY });
});
afterEach(() => server.clear());
afterAll(async () => await server.close());

const urlOutput = { prompt: 'x', output: 'url' };


describe('transient faults are retried per request', () => {
	it('a connection reset before the answer', async () => {
		server.enqueue({ reset: true });
		const { items, error } = await runKling({ server, parameters: urlOutput });
		expect(error).toBeUndefined();
		expect(items).toHaveLength(1);
		expect(server.attempts).toBe(2);
	});

	it('503, then success', async () => {
		server.enqueue({ status: 503, body: { error: { message: 'overloaded' } } });
		const { items, error } = await runKling({ server, parameters: urlOutput });
		expect(error).toBeUndefined();
		expect(items).toHaveLength(1);
		expect(server.attempts).toBe(2);
	});

	it('429 with Retry-After: 1 waits about a second', async () => {
		server.enqueue({ status: 429, headers: { 'Retry-After': '1' }, body: { error: { message: 'slow down' } } });
		const { result, ms } = await timed(runKling({ server, parameters: urlOutput }));
		expect(result.error).toBeUndefined();
		expect(server.attempts).toBe(2);
		expect(ms).toBeGreaterThanOrEqual(950);
	});

	it('429 without Retry-After backs off on its own', async () => {
		server.enqueue({ status: 429, body: { error: { message: 'slow down' } } });
		const { result, ms } = await timed(runKling({ server, parameters: urlOutput }));
		expect(result.error).toBeUndefined();
		expect(server.attempts).toBe(2);
		expect(ms).toBeGreaterThanOrEqual(450);
	});

	it('gives up after Max Retries with the last status and the attempt count', async () => {
		server.enqueue({ status: 503 }, { status: 503 }, { status: 503 });
		const { error } = await runKling({ server, parameters: { ...urlOutput, options: { maxRetries: 2 } } });
		expect(error?.message).toBe('The Kling API failed (HTTP 503): Injected fault 503. Run again later (after 3 attempts)');
		expect(server.attempts).toBe(3);
	});

	it('a cut-off image download is fetched again', async () => {
		server.nextImageUrls(['/images/reset.png']);
		const { error } = await runKling({ server, parameters: { prompt: 'x', options: { maxRetries: 1 } } });
		expect(error?.message).toContain('The image download was cut off');
		expect(error?.message).toContain('(after 2 attempts)');
		expect(server.downloads.get('/images/reset.png')).toBe(2);
		expect(server.attempts).toBe(1);
	});
});

describe('final failures are not retried', () => {
	it('a server that never answers times out once', async () => {
		server.enqueue({ hang: true });
		const { result, ms } = await timed(runKling({ server, parameters: { ...urlOutput, options: { timeout: 1 } } }));
		expect(result.error?.message).toContain('The Kling API did not answer within 1 s');
		expect(server.attempts).toBe(1);
		expect(ms).toBeLessThan(5000);
	});

	it('malformed JSON', async () => {
		server.enqueue({ malformed: true });
		const { error } = await runKling({ server, parameters: urlOutput });
		expect(error?.message).toContain('not JSON');
		expect(server.attempts).toBe(1);
	});

	it('an image URL that 404s', async () => {
		server.nextImageUrls(['/images/missing.png']);
		const { error } = await runKling({ server, parameters: { prompt: 'x' } });
		expect(error?.message).toContain('Downloading the image failed with HTTP 404');
		expect(server.downloads.get('/images/missing.png')).toBe(1);
	});

	it('401', async () => {
		const { error } = await runKling({ server, apiKey: 'sk-not-this-one-123456', parameters: urlOutput });
		expect(error?.message).toContain('(HTTP 401)');
		expect(server.attempts).toBe(1);
	});

	it('400 with an error body', async () => {
		server.enqueue({ status: 400, body: { error: { message: 'bad prompt' } } });
		const { error } = await runKling({ server, parameters: urlOutput });
		expect(error?.message).toContain('bad prompt');
		expect(server.attempts).toBe(1);
	});
});

describe('many items with faults: nothing lost, nothing duplicated', () => {
	it('transient faults across parallel items all recover, in input order', async () => {
		server.enqueue({ status: 503 }, { reset: true }, { status: 429, headers: { 'Retry-After': '1' } });
		const names = Array.from({ length: 8 }, (_, i) => `prompt ${i}`);
		const { items, error } = await runKling({
			server,
			items: prompts(...names),
			parameters: { prompt: '={{ $json.prompt }}', output: 'url', options: { concurrency: 4 } },
		});
		expect(error).toBeUndefined();
		expect(items.map((item) => [item.json.prompt, item.pairedItem])).toEqual(names.map((name, i) => [name, { item: i }]));
		expect(server.requests.map((request) => request.body.prompt).sort()).toEqual([...names].sort());
		expect(server.attempts).toBe(names.length + 3);
		expect(server.peakInFlight).toBeLessThanOrEqual(4);
	});

	it('with Continue On Fail, the items whose faults outlast the retries fail alone', async () => {
		const { items, error } = await runKling({
			server,
			continueOnFail: true,
			items: [{ json: { prompt: 'ok 0' } }, { json: { prompt: 'broken', fault: true } }, { json: { prompt: 'ok 2' } }],
			parameters: {
				prompt: '={{ $json.prompt }}',
				output: 'url',
				// n = 0 makes the fake API answer 400 for that item only, whatever the arrival order.
				options: { additionalFields: '={{ $json.fault ? \'{"n": 0}\' : "{}" }}', concurrency: 3 },
			},
		});
		expect(error).toBeUndefined();
		expect(items.map((item) => [item.pairedItem, item.json.prompt ?? 'error'])).toEqual([
			[{ item: 0 }, 'ok 0'],
			[{ item: 1 }, 'error'],
			[{ item: 2 }, 'ok 2'],
		]);
		expect(server.requests).toHaveLength(2);
	});
});

describe('cancellation', () => {
	it('stopping the execution aborts a request in flight within a second', async () => {
		server.enqueue({ hang: true });
		const run = runKling({ server, parameters: urlOutput });
		await new Promise((resolve) => setTimeout(resolve, 300));
		const started = Date.now();
		run.cancel();
		const result = await run;
		expect(Date.now() - started).toBeLessThan(1000);
		expect(result.run.status).toBe('canceled');
		expect(result.items).toEqual([]);
	});

	it('stopping the execution ends a retry wait at once', async () => {
		server.enqueue({ status: 429, headers: { 'Retry-After': '30' } });
		const run = runKling({ server, parameters: urlOutput });
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect(server.attempts).toBe(1);
		const started = Date.now();
		run.cancel();
		await run;
		expect(Date.now() - started).toBeLessThan(1000);
		expect(server.attempts).toBe(1);
	});
});
