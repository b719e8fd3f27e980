/**
 * The packed node in n8n's queue mode: webhooks called on the main, executions run
 * by two workers, PostgreSQL and Redis shared by all. Many calls at once against
 * fake APIs with account limits show how the node's limits behave when several
 * processes use one account. Figures (wall time, requests) are printed as they come.
 */
import { createHash } from 'node:crypto';

import { executionsStarted } from '../../scripts/lib/n8nQueueMode';
import {
	KLING_CREDENTIAL_TYPE,
	code,
	kling,
	klingOfficial,
	linearWorkflow,
	webhookTrigger,
} from '../../scripts/lib/workflows';
import type { CredentialRef } from '../../scripts/lib/workflows';
import { startFakeKlingServer } from '../../test/support/fakeKlingServer';
import type { FakeKlingServer } from '../../test/support/fakeKlingServer';
import { startFakeKlingOfficialServer } from '../../test/support/fakeKlingOfficialServer';
import type { FakeKlingOfficialServer } from '../../test/support/fakeKlingOfficialServer';
import { officialCredentialFile } from '../support/testbed';
import { executionErrors, executionsByWorker, startQueueTestbed, storedExecutions } from './support/queueTestbed';
import type { QueueTestbed, StoredExecution } from './support/queueTestbed';
import { answerJson, fireAtOnce, postJson, statusSummary } from './support/webhookCalls';
import type { WebhookAnswer } from './support/webhookCalls';

const WORKERS = 2;
// Twelve calls at once and six jobs per worker: neither worker can take them all.
const WORKER_CONCURRENCY = 6;
const CALLS = 12;
const ITEMS_PER_CALL = 2;

const GATEWAY: CredentialRef = { id: 'klingQueueGate01', name: 'Kling API (queue, limited account)' };
const BINARY: CredentialRef = { id: 'klingQueueBin001', name: 'Kling API (queue, binary)' };
const OFFICIAL: CredentialRef = { id: 'klingQueueOffic1', name: 'Kling AI (Official) API (queue)' };

const twoItemsFromRequest = code(
	'const { prompt } = $input.first().json.body;\n' +
		'return [1, 2].map((take) => ({ json: { prompt: `${prompt}, take ${take}` } }));',
	'Two Prompts',
);

const workflows = {
	gateway: linearWorkflow('klingQueueGatewy', 'queue: webhook, two items, gateway', [
		webhookTrigger('kling-queue-gateway', 'allEntries'),
		twoItemsFromRequest,
		kling({ prompt: '={{ $json.prompt }}', output: 'url' }, GATEWAY),
	]),
	binary: linearWorkflow('klingQueueBinary', 'queue: webhook answered with the image', [
		webhookTrigger('kling-queue-binary', 'firstEntryBinary'),
		kling({ prompt: '={{ $json.body.prompt }}', output: 'binary' }, BINARY),
	]),
	official: linearWorkflow('klingQueueOffcal', 'queue: webhook, two items, official API', [
		webhookTrigger('kling-queue-official', 'allEntries'),
		twoItemsFromRequest,
		klingOfficial({ prompt: '={{ $json.prompt }}', output: 'url', options: { pollInterval: 1 } }, OFFICIAL),
	]),
};

let bed: QueueTestbed;
let limitedGateway: FakeKlingServer;
let binaryGateway: FakeKlingServer;
let official: FakeKlingOfficialServer;

function report(message: string): void {
	console.log(`[queue] ${message}`);
}

const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');

beforeAll(async () => {
	limitedGateway = await startFakeKlingServer({
		apiKey: 'queue-limited-key',
		maxConcurrent: 3,
		latencyMs: 1000,
		retryAfterSeconds: 1,
	});
	binaryGateway = await startFakeKlingServer({ apiKey: 'queue-binary-key' });
	official = await startFakeKlingOfficialServer({
		accessKey: 'ak-queue-official',
		secretKey: 'sk-queue-official-secret',
		maxConcurrentTasks: 2,
		taskDurationMs: 5000,
	});
	const gatewayCredential = (ref: CredentialRef, fake: FakeKlingServer) => ({
		...ref,
		type: KLING_CREDENTIAL_TYPE,
		data: { apiKey: fake.apiKey, baseUrl: fake.baseUrl },
	});
	const started = Date.now();
	bed = await startQueueTestbed({
		credentials: [
			gatewayCredential(GATEWAY, limitedGateway),
			gatewayCredential(BINARY, binaryGateway),
			officialCredentialFile(OFFICIAL, official),
		],
		workflows: Object.values(workflows),
		workers: WORKERS,
		workerConcurrency: WORKER_CONCURRENCY,
	});
	report(`PostgreSQL, Redis, main and ${WORKERS} workers ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}, 8 * 60_000);

afterAll(async () => {
	await bed?.close();
	await Promise.all([limitedGateway?.close(), binaryGateway?.close(), official?.close()]);
});

/** Prints how a burst went: answers, executions by status and by worker, and why executions failed. */
async function reportBurst(label: string, answers: WebhookAnswer[], wallMs: number, executions: StoredExecution[]) {
	const byWorker = executionsByWorker(
		bed.n8n,
		executions.map((execution) => execution.id),
	);
	const statuses = statusSummary(answers);
	const stored = executions.map((execution) => execution.status).join(', ');
	report(`${label}: ${answers.length} calls in ${(wallMs / 1000).toFixed(1)} s; answers ${statuses}`);
	report(`${label}: executions [${stored}]; run by the workers ${byWorker.map((ids) => ids.length).join(' + ')}`);
	const failed = executions.filter((execution) => execution.status !== 'success').map((execution) => execution.id);
	for (const error of await executionErrors(bed.postgres, failed)) report(`${label}: failed execution ${error}`);
	return byWorker;
}

/** Every execution ran on exactly one worker, each worker ran some, and the main ran none. */
function expectSpreadOverWorkers(byWorker: string[][], executions: StoredExecution[]): void {
	expect(byWorker.map((ids) => ids.length > 0)).toEqual(Array(WORKERS).fill(true));
	const ran = byWorker.flat().sort();
	expect(ran).toEqual(executions.map((execution) => execution.id).sort());
	expect(executionsStarted(bed.n8n.mainLog)).toEqual([]);
}

/** Each answer is 200 with the last node's items: `ITEMS_PER_CALL` images with URLs on `baseUrl`. */
function expectImageUrls(answers: WebhookAnswer[], baseUrl: string): void {
	expect(answers.map((answer) => answer.status)).toEqual(Array(CALLS).fill(200));
	for (const answer of answers) {
		const items = answerJson(answer) as Array<{ url?: string }>;
		expect(items).toHaveLength(ITEMS_PER_CALL);
		for (const item of items) expect(item.url?.startsWith(`${baseUrl}/images/`)).toBe(true);
	}
}

test(
	'gateway with an account limit of 3 at once: 12 webhook calls of 2 items, spread over both workers, all succeed',
	async () => {
		const { answers, wallMs } = await fireAtOnce(bed.n8n.webhookUrl('kling-queue-gateway'), CALLS, (index) => ({
			prompt: `A paper lantern over a river, call ${index + 1}`,
		}));
		const executions = await storedExecutions(bed.postgres, workflows.gateway.id);
		const byWorker = await reportBurst('gateway', answers, wallMs, executions);
		const throttled = limitedGateway.attemptLog.filter((attempt) => attempt.outcome === 'throttled').length;
		report(
			`gateway: ${limitedGateway.attempts} generation POSTs for the ${CALLS * ITEMS_PER_CALL} images needed ` +
				`(${throttled} answered 429, ${limitedGateway.requests.length} generated, at most ${limitedGateway.peakInFlight} at once)`,
		);

		expect(executions).toHaveLength(CALLS);
		expectSpreadOverWorkers(byWorker, executions);
		expect(limitedGateway.peakInFlight).toBeLessThanOrEqual(3);
		expectImageUrls(answers, limitedGateway.baseUrl);
		expect(executions.map((execution) => execution.status)).toEqual(Array(CALLS).fill('success'));
		// Each image generated once: no item was sent again after it had succeeded.
		expect(limitedGateway.requests).toHaveLength(CALLS * ITEMS_PER_CALL);
	},
	5 * 60_000,
);

test(
	'binary output: the image a worker downloaded and stored in PostgreSQL comes back through the main byte for byte',
	async () => {
		const answer = await postJson(bed.n8n.webhookUrl('kling-queue-binary'), {
			prompt: 'A brass compass on an old map',
		});
		const [execution] = await storedExecutions(bed.postgres, workflows.binary.id);
		report(`binary: answer ${answer.status} ${answer.contentType}, ${answer.body.length} bytes in ${answer.ms} ms`);

		expect(answer.status).toBe(200);
		expect(binaryGateway.generated).toHaveLength(1);
		const [image] = binaryGateway.generated;
		expect(answer.contentType).toContain(image.mimeType);
		expect(answer.body.equals(image.bytes)).toBe(true);
		expect(execution.status).toBe('success');
		// Run by a worker, which stored the bytes in the shared database for the main to read.
		expect(executionsByWorker(bed.n8n, [execution.id]).flat()).toEqual([execution.id]);
		const stored = await bed.postgres.query(
			`SELECT "fileSize", md5(data) FROM binary_data WHERE "sourceType" = 'execution' AND "sourceId" = '${execution.id}'`,
		);
		expect(stored).toEqual([[String(image.bytes.length), md5(image.bytes)]]);
	},
	2 * 60_000,
);

test(
	'official API with 2 task slots and 5 s tasks: 12 webhook calls of 2 items over both workers, no item fails',
	async () => {
		const { answers, wallMs } = await fireAtOnce(bed.n8n.webhookUrl('kling-queue-official'), CALLS, (index) => ({
			prompt: `A lighthouse keeper's cat, call ${index + 1}`,
		}));
		const executions = await storedExecutions(bed.postgres, workflows.official.id);
		const byWorker = await reportBurst('official', answers, wallMs, executions);
		const rejected = official.createAttempts - official.created.length;
		report(
			`official: ${official.createAttempts} create POSTs for the ${CALLS * ITEMS_PER_CALL} tasks needed ` +
				`(${rejected} answered 429/1303, ${official.created.length} created, at most ${official.peakSlots} slots at once)`,
		);

		expect(executions).toHaveLength(CALLS);
		expectSpreadOverWorkers(byWorker, executions);
		expect(official.peakSlots).toBeLessThanOrEqual(2);
		expectImageUrls(answers, official.baseUrl);
		expect(executions.map((execution) => execution.status)).toEqual(Array(CALLS).fill('success'));
		expect(official.created).toHaveLength(CALLS * ITEMS_PER_CALL);
	},
	6 * 60_000,
);

test('no key, secret or signed token in any process log', () => {
	const logs = [bed.n8n.mainLog, ...bed.n8n.workerLogs];
	const secrets = [limitedGateway.apiKey, binaryGateway.apiKey, official.secretKey];
	for (const log of logs) {
		expect(log).toMatch(/\S/); // the logs were read, not missing
		for (const secret of secrets) expect(log).not.toContain(secret);
		expect(log).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
	}
});
