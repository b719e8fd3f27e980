/**
 * The element library and Image → Recognize in one run of a real n8n: Create Element from a photo
 * on disk, List Elements (own), Recognize the element's frontal image (binary output), Delete the
 * element by the id Create output. The ids are longs beyond 2^53: a passing run proves they stay
 * exact through n8n's item hand-over and expressions.
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

// The file folder is only known once the testbed exists; this placeholder is swapped in the workflow JSON.
const FILES = '__FILES__';
const SIDE_VIEW = 'https://example.com/mia-side.png';

const workflow = linearWorkflow('e2eElements0001', 'e2e: element create, list, recognize, delete', [
	manualTrigger(),
	readFiles(`${FILES}/face.png`, 'Face Photo'),
	klingOfficial(
		{
			resource: 'element',
			operation: 'create',
			elementName: 'Mia',
			elementDescription: 'A girl in a red coat',
			frontalImageSource: 'binary',
			frontalImageBinaryField: 'data',
			referenceImageUrls: SIDE_VIEW,
			tags: ['o_102'],
		},
		E2E_OFFICIAL_CREDENTIAL,
		{ name: 'Create Element' },
	),
	klingOfficial({ resource: 'element', operation: 'list', elementList: 'own', returnAll: true }, E2E_OFFICIAL_CREDENTIAL, { name: 'List Elements' }),
	klingOfficial(
		{
			operation: 'recognize',
			inputImageSource: 'url',
			inputImageUrl: "={{ $('Create Element').item.json.frontalImage }}",
			output: 'binary',
			binaryPropertyOutput: 'segment',
		},
		E2E_OFFICIAL_CREDENTIAL,
		{ name: 'Recognize' },
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
const face = promptPng('a face', 0, 64);

beforeAll(async () => {
	bed = await startTestbed({ official: {} });
	official = bed.official!;
	writeFileSync(join(bed.files, 'face.png'), face);
	const json = JSON.stringify(workflow).replaceAll(FILES, bed.files);
	await bed.n8n.importWorkflows([JSON.parse(json)]);
	run = await bed.n8n.executeOk(workflow.id);
});

afterAll(async () => await bed?.close());

/** The id Create Element output (the element is deleted by the end of the run). */
const createdId = () => String(nodeOutput(run, 'Create Element')[0].json.elementId);

test('Create Element: the photo as base64, the side view URL and the tag; the long id out exactly', () => {
	const [create] = official.elementCalls;
	expect(create.body).toEqual({
		element_name: 'Mia',
		element_description: 'A girl in a red coat',
		element_frontal_image: face.toString('base64'),
		element_refer_list: [{ image_url: SIDE_VIEW }],
		tag_list: [{ tag_id: 'o_102' }],
	});
	const [item] = nodeOutput(run, 'Create Element');
	expect(item.json).toMatchObject({ name: 'Mia', ownedBy: 'user', referenceImages: [SIDE_VIEW] });
	expect(typeof item.json.elementId).toBe('string');
	expect(BigInt(String(item.json.elementId)) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
});

test('List Elements lists the new element under the same id', () => {
	expect(nodeOutput(run, 'List Elements').map((item) => item.json.elementId)).toEqual([createdId()]);
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

test('Delete Element: once, with the exact id as text; the library is empty after', () => {
	const deletes = official.elementCalls.filter((call) => call.path === '/v1/general/delete-elements');
	expect(deletes.map((call) => call.body)).toEqual([{ element_id: createdId() }]);
	expect(nodeOutput(run, 'Delete Element').map((item) => item.json)).toEqual([{ elementId: createdId(), deleted: true }]);
	expect(official.ownElements()).toEqual([]);
});
