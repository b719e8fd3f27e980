/**
 * A task's life beyond one item: a re-run of the same execution finds its task instead of paying
 * for another, slots stay held by tasks nobody waits for, creates wait for a learned limit, and
 * try-on tasks count in a pool of their own.
 */
import { storeBinaryInput } from '../../support/engine';
import { promptJpeg } from '../../support/fakeImages';
import { startFakeKlingOfficialServer } from '../../support/fakeKlingOfficialServer';
import type { FakeKlingOfficialServer } from '../../support/fakeKlingOfficialServer';
import { timed } from '../../support/checks';
import { prompts, runKlingOfficial } from './kling.harness';

const fast = { pollInterval: 0.1 };
const generate = { prompt: '={{ $json.prompt ?? "a cat" }}', output: 'url', options: fast };
const imagesOf = (items: Array<{ json: Record<string, unknown> }>) => items.map((item) => [item.json.taskId, item.json.url]);

let server: FakeKlingOfficialServer;
afterEach(async () => await server.close());

describe('a re-run of the same execution finds its tasks', () => {
	it('run twice with one execution id: one task per item, both runs output its images', async () => {
		server = await startFakeKlingOfficialServer({ taskDurationMs: 300 });
		const run = async () => await runKlingOfficial({ server, executionId: 'rerun-1', items: prompts('a', 'b'), parameters: generate });
		const first = await run();
		const second = await run();
		expect([first.error, second.error]).toEqual([undefined, undefined]);
		expect(server.created).toHaveLength(2);
		expect(imagesOf(second.items)).toEqual(imagesOf(first.items));
		expect(first.items).toHaveLength(2);
	});

	it('a re-run while the first run still waits (a stalled job taken over) adopts the running task', async () => {
		server = await startFakeKlingOfficialServer({ taskDurationMs: 800 });
		const run = () => runKlingOfficial({ server, executionId: 'rerun-2', items: prompts('a'), parameters: generate });
		const first = run();
		await new Promise((resolve) => setTimeout(resolve, 200));
		const [one, two] = await Promise.all([first, run()]);
		expect([one.error, two.error]).toEqual([undefined, undefined]);
		expect(server.created).toHaveLength(1);
		expect(imagesOf(two.items)).toEqual(imagesOf(one.items));
	});

	it('with Wait for Completion off, the re-run outputs the same task id', async () => {
		server = await startFakeKlingOfficialServer({ taskDurationMs: 300 });
		const parameters = { ...generate, waitForCompletion: false };
		const first = await runKlingOfficial({ server, executionId: 'rerun-3', parameters });
		const second = await runKlingOfficial({ server, executionId: 'rerun-3', parameters });
		expect(server.created).toHaveLength(1);
		expect(second.items[0].json.taskId).toBe(first.items[0].json.taskId);
	});

	it('distinct executions and items never share an id; a run again uses the same ones', async () => {
		server = await startFakeKlingOfficialServer({ taskDurationMs: 100 });
		const items = prompts('a', 'b', 'c');
		await runKlingOfficial({ server, executionId: 'ids-1', items, parameters: generate });
		await runKlingOfficial({ server, executionId: 'ids-2', items, parameters: generate });
		const ids = server.created.map((task) => String(task.externalTaskId));
		expect(new Set(ids).size).toBe(6);
		expect(ids.every((id) => /^n8n-kling-[A-Za-z0-9_-]{32}$/.test(id))).toBe(true);
		// Nothing of the execution id shows in the external id.
		expect(ids.some((id) => id.includes('ids-'))).toBe(false);
	});

	it('a re-run whose earlier task failed makes a new one (the next attempt of the item)', async () => {
		server = await startFakeKlingOfficialServer({ taskDurationMs: 100 });
		const parameters = { ...generate, prompt: 'this should fail' };
		const first = await runKlingOfficial({ server, executionId: 'failed-1', parameters });
		const second = await runKlingOfficial({ server, executionId: 'failed-1', parameters });
		expect(first.error?.message).toMatch(/failed: image generation failed/);
		expect(second.error?.message).toMatch(/failed: image generation failed/);
		expect(server.created).toHaveLength(2);
		expect(server.created[0].externalTaskId).not.toBe(server.created[1].externalTaskId);
	});

	it('without an execution id, ids are random: a run again creates again', async () => {
		server = await startFakeKlingOfficialServer({ taskDurationMs: 100 });
		await runKlingOfficial({ server, executionId: '', parameters: generate });
		await runKlingOfficial({ server, executionId: '', parameters: generate });
		expect(server.created).toHaveLength(2);
	});

	it("a user's own External Task ID that is taken still fails with Kling's words", async () => {
		server = await startFakeKlingOfficialServer({ taskDurationMs: 100 });
		const parameters = { ...generate, externalTaskId: 'my-own-id' };
		await runKlingOfficial({ server, executionId: 'own-1', parameters });
		const second = await runKlingOfficial({ server, executionId: 'own-2', parameters });
		expect(second.error?.message).toContain("external_task_id 'my-own-id' is already used");
		expect(server.created).toHaveLength(1);
	});

	it('a refusal with another code is not taken for "already used": it fails the item as it is', async () => {
		server = await startFakeKlingOfficialServer({ taskDurationMs: 100 });
		server.enqueue({ status: 400, body: { code: 1200, message: 'external_task_id already exists' } });
		const { error } = await runKlingOfficial({ server, executionId: 'other-code', parameters: generate });
		expect(error?.message).toBe('Kling rejected the request (code 1200): external_task_id already exists. Correct what it names, then run again');
		expect(server.created).toHaveLength(0);
	});
});

describe('task slots outlive a returned item', () => {
	it('a task created without waiting keeps its slot until its expected end: the next create waits, no 1303', async () => {
		server = await startFakeKlingOfficialServer({ taskDurationMs: 1000, maxConcurrentTasks: 1 });
		// Learns the limit (one 1303) and how long tasks take.
		const learn = await runKlingOfficial({ server, items: prompts('a', 'b'), parameters: { ...generate, options: { ...fast, concurrency: 2 } } });
		expect(learn.error).toBeUndefined();
		const started = await runKlingOfficial({ server, parameters: { ...generate, waitForCompletion: false } });
		expect(started.error).toBeUndefined();
		server.clear();
		const { result, ms } = await timed(runKlingOfficial({ server, parameters: generate }));
		expect(result.error).toBeUndefined();
		expect(server.createAttempts).toBe(1);
		expect(ms).toBeGreaterThanOrEqual(1500);
	});
});

describe('creates wait for a learned task limit', () => {
	it('more items than the account allows: one 1303 teaches the limit, the rest wait for slots', async () => {
		server = await startFakeKlingOfficialServer({ taskDurationMs: 500, maxConcurrentTasks: 2 });
		const { items, error } = await runKlingOfficial({
			server,
			items: prompts('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'),
			parameters: { ...generate, options: { ...fast, concurrency: 8 } },
		});
		expect(error).toBeUndefined();
		expect(items).toHaveLength(8);
		expect(server.createAttempts).toBeLessThanOrEqual(9);
	});
});

describe('task limits per pack type', () => {
	it('a burst of try-on tasks does not hold up image tasks, nor the other way round', async () => {
		server = await startFakeKlingOfficialServer({ taskDurationMs: 800, maxConcurrentTasksByPack: { image: 2, tryOn: 2 } });
		const person = await storeBinaryInput(promptJpeg('person', 0), 'person.jpg', 'image/jpeg');
		const tryOn = runKlingOfficial({
			server,
			items: Array.from({ length: 6 }, () => ({ json: {}, binary: { person } })),
			parameters: {
				operation: 'tryOn',
				humanImageBinaryField: 'person',
				clothImageSource: 'url',
				clothImageUrl: 'https://example.com/shirt.png',
				output: 'url',
				options: { ...fast, concurrency: 6 },
			},
		});
		// Starts once the try-on burst has taken its pool's slot and learned its limit.
		await new Promise((resolve) => setTimeout(resolve, 300));
		const { result: images, ms } = await timed(runKlingOfficial({ server, items: prompts('a', 'b'), parameters: generate }));
		expect(images.error).toBeUndefined();
		expect((await tryOn).error).toBeUndefined();
		// Two image tasks of 0.8 s on a free image pool of two: they wait for no try-on task.
		expect(ms).toBeLessThan(1500);
		expect(server.created.filter((task) => task.family === 'generation')).toHaveLength(2);
	});
});
