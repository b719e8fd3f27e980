/**
 * The workflows in examples/: each imports into a real n8n, uses only node types
 * and versions that n8n (and this package) has, and examples 1 and 6 run as shipped
 * except for their credential and folder.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { INode, INodeTypeDescription } from 'n8n-workflow';

import { nodeOutput } from '../scripts/lib/n8nInstance';
import { repoRoot } from '../scripts/lib/paths';
import { KLING_CREDENTIAL_TYPE, KLING_OFFICIAL_CREDENTIAL_TYPE } from '../scripts/lib/workflows';
import { promptJpeg, promptPng } from '../test/support/fakeImages';
import { E2E_OFFICIAL_CREDENTIAL, e2eSetup, startTestbed } from './support/testbed';
import type { Testbed } from './support/testbed';

const EXAMPLES = join(repoRoot, 'examples');
const files = readdirSync(EXAMPLES).filter((name) => name.endsWith('.json'));
const example = (file: string) => JSON.parse(readFileSync(join(EXAMPLES, file), 'utf8'));

/** Node types n8n ships (`<package>.<name>` → versions), from the descriptions its packages publish. */
function shippedNodeTypes(): Map<string, number[]> {
	const types = new Map<string, number[]>();
	const { runtime } = e2eSetup();
	for (const pkg of ['n8n-nodes-base', '@n8n/n8n-nodes-langchain']) {
		const file = join(runtime.dir, 'node_modules', pkg, 'dist', 'types', 'nodes.json');
		for (const description of JSON.parse(readFileSync(file, 'utf8')) as INodeTypeDescription[]) {
			const name = `${pkg}.${description.name}`;
			types.set(name, [...(types.get(name) ?? []), ...[description.version].flat()]);
		}
	}
	return types;
}

/** This package's nodes as built: each type's versions and parameter names (the tool variant n8n makes of Kling has two more). */
function packageNodes(): Map<string, { versions: number[]; parameters: Set<string> }> {
	const nodes = new Map<string, { versions: number[]; parameters: Set<string> }>();
	const load = (folder: string, className: string): INodeTypeDescription => {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const module = require(join(repoRoot, 'dist', 'nodes', folder, `${folder}.node.js`));
		return new module[className]().description;
	};
	const kling = load('Kling', 'Kling');
	const trigger = load('KlingTrigger', 'KlingTrigger');
	const entry = (description: INodeTypeDescription, more: string[] = []) => ({
		versions: [description.version].flat(),
		parameters: new Set([...description.properties.map((property) => property.name), ...more]),
	});
	nodes.set(`n8n-nodes-kling.${kling.name}`, entry(kling));
	nodes.set(`n8n-nodes-kling.${kling.name}Tool`, entry(kling, ['descriptionType', 'toolDescription']));
	nodes.set(`n8n-nodes-kling.${trigger.name}`, entry(trigger));
	return nodes;
}

let bed: Testbed;
beforeAll(async () => (bed = await startTestbed({ official: { taskDurationMs: 600 } })));
afterAll(async () => await bed?.close());

test('there are examples', () => {
	expect(files.length).toBeGreaterThanOrEqual(3);
});

test.each(files)('%s uses node types and versions this n8n and this package have', (file) => {
	const known = shippedNodeTypes();
	const ours = packageNodes();
	for (const [type, { versions }] of ours) known.set(type, versions);
	for (const node of example(file).nodes as INode[]) {
		expect([node.type, known.get(node.type)?.includes(node.typeVersion)]).toEqual([node.type, true]);
		const parameters = ours.get(node.type)?.parameters;
		if (!parameters) continue;
		const unknown = Object.keys(node.parameters).filter((name) => !parameters.has(name));
		expect([node.name, unknown]).toEqual([node.name, []]);
	}
});

test.each(files)('%s imports with n8n import:workflow', async (file) => {
	const result = await bed.n8n.cli(['import:workflow', `--input=${join(EXAMPLES, file)}`]);
	expect(result.stdout).toContain('Successfully imported 1 workflow');
	expect(result.code).toBe(0);
	expect(result.stderr).not.toMatch(/error/i);
});

test('01-prompts-to-files.json runs: three prompts, three image files', async () => {
	const workflow = example('01-prompts-to-files.json');
	workflow.id = 'e2eExample01Run1';
	for (const node of workflow.nodes as INode[]) {
		if (node.type === 'n8n-nodes-kling.kling') node.credentials = { [KLING_CREDENTIAL_TYPE]: bed.credential };
		if (node.type === 'n8n-nodes-base.readWriteFile') {
			node.parameters.fileName = String(node.parameters.fileName).replace('=/tmp/', `=${bed.files}/`);
		}
	}
	await bed.n8n.importWorkflows([workflow]);
	const run = await bed.n8n.executeOk(workflow.id);
	const prompts = JSON.parse(
		workflow.nodes.find((node: INode) => node.name === 'Prompts').parameters.jsonOutput,
	).prompts;
	const written = nodeOutput(run, 'Write image files');
	expect(written.map((item) => item.json.prompt)).toEqual(prompts);
	expect(bed.fake.requests).toHaveLength(3);
	for (const item of written) {
		expect(readFileSync(String(item.json.fileName))).toEqual(bed.fake.imageBytesFor(String(item.json.url)));
	}
});

test('06-virtual-try-on-product-photos.json runs: each garment photo on the model photo, one file per garment', async () => {
	const folder = join(bed.files, 'try-on');
	mkdirSync(join(folder, 'products'), { recursive: true });
	const model = promptJpeg('the model', 0, 64);
	writeFileSync(join(folder, 'model.jpg'), model);
	const garments = { 'blue-coat.png': promptPng('blue coat', 0, 64), 'red-shirt.jpg': promptJpeg('red shirt', 0, 64) };
	for (const [name, bytes] of Object.entries(garments)) writeFileSync(join(folder, 'products', name), bytes);
	const text = readFileSync(join(EXAMPLES, '06-virtual-try-on-product-photos.json'), 'utf8');
	const workflow = JSON.parse(text.replaceAll('/tmp/kling-try-on/', `${folder}/`));
	workflow.id = 'e2eExample06Run1';
	for (const node of workflow.nodes as INode[]) {
		if (node.type === 'n8n-nodes-kling.kling') node.credentials = { [KLING_OFFICIAL_CREDENTIAL_TYPE]: E2E_OFFICIAL_CREDENTIAL };
	}
	await bed.n8n.importWorkflows([workflow]);
	const run = await bed.n8n.executeOk(workflow.id);
	const official = bed.official!;
	const byGarment = new Map(official.created.map((task) => [task.body.cloth_image, task]));
	expect(official.created.map((task) => task.family)).toEqual(['tryOn', 'tryOn']);
	const written = nodeOutput(run, 'Write try-on images');
	expect(written.map((item) => item.json.fileName).sort()).toEqual(
		['blue-coat-try-on.png', 'red-shirt-try-on.png'].map((name) => join(folder, name)),
	);
	for (const [name, bytes] of Object.entries(garments)) {
		const task = byGarment.get(bytes.toString('base64'));
		expect(task?.body.human_image).toBe(model.toString('base64'));
		const item = written.find((entry) => entry.json.taskId === task?.taskId);
		expect(item?.json.fileName).toBe(join(folder, `${name.replace(/\.[^.]+$/, '')}-try-on.png`));
		expect(readFileSync(String(item?.json.fileName))).toEqual(official.imageBytesFor(String(item?.json.url)));
	}
});

test('07-omni-product-series.json runs: one product photo, a series of four scene files', async () => {
	const folder = join(bed.files, 'omni');
	mkdirSync(folder, { recursive: true });
	const product = promptJpeg('the product', 0, 64);
	writeFileSync(join(folder, 'product.jpg'), product);
	const text = readFileSync(join(EXAMPLES, '07-omni-product-series.json'), 'utf8');
	const workflow = JSON.parse(text.replaceAll('/tmp/kling-omni/', `${folder}/`));
	workflow.id = 'e2eExample07Run1';
	for (const node of workflow.nodes as INode[]) {
		if (node.type === 'n8n-nodes-kling.kling') node.credentials = { [KLING_OFFICIAL_CREDENTIAL_TYPE]: E2E_OFFICIAL_CREDENTIAL };
	}
	await bed.n8n.importWorkflows([workflow]);
	const run = await bed.n8n.executeOk(workflow.id);
	const official = bed.official!;
	const [task] = official.created.filter((created) => created.family === 'omniImage');
	expect(task.body).toMatchObject({ model_name: 'kling-v3-omni', result_type: 'series', series_amount: 4 });
	expect(task.body.image_list).toEqual([{ image: product.toString('base64') }]);
	const written = nodeOutput(run, 'Write scene images');
	expect(written.map((item) => item.json.fileName)).toEqual([1, 2, 3, 4].map((n) => join(folder, `scene-${n}.png`)));
	for (const item of written) {
		expect(readFileSync(String(item.json.fileName))).toEqual(official.imageBytesFor(String(item.json.url)));
	}
});

test('08-multi-shot-element-series.json runs: a photo, three views, an element of them, a series with the element, three files', async () => {
	const folder = join(bed.files, 'element');
	mkdirSync(folder, { recursive: true });
	const product = promptJpeg('the product', 0, 64);
	writeFileSync(join(folder, 'product.jpg'), product);
	const text = readFileSync(join(EXAMPLES, '08-multi-shot-element-series.json'), 'utf8');
	const workflow = JSON.parse(text.replaceAll('/tmp/kling-element/', `${folder}/`));
	workflow.id = 'e2eExample08Run1';
	for (const node of workflow.nodes as INode[]) {
		if (node.type === 'n8n-nodes-kling.kling') node.credentials = { [KLING_OFFICIAL_CREDENTIAL_TYPE]: E2E_OFFICIAL_CREDENTIAL };
	}
	const official = bed.official!;
	const before = official.created.length;
	await bed.n8n.importWorkflows([workflow]);
	const run = await bed.n8n.executeOk(workflow.id);
	const created = official.created.slice(before);
	const [shot] = created.filter((created) => created.family === 'multiShot');
	expect(shot.body.element_frontal_image).toBe(product.toString('base64'));
	const views = nodeOutput(run, 'Make three views').map((item) => String(item.json.url));
	expect(views).toHaveLength(3);
	const [element] = created.filter((created) => created.family === 'element');
	expect(element.body.element_image_list).toEqual({ frontal_image: product.toString('base64'), refer_images: views.map((url) => ({ image_url: url })) });
	const [made] = nodeOutput(run, 'Create element');
	expect(made.json.elementId).toMatch(/^\d+$/);
	const [series] = created.filter((created) => created.family === 'omniImage');
	expect(series.body).toMatchObject({ model_name: 'kling-v3-omni', result_type: 'series', series_amount: 3, element_list: [{ element_id: made.json.elementId }] });
	const written = nodeOutput(run, 'Write scene images');
	expect(written.map((item) => item.json.fileName)).toEqual([1, 2, 3].map((n) => join(folder, `scene-${n}.png`)));
	for (const item of written) {
		expect(readFileSync(String(item.json.fileName))).toEqual(official.imageBytesFor(String(item.json.url)));
	}
});
