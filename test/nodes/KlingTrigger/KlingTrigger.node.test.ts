/**
 * The trigger's webhook() as n8n's webhook server calls it: each request to a real HTTP server on
 * 127.0.0.1 gets n8n-core's own WebhookContext (real request helpers, real binary store), and the
 * answer is sent as n8n would. The callbacks come from the official fake, for tasks the Kling node
 * created in n8n-core's engine. What is not real: n8n's webhook routing and the execution the
 * returned items would start (the engine's webhook server lives in the n8n app, not n8n-core; the
 * e2e suite covers that part in a real n8n).
 */
import { createHmac, randomUUID } from 'node:crypto';

import type { ICredentialDataDecryptedObject, IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { KlingAiApi } from '../../../credentials/KlingAiApi.credentials';
import { signKlingJwt } from '../../../nodes/Kling/transport/auth';
import { TASK_FAMILIES } from '../../../nodes/Kling/wire/taskFamilies';
import { KlingTrigger } from '../../../nodes/KlingTrigger/KlingTrigger.node';
import { SavedStaticData, hookContext, readBinaryOutput, webhookContext } from '../../support/engine';
import type { WebhookExchange } from '../../support/engine';
import { startFakeKlingOfficialServer } from '../../support/fakeKlingOfficialServer';
import type { FakeKlingOfficialServer } from '../../support/fakeKlingOfficialServer';
import { TrackedServer, parseJson, readBody, sendJson } from '../../support/httpTestServer';
import { runKlingOfficial } from '../Kling/kling.harness';

const webhook = new KlingTrigger().description.webhooks![0];

/** A webhook server holding one Kling Trigger with `parameters`; `started` collects what each call started. */
class TriggerServer {
	readonly started: INodeExecutionData[][] = [];
	readonly answers: Array<{ status: number; body: unknown }> = [];
	parameters: INodeParameters = {};
	/** The official credential, when the trigger has one. */
	credentials: Record<string, ICredentialDataDecryptedObject> | undefined;
	/** The workflow's static data, kept between requests as n8n keeps it in its database. */
	readonly staticData = new SavedStaticData();
	/** Whether requests carry the raw body as n8n keeps it; off plays an n8n that does not. */
	keepRawBody = true;
	/** The trigger's node class; a fresh module's, to play an n8n process that started anew. */
	trigger: KlingTrigger = new KlingTrigger();
	private readonly http = new TrackedServer((req, res) => void this.handle(req.url ?? '/', req.headers, readBody(req), res));

	get url(): string {
		return `${this.http.baseUrl}/webhook/${String(webhook.path)}`;
	}

	async listen(): Promise<void> {
		await this.http.listen();
	}

	async close(): Promise<void> {
		await this.http.close();
	}

	clear(): void {
		this.started.length = 0;
		this.answers.length = 0;
	}

	private async handle(url: string, headers: IDataObject, body: Promise<string>, res: Parameters<typeof sendJson>[0]) {
		const answer = (status: number, json: unknown) => {
			this.answers.push({ status, body: json });
			sendJson(res, status, json);
		};
		const query = Object.fromEntries(new URL(url, 'http://x').searchParams);
		const text = await body;
		const rawBody = this.keepRawBody ? Buffer.from(text, 'utf8') : undefined;
		const exchange: WebhookExchange = {
			request: { body: parseJson(text), rawBody, query, headers, method: 'POST' },
			response: { status: (code) => ({ json: (json) => answer(code, json) }) },
		};
		try {
			const options = {
				nodeType: this.trigger,
				typeName: 'n8n-nodes-kling.klingTrigger',
				nodeName: 'Kling Trigger',
				parameters: this.parameters,
				credentials: this.credentials,
				credentialTypes: [new KlingAiApi()],
			};
			const staticData = this.staticData.load();
			const ctx = await webhookContext(options, webhook, exchange, staticData);
			const result = await this.trigger.webhook!.call(ctx);
			this.staticData.saveIfChanged(staticData);
			if (result.noWebhookResponse) return;
			if (result.workflowData) this.started.push(result.workflowData[0]);
			answer(200, result.webhookResponse ?? { message: 'Workflow was started' });
		} catch (error) {
			answer(500, { message: (error as Error).message });
		}
	}
}

let fake: FakeKlingOfficialServer;
const receiver = new TriggerServer();

beforeAll(async () => {
	fake = await startFakeKlingOfficialServer({ taskDurationMs: 200 });
	await receiver.listen();
});
afterEach(() => {
	fake.clear();
	receiver.clear();
});
afterAll(async () => {
	await fake.close();
	await receiver.close();
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error('condition not met in time');
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}

/** Creates a task with the Kling node (not waiting) whose callback goes to the trigger; resolves once Kling called twice. */
async function createTask(prompt: string, query = '', n = 1, server = fake): Promise<string> {
	const { items, error } = await runKlingOfficial({
		server,
		parameters: { prompt, n, waitForCompletion: false, callbackUrl: `${receiver.url}${query}` },
	});
	expect(error).toBeUndefined();
	const taskId = String(items[0].json.task_id);
	await waitFor(() => server.callbacks.filter((sent) => sent.body.task_id === taskId).length === 2);
	return taskId;
}

async function post(body: unknown, query = ''): Promise<{ status: number; body: unknown }> {
	const response = await fetch(`${receiver.url}${query}`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify(body),
	});
	return { status: response.status, body: await response.json() };
}

describe('Kling Trigger: callbacks of tasks the Kling node created', () => {
	it('starts once per finished task with one binary item per image, in the same shape as Generate', async () => {
		receiver.parameters = {};
		const taskId = await createTask('two red apples', '', 2);
		expect(fake.callbacks.map((sent) => [sent.body.task_status, sent.status])).toEqual([
			['processing', 200],
			['succeed', 200],
		]);
		expect(receiver.started).toHaveLength(1);
		const items = receiver.started[0];
		const images = (fake.callbacks[1].body.task_result as { images: Array<{ url: string }> }).images;
		expect(items).toHaveLength(2);
		for (const [position, item] of items.entries()) {
			expect(item.json).toMatchObject({ url: images[position].url, index: position, taskId, status: 'succeed' });
			// The node gives every task an external ID (to find it again after a lost answer); the callback carries it.
			expect(item.json.externalTaskId).toBe(fake.created[0].externalTaskId);
			expect(Object.keys(item.json).sort()).toEqual(['balanceDeduction', 'created', 'externalTaskId', 'index', 'model', 'prompt', 'source', 'status', 'taskId', 'unitsDeducted', 'url']);
			expect(item.binary?.data.mimeType).toBe('image/png');
			expect((await readBinaryOutput(item.binary!.data)).equals(fake.imageBytesFor(images[position].url)!)).toBe(true);
		}
	});

	it('hands on URLs only with Output Image URL, and the external task ID', async () => {
		receiver.parameters = { output: 'url' };
		const { error } = await runKlingOfficial({
			server: fake,
			parameters: { prompt: 'a pear', waitForCompletion: false, externalTaskId: 'order-17', callbackUrl: receiver.url },
		});
		expect(error).toBeUndefined();
		await waitFor(() => receiver.started.length === 1);
		const [item] = receiver.started[0];
		expect(item.binary).toBeUndefined();
		expect(item.json).toMatchObject({ externalTaskId: 'order-17', status: 'succeed' });
		expect(String(item.json.url)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/images\//);
	});

	it('starts with the status message for a failed task', async () => {
		receiver.parameters = {};
		const taskId = await createTask('please fail now');
		expect(receiver.started).toEqual([
			[{ json: expect.objectContaining({ taskId, status: 'failed', statusMessage: 'image generation failed: the request asked for a failure' }), pairedItem: { item: 0 } }],
		]);
	});

	it('ignores failed tasks when Start On leaves them out, and starts on intermediate statuses when asked', async () => {
		receiver.parameters = { statuses: ['succeed'] };
		await createTask('please fail now');
		expect(receiver.started).toHaveLength(0);
		expect(receiver.answers.map((answer) => answer.status)).toEqual([200, 200]);

		receiver.clear();
		receiver.parameters = { statuses: ['processing', 'succeed'], output: 'url' };
		const taskId = await createTask('a plum');
		expect(receiver.started.map((items) => items.map((item) => item.json.status))).toEqual([['processing'], ['succeed']]);
		expect(receiver.started[0][0].json).toMatchObject({ taskId, status: 'processing' });
	});
});

describe('Kling Trigger: requests that are not a genuine callback', () => {
	it('refuses a callback without the right token, in constant time, and starts on the right one', async () => {
		receiver.parameters = { token: 's3cret-token', output: 'url' };
		await createTask('a fig', '?token=wrong');
		await createTask('a fig', '');
		expect(receiver.started).toHaveLength(0);
		expect(receiver.answers.map((answer) => answer.status)).toEqual([403, 403, 403, 403]);
		expect(receiver.answers[0].body).toEqual({ message: 'The callback URL lacks the right token' });

		await createTask('a fig', '?token=s3cret-token');
		expect(receiver.started).toHaveLength(1);
	});

	it('answers 400 to a body that is not a task', async () => {
		receiver.parameters = {};
		await expect(post({ hello: 'world' })).resolves.toEqual({ status: 400, body: { message: 'The body is not a Kling task: it has no task_id' } });
		expect(receiver.started).toHaveLength(0);
	});

	it('still starts when an image cannot be downloaded: the item keeps its URL and says what failed', async () => {
		receiver.parameters = { options: { maxRetries: 0 } };
		const url = `${fake.baseUrl}/images/missing.png`;
		const answer = await post({ task_id: 't-1', task_status: 'succeed', task_result: { images: [{ index: 0, url }] } });
		expect(answer.status).toBe(200);
		const [item] = receiver.started[0];
		expect(item.binary).toBeUndefined();
		expect(item.json).toMatchObject({ url, taskId: 't-1', status: 'succeed' });
		expect(item.json.error).toMatch(/HTTP 404/);
	});
});

describe('Kling Trigger: once per task and status', () => {
	it('a repeated callback (same task, same status) does not start the workflow again', async () => {
		receiver.parameters = { output: 'url' };
		const taskId = await createTask('an orange');
		expect(receiver.started).toHaveLength(1);
		const repeat = await post(fake.callbacks[1].body);
		expect(repeat).toEqual({ status: 200, body: { received: true, started: false, repeat: true } });
		expect(receiver.started).toHaveLength(1);
		expect(JSON.stringify(receiver.staticData.saved)).toContain(`${taskId} succeed`);
	});

	it('also after n8n restarts: the seen statuses live in the workflow static data n8n saves', async () => {
		receiver.parameters = { output: 'url' };
		await createTask('a lemon');
		expect(receiver.started).toHaveLength(1);
		const previous = receiver.trigger;
		try {
			// A new copy of the node's modules: nothing remembered in the process any more.
			jest.isolateModules(() => {
				const fresh = require('../../../nodes/KlingTrigger/KlingTrigger.node') as { KlingTrigger: typeof KlingTrigger };
				receiver.trigger = new fresh.KlingTrigger();
			});
			expect(await post(fake.callbacks[1].body)).toMatchObject({ status: 200, body: { repeat: true } });
			expect(receiver.started).toHaveLength(1);
			// Without the saved static data the same repeat would start it again: the check is real.
			const saved = receiver.staticData.saved;
			receiver.staticData.saved = {};
			jest.isolateModules(() => {
				const fresh = require('../../../nodes/KlingTrigger/KlingTrigger.node') as { KlingTrigger: typeof KlingTrigger };
				receiver.trigger = new fresh.KlingTrigger();
			});
			expect(await post(fake.callbacks[1].body)).toMatchObject({ status: 200, body: { message: 'Workflow was started' } });
			expect(receiver.started).toHaveLength(2);
			receiver.staticData.saved = saved;
		} finally {
			receiver.trigger = previous;
		}
	});

	it('repeats sent at the same time start it once', async () => {
		receiver.parameters = { output: 'url' };
		const body = { task_id: 'burst-1', task_status: 'failed', task_status_msg: 'no' };
		const answers = await Promise.all(Array.from({ length: 5 }, async () => await post(body)));
		expect(receiver.started).toHaveLength(1);
		expect(answers.filter((answer) => (answer.body as IDataObject).repeat === true)).toHaveLength(4);
	});
});

describe('Kling Trigger: Verify With Kling reads each task back', () => {
	const verified = (parameters: INodeParameters = {}) => {
		receiver.parameters = { verify: 'klingAiApi', output: 'url', ...parameters };
		receiver.credentials = {
			klingAiApi: { signInWith: 'accessKey', accessKey: fake.accessKey, secretKey: fake.secretKey, region: 'custom', baseUrl: fake.baseUrl },
		};
	};
	afterEach(() => (receiver.credentials = undefined));

	it("starts with Kling's answer for a task Kling knows", async () => {
		verified();
		const taskId = await createTask('a verified kiwi');
		expect(receiver.started).toHaveLength(1);
		const [item] = receiver.started[0];
		const sent = fake.callbacks.find((callback) => callback.body.task_id === taskId && callback.body.task_status === 'succeed');
		const images = (sent!.body.task_result as { images: Array<{ url: string }> }).images;
		expect(item.json).toMatchObject({ taskId, status: 'succeed', url: images[0].url });
		// Each of its two callbacks (processing, succeed) read back once, under its own family, asked first.
		expect(fake.statusPolls.get(taskId)).toBe(2);
		expect(fake.misreads).toBe(0);
	});

	it('refuses a callback for a task Kling does not know with 404, after asking every task family', async () => {
		verified();
		const forged = { task_id: 'forged-task-1', task_status: 'succeed', task_result: { images: [{ index: 0, url: 'https://evil.example/x.png' }] } };
		const requestsBefore = fake.httpRequests;
		expect(await post(forged)).toEqual({ status: 404, body: { message: 'Kling does not know the task forged-task-1' } });
		expect(receiver.started).toHaveLength(0);
		expect(fake.httpRequests - requestsBefore).toBe(TASK_FAMILIES.length);
	});

	it("hands on what Kling says, not what the caller sent: a forged success of a failed task starts as failed", async () => {
		verified({ statuses: ['succeed', 'failed'] });
		const taskId = await createTask('please fail now');
		receiver.clear();
		const forged = { task_id: taskId, task_status: 'succeed', task_result: { images: [{ index: 0, url: 'https://evil.example/x.png' }] } };
		const answer = await post(forged);
		// Kling says failed, and the failed status already started the workflow: a repeat.
		expect(answer).toEqual({ status: 200, body: { received: true, started: false, repeat: true } });
		expect(receiver.started).toHaveLength(0);
	});

	it('finds a task of another family (virtual try-on) under its own path', async () => {
		verified();
		const token = signKlingJwt(fake.accessKey, fake.secretKey, Math.floor(Date.now() / 1000));
		const response = await fetch(`${fake.baseUrl}/v1/images/kolors-virtual-try-on`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
			body: JSON.stringify({ human_image: 'https://example.com/h.png', cloth_image: 'https://example.com/c.png', callback_url: receiver.url }),
		});
		const taskId = ((await response.json()) as { data: { task_id: string } }).data.task_id;
		await waitFor(() => receiver.started.length === 1);
		expect(receiver.started[0][0].json).toMatchObject({ taskId, status: 'succeed' });
		expect(fake.statusPolls.get(taskId)).toBeGreaterThanOrEqual(1);
	});

	it('reads an AI Multi-Shot task as its three views, with and without the read-back', async () => {
		for (const verify of [false, true]) {
			if (verify) verified();
			else receiver.parameters = { output: 'url' };
			receiver.clear();
			const { items, error } = await runKlingOfficial({
				server: fake,
				parameters: { operation: 'multiShot', frontImageSource: 'url', frontImageUrl: 'https://example.com/front.png', waitForCompletion: false, callbackUrl: receiver.url },
			});
			expect(error).toBeUndefined();
			const taskId = String(items[0].json.task_id);
			await waitFor(() => receiver.started.some((started) => started[0].json.taskId === taskId));
			const started = receiver.started.find((run) => run[0].json.taskId === taskId)!;
			expect(started.map((item) => [item.json.source, item.json.status, item.json.unitsDeducted])).toEqual([
				['url_1', 'succeed', 20],
				['url_2', 'succeed', 20],
				['url_3', 'succeed', 20],
			]);
			expect(started[0].json.balanceDeduction).toEqual({ quota: 20, listPrice: 2.8 });
		}
	});

	it('answers 502 and starts nothing when Kling refuses the credential, without showing the secret', async () => {
		verified();
		receiver.credentials = { klingAiApi: { signInWith: 'apiKey', apiKey: 'wrong-trigger-key-4242', region: 'custom', baseUrl: fake.baseUrl } };
		const answer = await post({ task_id: 'anything', task_status: 'succeed' });
		expect(answer.status).toBe(502);
		expect(String((answer.body as IDataObject).message)).toMatch(/^The task could not be checked with Kling: Kling refused the credentials/);
		expect(JSON.stringify(answer)).not.toContain('wrong-trigger-key-4242');
		expect(receiver.started).toHaveLength(0);
	});
});

describe('Kling Trigger: Signing Secret (Standard Webhooks signatures)', () => {
	const KEY = Buffer.from('the trigger test signing key 32b');
	const SECRET = `whsec_${KEY.toString('base64')}`;
	let signing: FakeKlingOfficialServer;
	beforeAll(async () => {
		signing = await startFakeKlingOfficialServer({ taskDurationMs: 200, webhookSecret: SECRET });
	});
	afterEach(() => {
		signing.clear();
		receiver.credentials = undefined;
		receiver.keepRawBody = true;
	});
	afterAll(async () => await signing.close());

	/** Standard Webhooks headers for `text`, computed here independently of the node. */
	function signedHeaders(text: string, { key = KEY, atMs = Date.now(), id = `msg_${randomUUID()}` } = {}): Record<string, string> {
		const timestamp = String(Math.floor(atMs / 1000));
		const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${text}`).digest('base64');
		return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
	}

	async function postRaw(text: string, headers: Record<string, string>, query = ''): Promise<{ status: number; body: unknown }> {
		const response = await fetch(`${receiver.url}${query}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: text });
		return { status: response.status, body: await response.json() };
	}

	it("starts on Kling's signed callbacks, together with the token and the read-back", async () => {
		receiver.parameters = { signingSecret: SECRET, token: 'tok-1', verify: 'klingAiApi', output: 'url' };
		receiver.credentials = {
			klingAiApi: { signInWith: 'accessKey', accessKey: signing.accessKey, secretKey: signing.secretKey, region: 'custom', baseUrl: signing.baseUrl },
		};
		const taskId = await createTask('a signed quince', '?token=tok-1', 1, signing);
		expect(signing.callbacks.map((sent) => [sent.body.task_status, sent.status])).toEqual([
			['processing', 200],
			['succeed', 200],
		]);
		expect(signing.callbacks[1].headers['webhook-signature']).toMatch(/^v1,/);
		expect(receiver.started).toHaveLength(1);
		expect(receiver.started[0][0].json).toMatchObject({ taskId, status: 'succeed' });
		expect(signing.statusPolls.get(taskId)).toBe(2);
	});

	it('refuses a missing, malformed, wrong or stale signature with 401 before anything else: no read-back, no start, no saved status', async () => {
		receiver.parameters = { signingSecret: SECRET, verify: 'klingAiApi', output: 'url' };
		receiver.credentials = {
			klingAiApi: { signInWith: 'accessKey', accessKey: signing.accessKey, secretKey: signing.secretKey, region: 'custom', baseUrl: signing.baseUrl },
		};
		const taskId = await createTask('a refused medlar', '', 1, signing);
		receiver.clear();
		const savedBefore = JSON.stringify(receiver.staticData.saved);
		const requestsBefore = signing.httpRequests;
		// The finished callback again, under every kind of bad signature, and as a fresh task the trigger has not seen.
		const finished = signing.callbacks.find((sent) => sent.body.task_id === taskId && sent.body.task_status === 'succeed')!;
		const fresh = finished.rawBody.replace(taskId, 'never-seen-task');
		expect(fresh).not.toBe(finished.rawBody);
		const cases: Array<[string, Record<string, string>, string]> = [
			['no signature headers at all', {}, 'The callback lacks the webhook-id header'],
			['no webhook-signature', { ...signedHeaders(fresh), 'webhook-signature': '' }, 'The callback lacks the webhook-signature header'],
			['a timestamp that is not seconds', { ...signedHeaders(fresh), 'webhook-timestamp': 'now' }, 'The webhook-timestamp header is not a Unix time in seconds'],
			['another secret', signedHeaders(fresh, { key: Buffer.from('somebody else key, thirty-two b.') }), 'The webhook signature does not match'],
			['a signature 6 minutes old', signedHeaders(fresh, { atMs: Date.now() - 6 * 60_000 }), 'The webhook-timestamp is more than 5 minutes away from now'],
			['a signature 6 minutes ahead', signedHeaders(fresh, { atMs: Date.now() + 6 * 60_000 }), 'The webhook-timestamp is more than 5 minutes away from now'],
			['an unknown version only', { ...signedHeaders(fresh), 'webhook-signature': signedHeaders(fresh)['webhook-signature'].replace('v1,', 'v2,') }, 'The webhook-signature header has no v1 signature'],
			["Kling's signature over another body", finished.headers, 'The webhook signature does not match'],
		];
		for (const [name, headers, reason] of cases) {
			expect({ name, ...(await postRaw(fresh, headers)) }).toEqual({ name, status: 401, body: { message: reason } });
		}
		expect(receiver.started).toHaveLength(0);
		expect(signing.httpRequests).toBe(requestsBefore);
		expect(JSON.stringify(receiver.staticData.saved)).toBe(savedBefore);
		expect(JSON.stringify(receiver.answers)).not.toContain(KEY.toString('base64'));
		// Signed right, the same body goes on to the read-back (which does not know the made-up task).
		expect(await postRaw(fresh, signedHeaders(fresh))).toEqual({ status: 404, body: { message: 'Kling does not know the task never-seen-task' } });
		expect(signing.httpRequests).toBeGreaterThan(requestsBefore);
	});

	it('checks the body bytes exactly as received: spacing and long integers kept, a changed byte refused', async () => {
		receiver.parameters = { signingSecret: SECRET, statuses: ['failed'] };
		const text = '{ "task_id" : "raw-bytes-1",\n  "task_status": "failed", "task_status_msg": "non", "n": 12345678901234567890 }';
		const headers = signedHeaders(text);
		expect(await postRaw(text.replace('non', 'nön'), headers)).toEqual({ status: 401, body: { message: 'The webhook signature does not match' } });
		expect(await postRaw(text, headers)).toEqual({ status: 200, body: { message: 'Workflow was started' } });
		expect(receiver.started[0][0].json).toMatchObject({ taskId: 'raw-bytes-1', status: 'failed', statusMessage: 'non' });
	});

	it('without a raw body from n8n, takes only the parsed body written compactly', async () => {
		receiver.parameters = { signingSecret: SECRET, statuses: ['failed'] };
		receiver.keepRawBody = false;
		const compact = JSON.stringify({ task_id: 'compact-1', task_status: 'failed' });
		expect(await postRaw(compact, signedHeaders(compact))).toMatchObject({ status: 200 });
		const spaced = '{"task_id": "spaced-1", "task_status": "failed"}';
		expect(await postRaw(spaced, signedHeaders(spaced))).toEqual({ status: 401, body: { message: 'The webhook signature does not match' } });
		expect(receiver.started.map((items) => items[0].json.taskId)).toEqual(['compact-1']);
	});

	it('takes the secret without its whsec_ prefix, and an unset secret checks nothing', async () => {
		receiver.parameters = { signingSecret: KEY.toString('base64'), statuses: ['failed'] };
		const text = JSON.stringify({ task_id: 'bare-secret-1', task_status: 'failed' });
		expect(await postRaw(text, signedHeaders(text))).toMatchObject({ status: 200 });
		receiver.parameters = { statuses: ['failed'] };
		expect(await postRaw(JSON.stringify({ task_id: 'unsigned-1', task_status: 'failed' }), {})).toMatchObject({ status: 200 });
		expect(receiver.started).toHaveLength(2);
	});

	it('a secret that is not base64 refuses activation and every callback with a clear error that does not show it', async () => {
		const broken = 'whsec_my-s3cret-value!';
		receiver.parameters = { signingSecret: broken };
		const text = JSON.stringify({ task_id: 'x-1', task_status: 'succeed' });
		const answer = await postRaw(text, signedHeaders(text));
		expect(answer).toEqual({
			status: 500,
			body: { message: "The trigger's Signing Secret is not valid: it must be whsec_ followed by base64, as Kling shows it" },
		});
		expect(receiver.started).toHaveLength(0);

		const activate = async (parameters: INodeParameters) => {
			const ctx = await hookContext({ nodeType: new KlingTrigger(), typeName: 'n8n-nodes-kling.klingTrigger', nodeName: 'Kling Trigger', parameters }, webhook);
			return await new KlingTrigger().webhookMethods.default.checkExists.call(ctx);
		};
		await expect(activate({ signingSecret: broken })).rejects.toThrow(/Signing Secret is not valid/);
		await expect(activate({ signingSecret: broken })).rejects.not.toThrow(/s3cret/);
		await expect(activate({ signingSecret: SECRET })).resolves.toBe(true);
		await expect(activate({})).resolves.toBe(true);
	});
});
