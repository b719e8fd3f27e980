/**
 * The workflows in examples/: each imports into a real n8n, uses only node types
 * and versions that n8n (and this package) has, and example 1 runs as shipped
 * except for its credential and folder.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import type { INode, INodeTypeDescription } from 'n8n-workflow';

import { nodeOutput } from '../scripts/lib/n8nInstance';
import { repoRoot } from '../scripts/lib/paths';
import { KLING_CREDENTIAL_TYPE } from '../scripts/lib/workflows';
import { e2eSetup, startTestbed } from './support/testbed';
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
beforeAll(async () => (bed = await startTestbed()));
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
