/**
 * The official API's task operations beside Generate, in one run of a real n8n: Virtual Try-On
 * from a photo on disk, Expand of the try-on's image, Multi-Image Reference with two image URLs
 * the fake served, Get Task of the expand task (Task Type Expand), Get Task of the try-on task with Task Type left
 * at its default, Any Type, and Account → Get Costs.
 * Each operation feeds the next, so a passing run also proves binary and URL hand-over.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { IRun } from 'n8n-workflow';

import { nodeOutput } from '../scripts/lib/n8nInstance';
import { klingOfficial, linearWorkflow, manualTrigger, readFiles } from '../scripts/lib/workflows';
import { promptPng } from '../test/support/fakeImages';
import { TASK_FAMILIES } from '../nodes/Kling/wire/taskFamilies';
import { FAMILY_PATHS } from '../test/support/fakeKlingOfficialServer';
import type { FakeKlingOfficialServer } from '../test/support/fakeKlingOfficialServer';
import { E2E_OFFICIAL_CREDENTIAL, startTestbed } from './support/testbed';
import type { Testbed } from './support/testbed';

const TASK_DURATION_MS = 1200;
const fastPolling = { options: { pollInterval: 0.5, maxWait: 1 } };
// The file folder is only known once the testbed exists; this placeholder is swapped in the workflow JSON.
const FILES = '__FILES__';
const GARMENT = '__GARMENT__';
const START = '2026-11-01T00:00:00.000Z';
const END = '2026-11-26T00:00:00.000Z';

const workflow = linearWorkflow('e2eOfficialOps01', 'e2e: try-on, expand, multi-image, get task, get costs', [
	manualTrigger(),
	readFiles(`${FILES}/person.png`, 'Person Photo'),
	klingOfficial(
		{
			operation: 'tryOn',
			tryOnModel: 'kolors-virtual-try-on-v1-5',
			humanImageSource: 'binary',
			humanImageBinaryField: 'data',
			clothImageSource: 'url',
			clothImageUrl: GARMENT,
			output: 'binary',
			...fastPolling,
		},
		E2E_OFFICIAL_CREDENTIAL,
		{ name: 'Try-On' },
	),
	klingOfficial(
		{
			operation: 'expand',
			imageSource: 'binary',
			imageBinaryField: 'data',
			upExpansionRatio: 0.5,
			downExpansionRatio: 0.5,
			leftExpansionRatio: 0.25,
			rightExpansionRatio: 0,
			prompt: 'More of the street around the model',
			output: 'url',
			...fastPolling,
		},
		E2E_OFFICIAL_CREDENTIAL,
		{ name: 'Expand' },
	),
	klingOfficial(
		{
			operation: 'multiImage',
			multiImageModel: 'kling-v2-1',
			prompt: 'Both looks side by side in a shop window',
			subjectImages: {
				subject: [
					{ source: 'url', imageUrl: "={{ $('Try-On').item.json.url }}" },
					{ source: 'url', imageUrl: '={{ $json.url }}' },
				],
			},
			aspectRatio: '3:2',
			output: 'binary',
			...fastPolling,
		},
		E2E_OFFICIAL_CREDENTIAL,
		{ name: 'Multi-Image' },
	),
	klingOfficial(
		{ operation: 'getTask', taskType: 'expand', taskId: "={{ $('Expand').item.json.taskId }}", taskOutput: 'task' },
		E2E_OFFICIAL_CREDENTIAL,
		{ name: 'Get Task' },
	),
	klingOfficial(
		{ operation: 'getTask', taskId: "={{ $('Try-On').item.json.taskId }}", taskOutput: 'task' },
		E2E_OFFICIAL_CREDENTIAL,
		{ name: 'Get Task Any Type' },
	),
	klingOfficial(
		{ resource: 'account', operation: 'getCosts', startTime: START, endTime: END },
		E2E_OFFICIAL_CREDENTIAL,
		{ name: 'Get Costs' },
	),
]);

let bed: Testbed;
let official: FakeKlingOfficialServer;
let run: IRun;
const person = promptPng('a person standing', 0, 64);

beforeAll(async () => {
	bed = await startTestbed({ official: { taskDurationMs: TASK_DURATION_MS } });
	official = bed.official!;
	writeFileSync(join(bed.files, 'person.png'), person);
	const garmentUrl = `${official.baseUrl}/garments/red-shirt.png`;
	const json = JSON.stringify(workflow).replaceAll(FILES, bed.files).replaceAll(GARMENT, garmentUrl);
	await bed.n8n.importWorkflows([JSON.parse(json)]);
	run = await bed.n8n.executeOk(workflow.id);
});

afterAll(async () => await bed?.close());

/** The one task of `family` the run created. */
function createdTask(family: keyof typeof FAMILY_PATHS) {
	const tasks = official.created.filter((task) => task.family === family);
	expect(tasks).toHaveLength(1);
	return tasks[0];
}

test('the run created one task of each family, in workflow order, each under its own path', () => {
	expect(official.created.map((task) => task.family)).toEqual(['tryOn', 'expand', 'multiImage']);
	expect(official.createAttempts).toBe(3);
	// Only Any Type reads under other families: those listed before try-on, once each.
	expect(official.misreads).toBe(TASK_FAMILIES.indexOf('tryOn'));
	for (const task of official.created) expect(official.statusPolls.get(task.taskId)).toBeGreaterThanOrEqual(1);
});

test('Virtual Try-On: the photo from disk as base64 and the garment URL; one binary image out', () => {
	const task = createdTask('tryOn');
	expect(task.body).toEqual({
		model_name: 'kolors-virtual-try-on-v1-5',
		human_image: person.toString('base64'),
		cloth_image: `${official.baseUrl}/garments/red-shirt.png`,
		external_task_id: expect.stringMatching(/^n8n-kling-/),
	});
	const items = nodeOutput(run, 'Try-On');
	expect(items).toHaveLength(1);
	const [item] = items;
	expect(item.json).toMatchObject({ taskId: task.taskId, model: 'kolors-virtual-try-on-v1-5', unitsDeducted: 4 });
	const served = official.imageBytesFor(String(item.json.url));
	expect(served).toBeDefined();
	expect(item.binary?.data).toMatchObject({ mimeType: 'image/png', fileExtension: 'png' });
	expect(readFileSync(bed.n8n.binaryDataPath(String(item.binary?.data.id)))).toEqual(served);
});

test("Expand: the try-on's image bytes and the four ratios; an image URL out", () => {
	const task = createdTask('expand');
	const tryOnUrl = String(nodeOutput(run, 'Try-On')[0].json.url);
	expect(task.body).toMatchObject({
		image: official.imageBytesFor(tryOnUrl)!.toString('base64'),
		up_expansion_ratio: 0.5,
		down_expansion_ratio: 0.5,
		left_expansion_ratio: 0.25,
		right_expansion_ratio: 0,
		prompt: 'More of the street around the model',
	});
	const [item] = nodeOutput(run, 'Expand');
	expect(item.json).toMatchObject({ taskId: task.taskId, unitsDeducted: 1.5 });
	expect(official.imageBytesFor(String(item.json.url))).toBeDefined();
	expect(item.binary).toBeUndefined();
});

test('Multi-Image Reference: two subject images (URLs the fake served), a binary image out', () => {
	const task = createdTask('multiImage');
	const urlOf = (node: string) => String(nodeOutput(run, node)[0].json.url);
	expect(task.body).toMatchObject({
		model_name: 'kling-v2-1',
		prompt: 'Both looks side by side in a shop window',
		aspect_ratio: '3:2',
		subject_image_list: [{ subject_image: urlOf('Try-On') }, { subject_image: urlOf('Expand') }],
	});
	const [item] = nodeOutput(run, 'Multi-Image');
	expect(item.json).toMatchObject({ taskId: task.taskId, model: 'kling-v2-1', unitsDeducted: 2 });
	const served = official.imageBytesFor(String(item.json.url));
	expect(served).toBeDefined();
	expect(readFileSync(bed.n8n.binaryDataPath(String(item.binary?.data.id)))).toEqual(served);
});

test('Get Task with Task Type Expand reads the expand task (a read under another family would miss)', () => {
	const expand = createdTask('expand');
	const [item] = nodeOutput(run, 'Get Task');
	expect(item.json).toMatchObject({ task_id: expand.taskId, task_status: 'succeed' });
	const images = (item.json.task_result as { images: Array<{ url: string }> }).images;
	expect(images.map((image) => image.url)).toEqual([nodeOutput(run, 'Expand')[0].json.url]);
});

test('Get Task with Task Type left at Any Type finds the try-on task under its own path', () => {
	const tryOn = createdTask('tryOn');
	const [item] = nodeOutput(run, 'Get Task Any Type');
	expect(item.json).toMatchObject({ task_id: tryOn.taskId, task_status: 'succeed', unitsDeducted: 4 });
});

test('Get Costs: one query with the period in Unix ms, one item per resource pack', () => {
	expect(official.costsCalls).toBe(1);
	expect(official.costsQueries).toEqual([{ start_time: String(Date.parse(START)), end_time: String(Date.parse(END)) }]);
	const packs = nodeOutput(run, 'Get Costs').map((item) => item.json);
	expect(packs.map((pack) => pack.resource_pack_name)).toEqual(['Image Trial Pack', 'Monthly Pack']);
	expect(packs[0]).toMatchObject({ remaining_quantity: 187.5, resource_pack_type: 'decreasing_total' });
});
