/** Failures through a real n8n: Continue On Fail, a refused key, a rate limit that passes. */
import { nodeOutput } from '../scripts/lib/n8nInstance';
import { KLING_CREDENTIAL_TYPE, fixedItems, kling, linearWorkflow, manualTrigger } from '../scripts/lib/workflows';
import { E2E_CREDENTIAL, startTestbed } from './support/testbed';
import type { Testbed } from './support/testbed';

const WRONG_KEY = 'sk-e2e-wrong-key-3141592653';
const wrongCredential = { id: 'klingE2eWrongKey', name: 'Kling API (wrong key)' };
let bed: Testbed;

const workflows = {
	continueOnFail: linearWorkflow('e2eContinueFail1', 'e2e: Continue On Fail', [
		manualTrigger(),
		...fixedItems([{ prompt: 'A good first prompt' }, { prompt: '' }, { prompt: 'A good third prompt' }]),
		kling({ prompt: '={{ $json.prompt }}', output: 'url' }, E2E_CREDENTIAL, { onError: 'continueRegularOutput' }),
	]),
	wrongKey: linearWorkflow('e2eWrongKey00001', 'e2e: refused key', [
		manualTrigger(),
		...fixedItems([{ prompt: 'Anything at all' }]),
		kling({ prompt: '={{ $json.prompt }}', output: 'url' }, wrongCredential),
	]),
	rateLimited: linearWorkflow('e2eRateLimited01', 'e2e: rate limited once', [
		manualTrigger(),
		...fixedItems([{ prompt: 'Patience pays' }]),
		kling({ prompt: '={{ $json.prompt }}', output: 'url' }, E2E_CREDENTIAL),
	]),
};

beforeAll(async () => {
	bed = await startTestbed({
		credentials: (fake) => [
			{ ...wrongCredential, type: KLING_CREDENTIAL_TYPE, data: { apiKey: WRONG_KEY, baseUrl: fake.baseUrl } },
		],
	});
	await bed.n8n.importWorkflows(Object.values(workflows));
});

afterAll(async () => await bed?.close());

beforeEach(() => bed.fake.clear());

test('Continue On Fail: the bad item becomes an error item in its place, the good ones still run', async () => {
	const run = await bed.n8n.executeOk(workflows.continueOnFail.id);
	const items = nodeOutput(run, 'Kling');
	expect(items).toHaveLength(3);
	const byInput = new Map(items.map((item) => [(item.pairedItem as { item: number }).item, item.json]));
	expect(byInput.get(0)).toMatchObject({ prompt: 'A good first prompt', url: expect.any(String) });
	expect(byInput.get(1)?.error).toMatch(/prompt/i);
	expect(byInput.get(2)).toMatchObject({ prompt: 'A good third prompt', url: expect.any(String) });
	expect(bed.fake.requests).toHaveLength(2);
});

test('401: the run fails with a message that names the key problem and never shows the key', async () => {
	const { run, result } = await bed.n8n.execute(workflows.wrongKey.id);
	expect(result.code).not.toBe(0);
	expect(run?.status).toBe('error');
	const error = run?.data.resultData.error;
	expect(error?.message).toMatch(/refused the API key \(HTTP 401\)/);
	expect(error?.message).toMatch(/credential/i);
	expect(result.stdout + result.stderr).not.toContain(WRONG_KEY);
	expect(bed.fake.attemptLog.map((attempt) => attempt.outcome)).toEqual(['unauthorized']);
});

test('a 429 with Retry-After is retried and the run succeeds', async () => {
	bed.fake.enqueue({ status: 429, headers: { 'Retry-After': '1' } });
	const run = await bed.n8n.executeOk(workflows.rateLimited.id);
	expect(nodeOutput(run, 'Kling')).toHaveLength(1);
	expect(bed.fake.attemptLog.map((attempt) => attempt.outcome)).toEqual(['fault', 'ok']);
});
