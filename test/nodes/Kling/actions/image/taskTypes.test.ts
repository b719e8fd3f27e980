/** Get Task and List Tasks read each task type under its own endpoint; the gateway shows only what it serves. */
import type { INodeProperties } from 'n8n-workflow';

import { Kling } from '../../../../../nodes/Kling/Kling.node';
import { image } from '../../../../../nodes/Kling/actions/image';
import { readBinaryOutput } from '../../../../support/engine';
import { startFakeKlingOfficialServer } from '../../../../support/fakeKlingOfficialServer';
import type { FakeKlingOfficialServer } from '../../../../support/fakeKlingOfficialServer';
import { TASK_FAMILIES, familySpec } from '../../../../../nodes/Kling/wire/taskFamilies';
import { runKlingOfficial } from '../../kling.harness';

let server: FakeKlingOfficialServer;

beforeAll(async () => {
	server = await startFakeKlingOfficialServer({ taskDurationMs: 200 });
});
afterEach(() => server.clear());
afterAll(async () => await server.close());

const tryOn = {
	operation: 'tryOn',
	humanImageSource: 'url',
	humanImageUrl: 'https://example.com/person.png',
	clothImageSource: 'url',
	clothImageUrl: 'https://example.com/shirt.png',
};

/** A try-on task created without waiting, then finished on the fake's clock. */
async function finishedTryOn(): Promise<string> {
	const { items, error } = await runKlingOfficial({ server, parameters: { ...tryOn, waitForCompletion: false } });
	expect(error).toBeUndefined();
	await new Promise((resolve) => setTimeout(resolve, 250));
	return items[0].json.task_id as string;
}

describe('Task Type', () => {
	it('Get Task reads a try-on task under the try-on endpoint, with its image and cost', async () => {
		const taskId = await finishedTryOn();
		const { items, error } = await runKlingOfficial({ server, parameters: { operation: 'getTask', taskType: 'tryOn', taskId, taskOutput: 'binary' } });
		expect(error).toBeUndefined();
		expect(items[0].json).toMatchObject({ taskId, unitsDeducted: 4 });
		expect(await readBinaryOutput(items[0].binary!.data)).toEqual(server.imageBytesFor(items[0].json.url as string));
		expect(server.statusPolls.get(taskId)).toBe(1);
	});

	it('Get Task under another task type does not find it', async () => {
		const taskId = await finishedTryOn();
		const { error } = await runKlingOfficial({ server, parameters: { operation: 'getTask', taskType: 'generation', taskId } });
		expect(error?.message).toContain(`Kling has no task "${taskId}" under Task Type Generation`);
		expect(server.misreads).toBe(1);
	});

	it('List Tasks lists the tasks of the chosen type only', async () => {
		const taskId = await finishedTryOn();
		await runKlingOfficial({ server, parameters: { prompt: 'a generation', waitForCompletion: false } });
		const tryOns = await runKlingOfficial({ server, parameters: { operation: 'listTasks', taskType: 'tryOn', returnAll: true } });
		expect(tryOns.items.map((item) => item.json.task_id)).toContain(taskId);
		expect(tryOns.items.every((item) => item.json.watermark_info === undefined)).toBe(true);
		const generations = await runKlingOfficial({ server, parameters: { operation: 'listTasks', returnAll: true } });
		expect(generations.items.map((item) => item.json.task_id)).not.toContain(taskId);
	});

	it('refuses a task type it does not know', async () => {
		const before = server.httpRequests;
		const { error } = await runKlingOfficial({ server, parameters: { operation: 'getTask', taskType: '={{ "video" }}', taskId: 'x' } });
		expect(error?.message).toContain(`"Task Type" must be one of any, ${TASK_FAMILIES.join(', ')}, got "video"`);
		expect(server.httpRequests).toBe(before);
	});
});

describe('operations by credential', () => {
	const choices = (name: string, authentication: string) =>
		new Kling().description.properties
			.filter((property: INodeProperties) => property.name === name && property.displayOptions?.show?.authentication?.includes(authentication))
			.flatMap((property) => (property.options ?? []).map((option) => (option as { value: string }).value));
	const operations = (authentication: string) => choices('operation', authentication);

	it('only the official credential offers the Account and Element resources', () => {
		expect(choices('resource', 'klingApi')).toEqual(['image']);
		expect(choices('resource', 'klingAiApi')).toEqual(['account', 'element', 'image']);
	});

	it('the gateway shows only what the gateway serves; the official API shows all', () => {
		expect(operations('klingApi').sort()).toEqual(['generate', 'getTask', 'listTasks']);
		expect(operations('klingAiApi').sort()).toEqual(Object.keys(image.operations).sort());
	});
});

describe('what a task cost, in Get Task and List Tasks', () => {
	it('adds unitsDeducted and balanceDeduction as numbers beside the task as Kling wrote it', async () => {
		const made = await runKlingOfficial({ server, parameters: { prompt: 'a kiwi', n: 2, output: 'url', options: { pollInterval: 0.1 } } });
		expect(made.error).toBeUndefined();
		const taskId = String(made.items[0].json.taskId);
		const read = await runKlingOfficial({ server, parameters: { operation: 'getTask', taskType: 'generation', taskId } });
		expect(read.items[0].json).toMatchObject({
			task_id: taskId,
			final_unit_deduction: '2',
			final_balance_deduction: { quota: '2', list_price: 0.28 },
			unitsDeducted: 2,
			balanceDeduction: { quota: 2, listPrice: 0.28 },
		});
		const listed = await runKlingOfficial({ server, parameters: { operation: 'listTasks', taskType: 'generation' } });
		expect(listed.items.find((item) => item.json.task_id === taskId)?.json).toMatchObject({ unitsDeducted: 2, balanceDeduction: { quota: 2, listPrice: 0.28 } });
	});
});

describe('Get Task: Any Type, and a task not found where it was looked for', () => {
	it('finds a task of any family by default (Any Type), as the trigger does', async () => {
		const { items } = await runKlingOfficial({ server, parameters: { ...tryOn, waitForCompletion: false } });
		const taskId = String(items[0].json.task_id);
		const read = await runKlingOfficial({ server, parameters: { operation: 'getTask', taskId } });
		expect(read.error).toBeUndefined();
		expect(read.items[0].json.task_id).toBe(taskId);
	});

	it('says a task is not under the chosen type, and names Any Type and the other types; Kling\'s words not repeated', async () => {
		const { items } = await runKlingOfficial({ server, parameters: { ...tryOn, waitForCompletion: false } });
		const taskId = String(items[0].json.task_id);
		const { error } = await runKlingOfficial({ server, parameters: { operation: 'getTask', taskType: 'expand', taskId } });
		expect(error?.message).toBe(
			`Kling has no task "${taskId}" under Task Type Expand. A task is found only under the type of the operation that created it: choose Any Type, or one of ${TASK_FAMILIES.filter((family) => family !== 'expand').map((family) => familySpec(family).label).join(', ')}`,
		);
		expect(error?.message).not.toContain('task not found');
	});

	it('says when no type knows the id, and what the id should be', async () => {
		const before = server.httpRequests;
		const { error } = await runKlingOfficial({ server, parameters: { operation: 'getTask', taskId: 'no-such-task' } });
		expect(error?.message).toContain('Kling has no task "no-such-task" of any type. Check Task ID');
		expect(server.httpRequests - before).toBe(TASK_FAMILIES.length);
	});
});
