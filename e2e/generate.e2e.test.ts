/**
 * Generation through a real n8n: the packed node installed as a community
 * package, workflows imported and run with `n8n execute`, binary data in
 * filesystem mode, against the fake Kling API.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { nodeOutput } from '../scripts/lib/n8nInstance';
import { fixedItems, kling, linearWorkflow, manualTrigger, readFiles, writeFile } from '../scripts/lib/workflows';
import { promptImage } from '../test/support/fakeImages';
import { E2E_CREDENTIAL, startTestbed } from './support/testbed';
import type { Testbed } from './support/testbed';

const credential = E2E_CREDENTIAL;
let bed: Testbed;
// The file nodes' folder is only known once the testbed exists; this placeholder is swapped in the workflow JSON.
const FILES = '__FILES__';

const workflows = {
	url: linearWorkflow('e2eUrlOutput0001', 'e2e: URL output', [
		manualTrigger(),
		...fixedItems([{ prompt: 'A lighthouse on a cliff at dawn' }]),
		kling({ prompt: '={{ $json.prompt }}', output: 'url' }, credential),
	]),
	binary: linearWorkflow('e2eBinaryOut0001', 'e2e: binary output to disk', [
		manualTrigger(),
		...fixedItems([{ prompt: 'A red fox asleep in the snow' }]),
		kling({ prompt: '={{ $json.prompt }}', output: 'binary' }, credential),
		writeFile(`=${FILES}/written-{{ $itemIndex }}.{{ $binary.data.fileExtension }}`),
	]),
	several: linearWorkflow('e2eSeveralN00001', 'e2e: n > 1', [
		manualTrigger(),
		...fixedItems([{ prompt: 'Three cats on a sofa' }]),
		kling({ prompt: '={{ $json.prompt }}', n: 3, output: 'url' }, credential),
	]),
	expressions: linearWorkflow('e2eExpressions01', 'e2e: several items with expressions', [
		manualTrigger(),
		...fixedItems([
			{ subject: 'a fox', style: 'ukiyo-e', count: 1, ratio: '16:9' },
			{ subject: 'a robot', style: 'pixel art', count: 2, ratio: '1:1' },
		]),
		kling(
			{
				prompt: '={{ $json.subject }} in {{ $json.style }} style',
				n: '={{ $json.count }}',
				aspectRatio: '={{ $json.ratio }}',
				output: 'url',
			},
			credential,
		),
	]),
	reference: linearWorkflow('e2eReference0001', 'e2e: reference image from a binary field', [
		manualTrigger(),
		readFiles(`${FILES}/reference.png`),
		kling(
			{
				prompt: 'The same scene at night',
				imageSource: 'binary',
				binaryPropertyName: 'data',
				imageFidelity: 0.8,
				output: 'url',
			},
			credential,
		),
	]),
};

beforeAll(async () => {
	bed = await startTestbed();
	const json = JSON.stringify(Object.values(workflows)).replaceAll(FILES, bed.files);
	await bed.n8n.importWorkflows(JSON.parse(json));
});

afterAll(async () => await bed?.close());

beforeEach(() => bed.fake.clear());

test('URL output: one item with the image URL and the request details', async () => {
	const run = await bed.n8n.executeOk(workflows.url.id);
	const items = nodeOutput(run, 'Kling');
	expect(items).toHaveLength(1);
	expect(items[0].json).toMatchObject({
		url: bed.fake.generated[0].url,
		index: 0,
		model: 'kling-img-v1',
		prompt: 'A lighthouse on a cliff at dawn',
	});
	expect(items[0].binary).toBeUndefined();
	expect(bed.fake.requests).toHaveLength(1);
	expect(bed.fake.requests[0].body).toMatchObject({ prompt: 'A lighthouse on a cliff at dawn', n: 1 });
	expect(bed.fake.requests[0].headers.authorization).toBe('Bearer e2e-key');
});

test('binary output in filesystem mode: the bytes served, with MIME type and file name, readable by the next node', async () => {
	const run = await bed.n8n.executeOk(workflows.binary.id);
	const [item] = nodeOutput(run, 'Kling');
	const served = bed.fake.imageBytesFor(String(item.json.url));
	expect(served).toBeDefined();
	const binary = item.binary?.data;
	expect(binary).toMatchObject({ mimeType: 'image/png', fileExtension: 'png', fileType: 'image' });
	expect(binary?.fileName).toMatch(/^kling-.+\.png$/);
	// Filesystem mode: the item holds a reference, the bytes are in n8n's binary data folder.
	expect(binary?.id).toMatch(/^filesystem(-v2)?:/);
	expect(readFileSync(bed.n8n.binaryDataPath(String(binary?.id)))).toEqual(served);
	const [written] = nodeOutput(run, 'Write Files');
	expect(written.json.fileName).toBe(join(bed.files, 'written-0.png'));
	expect(readFileSync(join(bed.files, 'written-0.png'))).toEqual(served);
});

test('n > 1: one request, one item per image, all paired with the input item', async () => {
	const run = await bed.n8n.executeOk(workflows.several.id);
	const items = nodeOutput(run, 'Kling');
	expect(items.map((item) => item.json.index)).toEqual([0, 1, 2]);
	expect(new Set(items.map((item) => item.json.url)).size).toBe(3);
	expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 0 }, { item: 0 }]);
	expect(bed.fake.requests.map((request) => request.body.n)).toEqual([3]);
});

test('several items with expressions: each item gets its own prompt, count and aspect ratio', async () => {
	const run = await bed.n8n.executeOk(workflows.expressions.id);
	const items = nodeOutput(run, 'Kling');
	expect(items.map((item) => [item.json.prompt, item.pairedItem])).toEqual([
		['a fox in ukiyo-e style', { item: 0 }],
		['a robot in pixel art style', { item: 1 }],
		['a robot in pixel art style', { item: 1 }],
	]);
	const bodies = bed.fake.requests.map((request) => request.body).sort((a, b) => a.prompt.localeCompare(b.prompt));
	expect(bodies).toMatchObject([
		{ prompt: 'a fox in ukiyo-e style', n: 1, aspect_ratio: '16:9' },
		{ prompt: 'a robot in pixel art style', n: 2, aspect_ratio: '1:1' },
	]);
});

test('reference image from a binary field read from disk: sent as base64 with its fidelity', async () => {
	const reference = promptImage('png', 'reference picture', 0);
	writeFileSync(join(bed.files, 'reference.png'), reference);
	const run = await bed.n8n.executeOk(workflows.reference.id);
	expect(nodeOutput(run, 'Kling')).toHaveLength(1);
	expect(bed.fake.requests).toHaveLength(1);
	expect(bed.fake.requests[0].body).toMatchObject({
		prompt: 'The same scene at night',
		image: reference.toString('base64'),
		image_fidelity: 0.8,
	});
});
