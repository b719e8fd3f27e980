/**
 * The element library, Omni-Image with an element and Image → Recognize in one run of a real n8n:
 * Create Element (an element task, waited for) from three photos on disk, the frontal one and two
 * reference views all as binary; List Elements (own); Omni Image naming the new element; Recognize
 * the element's frontal image (binary output); Delete the element by the id Create output. The ids
 * are longs beyond 2^53: a passing run proves they stay exact through n8n's item hand-over and
 * expressions, and reach the API as bare integers (the fake refuses quoted ones).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { IRun } from 'n8n-workflow';

import { nodeOutput } from '../scripts/lib/n8nInstance';
import { code, klingOfficial, linearWorkflow, manualTrigger, readFiles } from '../scripts/lib/workflows';
import { promptPng } from '../test/support/fakeImages';
import type { FakeKlingOfficialServer } from '../test/support/fakeKlingOfficialServer';
import { E2E_OFFICIAL_CREDENTIAL, startTestbed } from './support/testbed';
import type { Testbed } from './support/testbed';

// The file folder is only known once the testbed exists; this placeholder is swapped in the workflow JSON.
const FILES = '__FILES__';
const fast = { options: { pollInterval: 0.5 } };

/** The three photos as one item with three binary fields, named after their files. */
const ONE_ITEM = `const fields = {};
for (const item of $input.all()) fields[item.binary.data.fileName.replace(/\\.png$/, '')] = item.binary.data;
return [{ json: {}, binary: fields }];`;

const workflow = linearWorkflow('e2eElements0001', 'e2e: element task, list, omni with the element, recognize, delete', [
	manualTrigger(),
	readFiles(`${FILES}/*.png`, 'Photos'),
	code(ONE_ITEM, 'One Item'),
	klingOfficial(
		{
			resource: 'element',
			operation: 'create',
			elementName: 'Mia',
			elementDescription: 'A girl in a red coat',
			frontalImageSource: 'binary',
			frontalImageBinaryField: 'face',
			elementReferenceImages: { image: [{ source: 'binary', binaryPropertyName: 'side, back' }] },
			tags: ['o_102'],
			...fast,
		},
		E2E_OFFICIAL_CREDENTIAL,
		{ name: 'Create Element' },
	),
	klingOfficial({ resource: 'element', operation: 'list', elementList: 'own', returnAll: true }, E2E_OFFICIAL_CREDENTIAL, { name: 'List Elements' }),
	klingOfficial(
		{
			operation: 'omniImage',
			prompt: 'The girl on a beach',
			omniAspectRatio: '16:9',
			elements: { element: [{ id: { __rl: true, mode: 'id', value: "={{ $('Create Element').first().json.elementId }}" } }] },
			output: 'url',
			...fast,
		},
		E2E_OFFICIAL_CREDENTIAL,
		{ name: 'Omni Image', executeOnce: true },
	),
	klingOfficial(
		{
			operation: 'recognize',
			inputImageSource: 'url',
			inputImageUrl: "={{ $('Create Element').first().json.frontalImage }}",
			output: 'binary',
			binaryPropertyOutput: 'segment',
		},
		E2E_OFFICIAL_CREDENTIAL,
		{ name: 'Recognize', executeOnce: true },
	),
	klingOfficial(
		{
			resource: 'element',
			operation: 'delete',
			elementId: { __rl: true, mode: 'id', value: "={{ $('Create Element').first().json.elementId }}" },
		},
		E2E_OFFICIAL_CREDENTIAL,
		{ name: 'Delete Element', executeOnce: true },
	),
]);

let bed: Testbed;
let official: FakeKlingOfficialServer;
let run: IRun;
const photos = { face: promptPng('a face', 0, 64), side: promptPng('a side view', 1, 64), back: promptPng('a back view', 2, 64) };

beforeAll(async () => {
	bed = await startTestbed({ official: { taskDurationMs: 800 } });
	official = bed.official!;
	for (const [name, bytes] of Object.entries(photos)) writeFileSync(join(bed.files, `${name}.png`), bytes);
	const json = JSON.stringify(workflow).replaceAll(FILES, bed.files);
	await bed.n8n.importWorkflows([JSON.parse(json)]);
	run = await bed.n8n.executeOk(workflow.id);
});

afterAll(async () => await bed?.close());

/** The id Create Element output (the element is deleted by the end of the run). */
const createdId = () => String(nodeOutput(run, 'Create Element')[0].json.elementId);

test('Create Element: one element task with the three photos as base64 and the tag; waited for; the long id out exactly, as text', () => {
	const tasks = official.created.filter((task) => task.family === 'element');
	expect(tasks).toHaveLength(1);
	expect(tasks[0].body).toEqual({
		element_name: 'Mia',
		element_description: 'A girl in a red coat',
		reference_type: 'image_refer',
		element_image_list: {
			frontal_image: photos.face.toString('base64'),
			refer_images: [{ image_url: photos.side.toString('base64') }, { image_url: photos.back.toString('base64') }],
		},
		tag_list: [{ tag_id: 'o_102' }],
		external_task_id: expect.stringMatching(/^n8n-kling-/),
	});
	const [item] = nodeOutput(run, 'Create Element');
	expect(item.json).toMatchObject({ name: 'Mia', status: 'succeed', taskId: tasks[0].taskId, elementType: 'image_refer', tags: [{ id: 'o_102', name: 'character' }] });
	expect(item.json.referenceImages).toHaveLength(2);
	expect(typeof item.json.elementId).toBe('string');
	expect(BigInt(createdId()) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
});

test('List Elements lists the new element under the same id', () => {
	expect(nodeOutput(run, 'List Elements').map((item) => item.json.elementId)).toEqual([createdId()]);
});

test('Omni Image names the element in element_list, every digit there', () => {
	const [task] = official.created.filter((created) => created.family === 'omniImage');
	expect(task.body.element_list).toEqual([{ element_id: createdId() }]);
	expect(nodeOutput(run, 'Omni Image').map((item) => item.json.taskId)).toEqual([task.taskId]);
});

test('Recognize: one item per kind, the found ones downloaded as binary', () => {
	const items = nodeOutput(run, 'Recognize');
	expect(items.map((item) => `${item.json.kind}:${item.json.isContain}`)).toEqual(['object:true', 'head:true', 'face:true', 'cloth:true']);
	expect(official.recognizeCalls).toEqual([{ image: nodeOutput(run, 'Create Element')[0].json.frontalImage }]);
	for (const item of items) {
		expect(item.json.unitsDeducted).toBe(0.2);
		const served = official.imageBytesFor(String(item.json.url));
		expect(readFileSync(bed.n8n.binaryDataPath(String(item.binary?.segment.id)))).toEqual(served);
	}
});

test('Delete Element: once, with the exact id; the library is empty after', () => {
	const deletes = official.elementCalls.filter((call) => call.path === '/v1/general/delete-elements');
	expect(deletes.map((call) => call.body)).toEqual([{ element_id: createdId() }]);
	expect(nodeOutput(run, 'Delete Element').map((item) => item.json)).toEqual([{ elementId: createdId(), deleted: true }]);
	expect(official.ownElements()).toEqual([]);
});
