/** AI Multi-Shot: one front image in, three views out, a task family read like the others. */
import { readBinaryOutput } from '../../../../support/engine';
import { promptPng } from '../../../../support/fakeImages';
import { startFakeKlingOfficialServer } from '../../../../support/fakeKlingOfficialServer';
import type { FakeKlingOfficialServer } from '../../../../support/fakeKlingOfficialServer';
import { startFakeKlingServer } from '../../../../support/fakeKlingServer';
import { pngBinaries, runKling, runKlingOfficial } from '../../kling.harness';

let server: FakeKlingOfficialServer;

beforeAll(async () => {
	server = await startFakeKlingOfficialServer({ taskDurationMs: 200 });
});
afterEach(() => server.clear());
afterAll(async () => await server.close());

const fast = { pollInterval: 0.1 };
const multiShot = (parameters: Record<string, unknown>) => ({ operation: 'multiShot', options: fast, ...parameters });

describe('Multi-Shot', () => {
	it('sends the front image from a binary field; outputs one binary item per view with its index, view and task', async () => {
		const { items, error } = await runKlingOfficial({
			server,
			items: [{ json: {}, binary: await pngBinaries(1, 'photo', 'bottle') }],
			parameters: multiShot({ frontImageSource: 'binary', frontImageBinaryField: 'photo0' }),
		});
		expect(error).toBeUndefined();
		const [task] = server.created;
		expect(task.family).toBe('multiShot');
		expect(Object.keys(task.body).sort()).toEqual(['element_frontal_image', 'external_task_id']);
		expect(task.body.element_frontal_image).toBe(promptPng('bottle 0', 0).toString('base64'));
		expect(items.map((item) => [item.json.index, item.json.source, item.json.taskId, item.pairedItem])).toEqual([
			[0, 'url_1', task.taskId, { item: 0 }],
			[1, 'url_2', task.taskId, { item: 0 }],
			[2, 'url_3', task.taskId, { item: 0 }],
		]);
		for (const item of items) {
			expect(item.json.warning).toBeUndefined();
			expect((await readBinaryOutput(item.binary!.data)).equals(server.imageBytesFor(String(item.json.url))!)).toBe(true);
		}
		expect(items[0].json.unitsDeducted).toBe(20);
		expect(items[0].json.balanceDeduction).toEqual({ quota: 20, listPrice: 2.8 });
		expect(server.misreads).toBe(0);
	});

	it('takes a URL, hands on URLs only, and is read back by Get Task and List Tasks as three views', async () => {
		const made = await runKlingOfficial({
			server,
			parameters: multiShot({ frontImageSource: 'url', frontImageUrl: 'https://example.com/front.png', waitForCompletion: false }),
		});
		expect(made.error).toBeUndefined();
		expect(server.created[0].body.element_frontal_image).toBe('https://example.com/front.png');
		const taskId = String(made.items[0].json.task_id);
		await new Promise((resolve) => setTimeout(resolve, 300));
		const read = await runKlingOfficial({ server, parameters: { operation: 'getTask', taskType: 'multiShot', taskId, taskOutput: 'url' } });
		expect(read.error).toBeUndefined();
		expect(read.items.map((item) => [item.json.taskId, item.json.source])).toEqual([
			[taskId, 'url_1'],
			[taskId, 'url_2'],
			[taskId, 'url_3'],
		]);
		const listed = await runKlingOfficial({ server, parameters: { operation: 'listTasks', taskType: 'multiShot' } });
		expect(listed.items.map((item) => item.json.task_id)).toContain(taskId);
		const generations = await runKlingOfficial({ server, parameters: { operation: 'listTasks', taskType: 'generation' } });
		expect(generations.items.map((item) => item.json.task_id)).not.toContain(taskId);
		expect(server.misreads).toBe(0);
	});

	it('refuses an item without a front image before sending, naming the field and the item; the others still run', async () => {
		const { items, error } = await runKlingOfficial({
			server,
			items: [{ json: { url: 'https://example.com/a.png' } }, { json: { url: 'not a url' } }],
			continueOnFail: true,
			parameters: multiShot({ frontImageSource: 'url', frontImageUrl: '={{ $json.url }}', output: 'url' }),
		});
		expect(error).toBeUndefined();
		expect(items.filter((item) => item.pairedItem && (item.pairedItem as { item: number }).item === 0)).toHaveLength(3);
		const failed = items.find((item) => item.json.error !== undefined);
		expect(String(failed?.json.error)).toContain('Front Image');
		expect(String(failed?.json.error)).toContain('item 1');
		expect(server.created).toHaveLength(1);
	});

	it('is refused on the gateway, naming the operation', async () => {
		const gateway = await startFakeKlingServer();
		try {
			const { error } = await runKling({ server: gateway, parameters: multiShot({ frontImageSource: 'url', frontImageUrl: 'https://example.com/a.png' }) });
			expect(error?.message).toContain('"Multi-Shot" needs the Official Kling AI API');
			expect(gateway.requests).toHaveLength(0);
		} finally {
			await gateway.close();
		}
	});
});
