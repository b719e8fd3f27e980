/**
 * Kling Trigger in a real n8n (`n8n start`): one activated workflow creates a task on the fake
 * official API without waiting, naming the trigger's production URL as Callback URL; the fake
 * calls back when the task ends, signed with the trigger's Signing Secret, and the trigger's
 * activated workflow writes the image to disk.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { freePort } from '../scripts/lib/n8nInstance';
import { LoggedProcess } from '../scripts/lib/n8nQueueMode';
import { CommandError, pollUntil } from '../scripts/lib/proc';
import { klingOfficial, klingTrigger, klingTriggerPath, linearWorkflow, webhookTrigger, writeFile } from '../scripts/lib/workflows';
import type { FakeKlingOfficialServer } from '../test/support/fakeKlingOfficialServer';
import { E2E_OFFICIAL_CREDENTIAL, startTestbed } from './support/testbed';
import type { Testbed } from './support/testbed';

const TOKEN = 'e2e-callback-token-0f3a9c';
const SIGNING_KEY = Buffer.from('e2e signing key of 32 bytes, ok!');
const SIGNING_SECRET = `whsec_${SIGNING_KEY.toString('base64')}`;
/** A plain key the fake accepts too, for creating tasks from the test itself. */
const OFFICIAL_API_KEY = 'e2e-official-api-key-7d21';
const TRIGGER_WEBHOOK_ID = '6c1f4b0e-2d8a-4e57-9a1b-3f7e5d2c8a90';
const TASK_DURATION_MS = 1500;
// Swapped in once the testbed's folder and n8n's port are known.
const FILES = '__FILES__';
const N8N = '__N8N__';

const workflows = {
	receive: linearWorkflow('e2eTriggerRecv01', 'e2e: Kling Trigger writes the finished image', [
		{
			...klingTrigger(TRIGGER_WEBHOOK_ID, { token: TOKEN, signingSecret: SIGNING_SECRET, verify: 'klingAiApi', output: 'binary' }),
			credentials: { klingAiApi: E2E_OFFICIAL_CREDENTIAL },
		},
		// One file per execution: a second start would leave a second file.
		writeFile(`=${FILES}/callback-{{ $json.externalTaskId }}-{{ $json.index }}-{{ $execution.id }}.{{ $binary.data.fileExtension }}`),
	]),
	create: linearWorkflow('e2eTriggerMake01', 'e2e: create a task without waiting, callback to the trigger', [
		webhookTrigger('e2e-create-task', 'firstEntryJson'),
		klingOfficial(
			{
				prompt: '={{ $json.body.prompt }}',
				externalTaskId: '={{ $json.body.orderId }}',
				waitForCompletion: false,
				callbackUrl: `${N8N}/webhook/${klingTriggerPath(TRIGGER_WEBHOOK_ID)}?token=${TOKEN}`,
			},
			E2E_OFFICIAL_CREDENTIAL,
		),
	]),
};

let bed: Testbed;
let official: FakeKlingOfficialServer;
let n8n: LoggedProcess;
let baseUrl: string;
let port: number;

beforeAll(async () => {
	bed = await startTestbed({ official: { taskDurationMs: TASK_DURATION_MS, webhookSecret: SIGNING_SECRET, apiKey: OFFICIAL_API_KEY } });
	official = bed.official!;
	port = await freePort();
	baseUrl = `http://127.0.0.1:${port}`;
	const json = JSON.stringify(Object.values(workflows)).replaceAll(FILES, bed.files).replaceAll(N8N, baseUrl);
	await bed.n8n.importWorkflows(JSON.parse(json));
	for (const id of [workflows.receive.id, workflows.create.id]) {
		const result = await bed.n8n.cli(['update:workflow', `--id=${id}`, '--active=true']);
		if (result.code !== 0) throw new CommandError(`n8n update:workflow --id=${id} --active=true`, result);
	}
	await startN8n(port, 'n8n-start.log');
});

/**
 * `n8n start` on `port`, resolved once the trigger's webhook listens: an unsigned callback is answered 401 (and
 * starts nothing) only once the workflow is active; 404 before.
 */
async function startN8n(port: number, logName: string): Promise<void> {
	const logFile = join(bed.files, '..', logName);
	n8n = new LoggedProcess('n8n', logFile, bed.n8n.startLogged(['start'], logFile, bed.n8n.editorEnv(port)));
	await n8n.waitForLog(/Editor is now accessible/);
	// n8n 1.x logs each activated workflow by id, 2.x does not (and may register webhooks just after the editor is up):
	// the trigger's webhook is asked instead.
	let status = 0;
	for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 500))) {
		const probe = await fetch(`${baseUrl}/webhook/${klingTriggerPath(TRIGGER_WEBHOOK_ID)}`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: '{}',
		}).catch(() => undefined);
		status = probe?.status ?? 0;
		if (status === 401) break;
	}
	if (status !== 401) throw new Error(`Kling Trigger's workflow is not listening (HTTP ${status}); n8n's log:\n${n8n.log()}`);
}

afterAll(async () => {
	await n8n?.stop();
	await bed?.close();
});

test('a task created without waiting comes back through Kling Trigger, and its image is written to disk', async () => {
	const created = await fetch(`${baseUrl}/webhook/e2e-create-task`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify({ prompt: 'A kite over a windy beach', orderId: 'order-42' }),
	});
	expect(created.status).toBe(200);
	const answer = (await created.json()) as { task_id: string; task_status: string };
	expect(official.created).toHaveLength(1);
	const [task] = official.created;
	expect(answer).toEqual({ task_id: task.taskId, task_status: 'submitted' });
	expect(task.body.callback_url).toBe(`${baseUrl}/webhook/${klingTriggerPath(TRIGGER_WEBHOOK_ID)}?token=${TOKEN}`);

	const written = () => readdirSync(bed.files).filter((name) => name.startsWith('callback-order-42-0-'));
	await pollUntil(() => written().length === 1 && official.callbacks.length === 2, {
		timeoutMs: 60_000,
		what: "the trigger's workflow to write callback-order-42-0-<execution>.png",
		abortIf: () => (official.callbacks.some((sent) => sent.status !== 200) ? `a callback failed: ${JSON.stringify(official.callbacks)}` : undefined),
	});
	// n8n answered both callbacks; only the finished one started the workflow, whose file holds the served bytes.
	expect(official.callbacks.map((sent) => [sent.body.task_status, sent.status])).toEqual([
		['processing', 200],
		['succeed', 200],
	]);
	for (const sent of official.callbacks) expect(sent.headers['webhook-signature']).toMatch(/^v1,/);
	const [image] = (official.callbacks[1].body.task_result as { images: Array<{ url: string }> }).images;
	const file = join(bed.files, written()[0]);
	await pollUntil(() => readFileSync(file).length === official.imageBytesFor(image.url)?.length, { timeoutMs: 10_000, what: 'the whole file' });
	expect(readFileSync(file)).toEqual(official.imageBytesFor(image.url));
	expect(readdirSync(bed.files)).toEqual([written()[0]]);
	// Verify With Kling read each callback's task back from Kling, under its own family.
	expect(official.statusPolls.get(task.taskId)).toBe(2);

	// Kling (or anyone) sending the finished callback again starts nothing more.
	const repeat = await postCallback(official.callbacks[1].body, `?token=${TOKEN}`);
	expect(repeat).toEqual({ status: 200, body: { received: true, started: false, repeat: true } });
	await new Promise((resolve) => setTimeout(resolve, 1500));
	expect(readdirSync(bed.files)).toEqual([written()[0]]);
});

/** Standard Webhooks headers for `text`, as a signing Kling sends them (computed here, not by the node). */
function signedHeaders(text: string, { key = SIGNING_KEY, atMs = Date.now() } = {}): Record<string, string> {
	const id = `msg_${randomUUID()}`;
	const timestamp = String(Math.floor(atMs / 1000));
	const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${text}`).digest('base64');
	return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
}

/** Posts a callback (a string is sent as it is), signed right unless `headers` says otherwise. */
async function postCallback(body: unknown, query = '', headers?: Record<string, string>): Promise<{ status: number; body: unknown }> {
	const sent = typeof body === 'string' ? body : JSON.stringify(body);
	const response = await fetch(`${baseUrl}/webhook/${klingTriggerPath(TRIGGER_WEBHOOK_ID)}${query}`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json', ...(headers ?? signedHeaders(sent)) },
		body: sent,
	});
	const text = await response.text();
	return { status: response.status, body: text.startsWith('{') ? JSON.parse(text) : text };
}

test('a callback with the token for a task Kling does not know is refused with 404 and starts nothing', async () => {
	const before = readdirSync(bed.files);
	const forged = { task_id: 'forged-e2e-1', task_status: 'succeed', task_result: { images: [{ index: 0, url: `${official.baseUrl}/images/x.png` }] } };
	expect(await postCallback(forged, `?token=${TOKEN}`)).toEqual({ status: 404, body: { message: 'Kling does not know the task forged-e2e-1' } });
	await new Promise((resolve) => setTimeout(resolve, 1000));
	expect(readdirSync(bed.files)).toEqual(before);
});

test('a signed callback without the token is refused and starts nothing', async () => {
	const before = readdirSync(bed.files);
	const forged = { task_id: 'forged', task_status: 'succeed', task_result: { images: [{ index: 0, url: `${official.baseUrl}/images/x.png` }] } };
	expect(await postCallback(forged)).toEqual({ status: 403, body: { message: 'The callback URL lacks the right token' } });
	await new Promise((resolve) => setTimeout(resolve, 1000));
	expect(readdirSync(bed.files)).toEqual(before);
});

test('a callback with a missing, wrong or stale signature is refused with 401 before the read-back and starts nothing; signed right, it starts', async () => {
	// A task Kling knows and finished, never seen by the trigger: only the signature stands between it and a start.
	const created = await fetch(`${official.baseUrl}/v1/images/generations`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${OFFICIAL_API_KEY}` },
		body: JSON.stringify({ prompt: 'A signed lantern', external_task_id: 'order-signed-7' }),
	});
	const taskId = ((await created.json()) as { data: { task_id: string } }).data.task_id;
	let finished: Record<string, unknown> = {};
	await pollUntil(
		async () => {
			const read = await fetch(`${official.baseUrl}/v1/images/generations/${taskId}`, { headers: { Authorization: `Bearer ${OFFICIAL_API_KEY}` } });
			finished = ((await read.json()) as { data: Record<string, unknown> }).data;
			return finished.task_status === 'succeed';
		},
		{ timeoutMs: 20_000, what: 'the task made from the test to finish' },
	);
	const text = JSON.stringify(finished);
	const before = readdirSync(bed.files);
	const pollsBefore = official.statusPolls.get(taskId) ?? 0;
	const refused: Array<[Record<string, string>, string]> = [
		[{}, 'The callback lacks the webhook-id header'],
		[signedHeaders(text, { key: Buffer.from('not the secret Kling was given!!') }), 'The webhook signature does not match'],
		[signedHeaders(text, { atMs: Date.now() - 10 * 60_000 }), 'The webhook-timestamp is more than 5 minutes away from now'],
	];
	for (const [headers, message] of refused) {
		expect(await postCallback(finished, `?token=${TOKEN}`, headers)).toEqual({ status: 401, body: { message } });
	}
	await new Promise((resolve) => setTimeout(resolve, 1500));
	expect(readdirSync(bed.files)).toEqual(before);
	expect(official.statusPolls.get(taskId) ?? 0).toBe(pollsBefore);

	// Written with spaces, which re-serializing the parsed body would lose: the signature covers the bytes n8n received.
	// What n8n answers a started workflow differs between versions; the written file is the proof.
	expect(await postCallback(JSON.stringify(finished, null, 2), `?token=${TOKEN}`)).toMatchObject({ status: 200 });
	const written = () => readdirSync(bed.files).filter((name) => name.startsWith('callback-order-signed-7-0-'));
	await pollUntil(() => written().length === 1, { timeoutMs: 30_000, what: "the signed callback's image file" });
	expect(official.statusPolls.get(taskId)).toBe(pollsBefore + 1);
});

test('after n8n restarts, a repeated callback still starts nothing: the seen statuses were saved with the workflow', async () => {
	const finished = official.callbacks.find((sent) => sent.body.task_status === 'succeed');
	expect(finished).toBeDefined();
	const before = readdirSync(bed.files);
	await n8n.stop();
	await startN8n(port, 'n8n-restart.log');
	expect(await postCallback(finished!.body, `?token=${TOKEN}`)).toEqual({ status: 200, body: { received: true, started: false, repeat: true } });
	await new Promise((resolve) => setTimeout(resolve, 1500));
	expect(readdirSync(bed.files)).toEqual(before);
});
