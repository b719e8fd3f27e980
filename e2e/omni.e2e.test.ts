/**
 * Omni-Image in a real n8n: a single task with a photo from disk, an image URL and one of Kling's
 * preset elements, then a series of kling-v3-omni from the first image it made (binary) and an
 * element, downloaded as binary; Generate with kling-v3 and an element; AI Multi-Shot of the first image, its three
 * views downloaded as binary; and a series of auto length. Element ids are longs past 2^53: they must reach the API
 * with every digit.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { IRun } from 'n8n-workflow';

import { nodeOutput } from '../scripts/lib/n8nInstance';
import { klingOfficial, linearWorkflow, manualTrigger, readFiles } from '../scripts/lib/workflows';
import { promptPng } from '../test/support/fakeImages';
import type { FakeKlingOfficialServer } from '../test/support/fakeKlingOfficialServer';
import { E2E_OFFICIAL_CREDENTIAL, startTestbed } from './support/testbed';
import type { Testbed } from './support/testbed';

const FILES = '__FILES__';
const SCENE = '__SCENE__';
const fast = { options: { pollInterval: 0.5 } };

let bed: Testbed;
let official: FakeKlingOfficialServer;
let run: IRun;
const photo = promptPng('a perfume bottle', 0, 64);

const locator = (value: string) => ({ __rl: true, mode: 'list', value });

function workflowFor(presetA: string, presetB: string) {
	return linearWorkflow('e2eOmniImage0001', 'e2e: omni single, omni series, generate with elements', [
		manualTrigger(),
		readFiles(`${FILES}/photo.png`, 'Photo'),
		klingOfficial(
			{
				operation: 'omniImage',
				prompt: '<<<image_1>>> on a shelf beside <<<image_2>>>',
				referenceImages: { image: [{ source: 'binary', binaryPropertyName: 'data' }, { source: 'url', imageUrl: SCENE }] },
				elements: { element: [{ id: locator(presetA) }] },
				n: 2,
				output: 'binary',
				...fast,
			},
			E2E_OFFICIAL_CREDENTIAL,
			{ name: 'Omni Single' },
		),
		klingOfficial(
			{
				operation: 'omniImage',
				omniModel: 'kling-v3-omni',
				prompt: "<<<image_1>>> in three seasons",
				referenceImages: { image: [{ source: 'binary', binaryPropertyName: 'data' }] },
				elements: { element: [{ id: { __rl: true, mode: 'id', value: presetB } }] },
				resultType: 'series',
				seriesAmount: 3,
				omniResolution: '4k',
				output: 'binary',
				...fast,
			},
			E2E_OFFICIAL_CREDENTIAL,
			{ name: 'Omni Series', executeOnce: true },
		),
		klingOfficial(
			{ modelName: 'kling-v3', prompt: 'a portrait', elements: { element: [{ id: locator(presetA) }] }, output: 'url', ...fast },
			E2E_OFFICIAL_CREDENTIAL,
			{ name: 'Generate v3', executeOnce: true },
		),
		klingOfficial(
			{
				operation: 'multiShot',
				frontImageSource: 'url',
				frontImageUrl: "={{ $('Omni Single').first().json.url }}",
				output: 'binary',
				...fast,
			},
			E2E_OFFICIAL_CREDENTIAL,
			{ name: 'Multi-Shot', executeOnce: true },
		),
		klingOfficial(
			{
				operation: 'omniImage',
				omniModel: 'kling-v3-omni',
				prompt: 'a lighthouse through the day',
				omniAspectRatio: '16:9',
				resultType: 'series',
				seriesAmount: 'auto',
				output: 'url',
				...fast,
			},
			E2E_OFFICIAL_CREDENTIAL,
			{ name: 'Omni Auto Series', executeOnce: true },
		),
	]);
}

beforeAll(async () => {
	bed = await startTestbed({ official: { taskDurationMs: 800 } });
	official = bed.official!;
	writeFileSync(join(bed.files, 'photo.png'), photo);
	const [presetA, presetB] = official.presetElements.map((element) => element.element_id);
	const workflow = workflowFor(presetA, presetB);
	const scene = `${official.baseUrl}/scenes/shelf.png`;
	await bed.n8n.importWorkflows([JSON.parse(JSON.stringify(workflow).replaceAll(FILES, bed.files).replaceAll(SCENE, scene))]);
	run = await bed.n8n.executeOk(workflow.id);
});

afterAll(async () => await bed?.close());

test('Omni single: the photo from disk, the URL and the element, in order; one item per image', () => {
	const [task] = official.created.filter((created) => created.family === 'omniImage' && created.body.result_type === undefined);
	expect(task.body).toMatchObject({
		model_name: 'kling-image-o1',
		image_list: [{ image: photo.toString('base64') }, { image: `${official.baseUrl}/scenes/shelf.png` }],
		element_list: [{ element_id: official.presetElements[0].element_id }],
		n: 2,
		aspect_ratio: 'auto',
	});
	const items = nodeOutput(run, 'Omni Single');
	expect(items.map((item) => [item.json.taskId, item.json.index, item.json.resultType])).toEqual([
		[task.taskId, 0, 'single'],
		[task.taskId, 1, 'single'],
	]);
});

test('Omni series: three images from series_images, each downloaded as binary; the element id keeps every digit', () => {
	const [task] = official.created.filter((created) => created.body.result_type === 'series');
	const firstSingle = nodeOutput(run, 'Omni Single')[0];
	expect(task.body.image_list).toEqual([{ image: official.imageBytesFor(String(firstSingle.json.url))!.toString('base64') }]);
	expect(task.body).toMatchObject({
		model_name: 'kling-v3-omni',
		series_amount: 3,
		resolution: '4k',
		element_list: [{ element_id: official.presetElements[1].element_id }],
	});
	const items = nodeOutput(run, 'Omni Series');
	expect(items.map((item) => [item.json.index, item.json.resultType])).toEqual([
		[0, 'series'],
		[1, 'series'],
		[2, 'series'],
	]);
	for (const item of items) {
		expect(readFileSync(bed.n8n.binaryDataPath(String(item.binary?.data.id)))).toEqual(official.imageBytesFor(String(item.json.url)));
	}
});

test('Generate with kling-v3 sends the element list', () => {
	const [task] = official.created.filter((created) => created.family === 'generation');
	expect(task.body).toMatchObject({ model_name: 'kling-v3', element_list: [{ element_id: official.presetElements[0].element_id }] });
	expect(nodeOutput(run, 'Generate v3')).toHaveLength(1);
});

test('Multi-Shot: the front image by URL, three views out, each downloaded as binary with its view and task', () => {
	const [task] = official.created.filter((created) => created.family === 'multiShot');
	expect(task.body.element_frontal_image).toBe(String(nodeOutput(run, 'Omni Single')[0].json.url));
	const items = nodeOutput(run, 'Multi-Shot');
	expect(items.map((item) => [item.json.index, item.json.source, item.json.taskId])).toEqual([
		[0, 'url_1', task.taskId],
		[1, 'url_2', task.taskId],
		[2, 'url_3', task.taskId],
	]);
	for (const item of items) {
		expect(readFileSync(bed.n8n.binaryDataPath(String(item.binary?.data.id)))).toEqual(official.imageBytesFor(String(item.json.url)));
	}
});

test('Omni series of auto length: "auto" is sent, and every image Kling chose to make comes out', () => {
	const [task] = official.created.filter((created) => created.body.series_amount === 'auto');
	expect(task.body).toMatchObject({ model_name: 'kling-v3-omni', result_type: 'series' });
	const items = nodeOutput(run, 'Omni Auto Series');
	// The fake makes five images for `auto`.
	expect(items.map((item) => [item.json.index, item.json.source])).toEqual([0, 1, 2, 3, 4].map((index) => [index, 'series_images']));
	expect(items.every((item) => item.json.warning === undefined)).toBe(true);
});
