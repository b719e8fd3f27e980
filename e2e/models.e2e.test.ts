/**
 * The gateway's Model parameter in a real n8n: a workflow saved before Model became a list holds a
 * plain string, a newer one a resource-locator value; both send the model they name.
 */
import { nodeOutput } from '../scripts/lib/n8nInstance';
import { kling, linearWorkflow, manualTrigger } from '../scripts/lib/workflows';
import { E2E_CREDENTIAL, startTestbed } from './support/testbed';
import type { Testbed } from './support/testbed';

const models = [
	['as saved before the list: a plain string', 'e2eModelString01', 'kling-img-v1-saved-as-text'],
	['picked from the list', 'e2eModelFromList', { __rl: true, mode: 'list', value: 'kling-img-v1', cachedResultName: 'kling-img-v1' }],
	['typed by ID', 'e2eModelById0001', { __rl: true, mode: 'id', value: 'kling-img-v1-typed' }],
] as const;

const workflow = (id: string, model: unknown) =>
	linearWorkflow(id, `e2e: model ${id}`, [manualTrigger(), kling({ model: model as string, prompt: 'A blue door', output: 'url' }, E2E_CREDENTIAL)]);

let bed: Testbed;

beforeAll(async () => {
	bed = await startTestbed();
	await bed.n8n.importWorkflows(models.map(([, id, model]) => workflow(id, model)));
});
afterAll(async () => await bed?.close());
beforeEach(() => bed?.fake.clear());

test.each(models)('Model %s', async (_name, id, model) => {
	const expected = typeof model === 'string' ? model : model.value;
	const run = await bed.n8n.executeOk(id);
	expect(bed.fake.requests.map((request) => (request.body as { model: string }).model)).toEqual([expected]);
	expect(nodeOutput(run, 'Kling')[0].json.model).toBe(expected);
});
