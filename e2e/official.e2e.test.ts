/**
 * Kling's official asynchronous API through a real n8n: the `klingAiApi` credential
 * signs every request in n8n's own `authenticate` step, and the fake official API
 * verifies each HS256 token with its secret key, so a passing run proves the signing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { nodeOutput } from '../scripts/lib/n8nInstance';
import {
	fixedItems,
	kling,
	klingOfficial,
	linearWorkflow,
	manualTrigger,
	writeFile,
} from '../scripts/lib/workflows';
import type { FakeKlingOfficialServer } from '../test/support/fakeKlingOfficialServer';
import { E2E_CREDENTIAL, E2E_OFFICIAL_CREDENTIAL, officialCredentialFile, startTestbed } from './support/testbed';
import type { Testbed } from './support/testbed';

const ACCESS_KEY = 'ak-e2e-official-0123456789';
const SECRET_KEY = 'sk-e2e-official-secret-2718281828';
const WRONG_SECRET = 'sk-e2e-wrong-secret-1618033988';
const wrongSecretCredential = { id: 'klingE2eWrongSec', name: 'Kling AI (Official) API (wrong secret)' };
const API_KEY = 'kling-e2e-console-api-key-5772156649';
const WRONG_API_KEY = 'kling-e2e-wrong-api-key-1414213562';
const apiKeyCredential = { id: 'klingE2eApiKey01', name: 'Kling AI (Official) API (API key)' };
const wrongApiKeyCredential = { id: 'klingE2eApiKeyBd', name: 'Kling AI (Official) API (wrong API key)' };
// Short tasks and the shortest poll interval keep each run to seconds while still polling at least once.
const TASK_DURATION_MS = 1200;
const fastPolling = { options: { pollInterval: 0.5, maxWait: 1 } };
// The file nodes' folder is only known once the testbed exists; this placeholder is swapped in the workflow JSON.
const FILES = '__FILES__';

let bed: Testbed;
let official: FakeKlingOfficialServer;
/** Task ids created by earlier tests, oldest first (the fake forgets `created` on clear, not the tasks). */
const earlierTasks: string[] = [];

const workflows = {
	url: linearWorkflow('e2eOfficialUrl01', 'e2e: official API, URL output', [
		manualTrigger(),
		...fixedItems([{ prompt: 'A lighthouse on a cliff at dawn' }]),
		klingOfficial(
			{ prompt: '={{ $json.prompt }}', n: 2, aspectRatio: '16:9', output: 'url', ...fastPolling },
			E2E_OFFICIAL_CREDENTIAL,
		),
	]),
	binary: linearWorkflow('e2eOfficialBin01', 'e2e: official API, binary output to disk', [
		manualTrigger(),
		...fixedItems([{ prompt: 'A red fox asleep in the snow' }]),
		klingOfficial({ prompt: '={{ $json.prompt }}', output: 'binary', ...fastPolling }, E2E_OFFICIAL_CREDENTIAL),
		writeFile(`=${FILES}/official-{{ $itemIndex }}.{{ $binary.data.fileExtension }}`),
	]),
	noWait: linearWorkflow('e2eOfficialNoW01', 'e2e: official API, without waiting', [
		manualTrigger(),
		...fixedItems([{ prompt: 'A paper boat on a puddle' }]),
		klingOfficial(
			{ prompt: '={{ $json.prompt }}', modelName: 'kling-v2-1', waitForCompletion: false, output: 'url' },
			E2E_OFFICIAL_CREDENTIAL,
		),
	]),
	discontinued: linearWorkflow('e2eOfficialOld01', 'e2e: official API, a model Kling has discontinued', [
		manualTrigger(),
		...fixedItems([{ prompt: 'An old camera' }]),
		klingOfficial({ prompt: '={{ $json.prompt }}', modelName: 'kling-v1', output: 'url', ...fastPolling }, E2E_OFFICIAL_CREDENTIAL),
	]),
	wrongSecret: linearWorkflow('e2eOfficialBad01', 'e2e: official API, wrong secret key', [
		manualTrigger(),
		...fixedItems([{ prompt: 'Anything at all' }]),
		klingOfficial({ prompt: '={{ $json.prompt }}', output: 'url', ...fastPolling }, wrongSecretCredential),
	]),
	apiKey: linearWorkflow('e2eOfficialKey01', 'e2e: official API, signed in with an API key', [
		manualTrigger(),
		...fixedItems([{ prompt: 'A tram in the rain' }]),
		klingOfficial({ prompt: '={{ $json.prompt }}', output: 'url', ...fastPolling }, apiKeyCredential),
	]),
	wrongApiKey: linearWorkflow('e2eOfficialKey02', 'e2e: official API, a wrong API key', [
		manualTrigger(),
		...fixedItems([{ prompt: 'Anything at all' }]),
		klingOfficial({ prompt: '={{ $json.prompt }}', output: 'url', ...fastPolling }, wrongApiKeyCredential),
	]),
	sideBySide: linearWorkflow('e2eBothCreds0001', 'e2e: gateway and official credentials in one workflow', [
		manualTrigger(),
		...fixedItems([{ prompt: 'Two moons over a quiet harbour' }]),
		kling({ prompt: '={{ $json.prompt }}', output: 'url' }, E2E_CREDENTIAL, { name: 'Kling Gateway' }),
		klingOfficial(
			{ prompt: "={{ $('Items').item.json.prompt }}", output: 'url', ...fastPolling },
			E2E_OFFICIAL_CREDENTIAL,
			{ name: 'Kling Official' },
		),
	]),
};

/** A second workflow, made once the task id is known: Get Task by that id, then List Tasks. */
function readBackWorkflow(taskId: string) {
	return linearWorkflow('e2eOfficialRead1', 'e2e: official API, get and list tasks', [
		manualTrigger(),
		klingOfficial({ operation: 'getTask', taskId, taskOutput: 'task' }, E2E_OFFICIAL_CREDENTIAL, { name: 'Get Task' }),
		klingOfficial({ operation: 'listTasks', returnAll: true }, E2E_OFFICIAL_CREDENTIAL, { name: 'List Tasks' }),
	]);
}

/** The claims every token must carry: the access key, 30 minutes of life, dated 5 s back. */
function expectValidClaims(claims: Record<string, unknown> | undefined): void {
	expect(claims?.iss).toBe(ACCESS_KEY);
	expect(Number(claims?.exp) - Number(claims?.nbf)).toBe(1805);
}

beforeAll(async () => {
	bed = await startTestbed({
		official: { accessKey: ACCESS_KEY, secretKey: SECRET_KEY, apiKey: API_KEY, taskDurationMs: TASK_DURATION_MS },
		credentials: (_fake, fakeOfficial) => [
			officialCredentialFile(wrongSecretCredential, fakeOfficial!, { secretKey: WRONG_SECRET }),
			// Saved the way the credential editor saves the API Key choice: no access key at all.
			...[
				[apiKeyCredential, API_KEY],
				[wrongApiKeyCredential, WRONG_API_KEY],
			].map(([ref, apiKey]) => ({
				...(ref as typeof apiKeyCredential),
				type: 'klingAiApi',
				data: { signInWith: 'apiKey', apiKey: apiKey as string, region: 'custom', baseUrl: fakeOfficial!.baseUrl },
			})),
		],
	});
	official = bed.official!;
	const json = JSON.stringify(Object.values(workflows)).replaceAll(FILES, bed.files);
	await bed.n8n.importWorkflows(JSON.parse(json));
});

afterAll(async () => await bed?.close());

beforeEach(() => {
	earlierTasks.push(...(official?.created.map((task) => task.taskId) ?? []));
	official?.clear();
	bed?.fake.clear();
});

test('generate with the official credential, URL output: one item per image with its task id, every request signed', async () => {
	const run = await bed.n8n.executeOk(workflows.url.id);
	expect(official.created).toHaveLength(1);
	const [task] = official.created;
	// No model set in the node: Kling's current default.
	expect(task.body).toMatchObject({
		model_name: 'kling-v3',
		prompt: 'A lighthouse on a cliff at dawn',
		n: 2,
		aspect_ratio: '16:9',
	});
	expect(task.body).not.toHaveProperty('model');
	const items = nodeOutput(run, 'Kling');
	expect(items).toHaveLength(2);
	items.forEach((item, index) => {
		expect(item.json).toMatchObject({
			index,
			model: 'kling-v3',
			prompt: 'A lighthouse on a cliff at dawn',
			taskId: task.taskId,
			created: expect.any(Number),
		});
		const url = String(item.json.url);
		expect(url.startsWith(`${official.baseUrl}/images/`)).toBe(true);
		expect(official.imageBytesFor(url)).toBeDefined();
		expect(item.binary).toBeUndefined();
	});
	expect(official.statusPolls.get(task.taskId)).toBeGreaterThanOrEqual(1);
	// One token per request (create and every poll), each accepted by the fake's signature check.
	expect(official.tokens).toHaveLength(1 + (official.statusPolls.get(task.taskId) ?? 0));
	expect(official.tokens[0].iss).toBe(ACCESS_KEY);
	official.tokens.forEach(expectValidClaims);
	expect(String(task.headers.authorization)).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
	expect(bed.fake.requests).toHaveLength(0);
});

test('binary output in filesystem mode: the bytes the official API served, written to disk by the next node', async () => {
	const run = await bed.n8n.executeOk(workflows.binary.id);
	const [item] = nodeOutput(run, 'Kling');
	expect(item.json.taskId).toBe(official.created[0].taskId);
	const served = official.imageBytesFor(String(item.json.url));
	expect(served).toBeDefined();
	const binary = item.binary?.data;
	expect(binary).toMatchObject({ mimeType: 'image/png', fileExtension: 'png', fileType: 'image' });
	expect(binary?.id).toMatch(/^filesystem(-v2)?:/);
	expect(readFileSync(bed.n8n.binaryDataPath(String(binary?.id)))).toEqual(served);
	const [written] = nodeOutput(run, 'Write Files');
	expect(written.json.fileName).toBe(join(bed.files, 'official-0.png'));
	expect(readFileSync(join(bed.files, 'official-0.png'))).toEqual(served);
});

test('without waiting: the task id at once; a second workflow gets the task by that id and lists the tasks', async () => {
	const first = await bed.n8n.executeOk(workflows.noWait.id);
	const [created] = nodeOutput(first, 'Kling');
	expect(official.created).toHaveLength(1);
	const taskId = official.created[0].taskId;
	expect(created.json).toEqual({ task_id: taskId, task_status: 'submitted' });
	expect(official.created[0].body).toMatchObject({ model_name: 'kling-v2-1', prompt: 'A paper boat on a puddle' });
	expect(official.statusPolls.get(taskId)).toBeUndefined();

	// The task finishes on its own while the second workflow is imported.
	const readBack = readBackWorkflow(taskId);
	await bed.n8n.importWorkflows([readBack]);
	const second = await bed.n8n.executeOk(readBack.id);
	const [task] = nodeOutput(second, 'Get Task');
	expect(task.json).toMatchObject({ task_id: taskId, task_status: 'succeed' });
	const images = (task.json.task_result as { images: Array<{ url: string }> }).images;
	expect(images).toHaveLength(1);
	expect(official.imageBytesFor(images[0].url)).toBeDefined();
	expect(official.statusPolls.get(taskId)).toBe(1);

	const listed = nodeOutput(second, 'List Tasks').map((item) => item.json);
	// Newest first: this test's task, then those the earlier tests created.
	expect(listed.map((entry) => entry.task_id)).toEqual([taskId, ...[...earlierTasks].reverse()]);
	expect(listed.every((entry) => entry.task_status === 'succeed')).toBe(true);
	expect(official.listCalls).toBe(1);
	official.tokens.forEach(expectValidClaims);
});

test('a model Kling has discontinued: the error names it and the current ones; one create, never sent again', async () => {
	const { run, result } = await bed.n8n.execute(workflows.discontinued.id);
	expect(result.code).not.toBe(0);
	expect(run?.status).toBe('error');
	expect(run?.data.resultData.error?.message).toBe(
		`Kling no longer offers model "kling-v1" (Kling's words: The model 'kling-v1' has been discontinued): choose kling-v3 or kling-v2-1 in Model`,
	);
	expect(official.createAttempts).toBe(1);
	expect(official.created).toHaveLength(0);
});

test('a wrong secret key: Kling refused the credentials, and neither secret shows', async () => {
	const { run, result } = await bed.n8n.execute(workflows.wrongSecret.id);
	expect(result.code).not.toBe(0);
	expect(run?.status).toBe('error');
	const error = run?.data.resultData.error;
	expect(error?.message).toMatch(/Kling refused the credentials \(code 1000/);
	const printed = result.stdout + result.stderr;
	for (const secret of [WRONG_SECRET, SECRET_KEY]) {
		expect(printed).not.toContain(secret);
		expect(JSON.stringify(run)).not.toContain(secret);
	}
	// The token carried the right access key; only its signature was wrong. Never retried.
	expect(official.tokens).toHaveLength(1);
	expect(official.tokens[0].iss).toBe(ACCESS_KEY);
	expect(official.createAttempts).toBe(1);
	expect(official.created).toHaveLength(0);
});

test('both credentials in one workflow: a gateway node and an official node each produce images in one run', async () => {
	const run = await bed.n8n.executeOk(workflows.sideBySide.id);
	const [gateway] = nodeOutput(run, 'Kling Gateway');
	expect(gateway.json).toMatchObject({
		url: bed.fake.generated[0].url,
		model: 'kling-img-v1',
		prompt: 'Two moons over a quiet harbour',
	});
	expect(bed.fake.requests).toHaveLength(1);
	expect(bed.fake.requests[0].headers.authorization).toBe('Bearer e2e-key');

	const [fromOfficial] = nodeOutput(run, 'Kling Official');
	expect(official.created).toHaveLength(1);
	expect(fromOfficial.json).toMatchObject({
		taskId: official.created[0].taskId,
		model: 'kling-v3',
		prompt: 'Two moons over a quiet harbour',
	});
	expect(official.imageBytesFor(String(fromOfficial.json.url))).toBeDefined();
	expect(official.created[0].body).toMatchObject({ model_name: 'kling-v3', prompt: 'Two moons over a quiet harbour' });
	// Each node used its own credential: a JWT to the official API, the plain key to the gateway.
	expect(official.created[0].headers.authorization).not.toContain('e2e-key');
	expect(official.tokens[0].iss).toBe(ACCESS_KEY);
	official.tokens.forEach(expectValidClaims);
});

test('the official credential saved before "Sign In With" existed (access key, secret key, region, base URL) still signs', () => {
	// Every test above runs on such a credential, imported with n8n import:credentials as an older version saved it.
	const stored = officialCredentialFile(E2E_OFFICIAL_CREDENTIAL, official).data;
	expect(Object.keys(stored).sort()).toEqual(['accessKey', 'apiKey', 'baseUrl', 'region', 'secretKey']);
});

test('an API-key credential: every request carries the key as Bearer, nothing is signed', async () => {
	const run = await bed.n8n.executeOk(workflows.apiKey.id);
	expect(official.created).toHaveLength(1);
	expect(official.created[0].headers.authorization).toBe(`Bearer ${API_KEY}`);
	expect(official.tokens).toEqual([]);
	const items = nodeOutput(run, 'Kling');
	expect(items).toHaveLength(1);
	expect(String(items[0].json.url).startsWith(`${official.baseUrl}/images/`)).toBe(true);
	expect(JSON.stringify(run)).not.toContain(API_KEY);
});

test('a wrong API key: Kling refused the credentials (401), and the key never shows', async () => {
	const { run, result } = await bed.n8n.execute(workflows.wrongApiKey.id);
	expect(result.code).not.toBe(0);
	expect(run?.data.resultData.error?.message).toMatch(/Kling refused the credentials \(code 100\d/);
	expect(result.stdout + result.stderr).not.toContain(WRONG_API_KEY);
	expect(JSON.stringify(run)).not.toContain(WRONG_API_KEY);
	expect(official.created).toHaveLength(0);
});
