/**
 * The fake official Kling API, exercised with plain fetch: auth (JWT and plain
 * key), the task life cycle on a virtual clock, the slot cap, listing, body
 * rules, faults and the served images.
 */
import { createHmac } from 'node:crypto';
import { inflateSync } from 'node:zlib';

import { crc32, promptPng } from './fakeImages';
import { TrackedServer, readBody, sendJson } from './httpTestServer';
import { startFakeKlingOfficialServer } from './fakeKlingOfficialServer';
import type { FakeKlingOfficialOptions, FakeKlingOfficialServer } from './fakeKlingOfficialServer';

const T0 = 1_700_000_000_000;
const PATH = '/v1/images/generations';

let nowMs = T0;
let server: FakeKlingOfficialServer;

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An HS256 JWT as a Kling client builds it; every part can be bent for negative tests. */
function jwt(claims: Record<string, unknown> = {}, secret = 'test-sk', header: object = { alg: 'HS256', typ: 'JWT' }): string {
	const nowSec = Math.floor(nowMs / 1000);
	const body = `${b64url(header)}.${b64url({ iss: 'test-ak', exp: nowSec + 1800, nbf: nowSec - 5, ...claims })}`;
	return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

async function start(options: FakeKlingOfficialOptions = {}): Promise<void> {
	server = await startFakeKlingOfficialServer({ clock: () => nowMs, ...options });
}

/** JSON as a Kling client writes it: element ids (digit strings here) as bare integers. */
const withBareIds = (body: unknown) => JSON.stringify(body).replace(/"element_id":"(\d+)"/g, '"element_id":$1');

async function call(method: string, path: string, body?: unknown, token = jwt()): Promise<{ status: number; json: any }> {
	const response = await fetch(`${server.baseUrl}${path}`, {
		method,
		headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
		body: body === undefined ? undefined : withBareIds(body),
	});
	return { status: response.status, json: await response.json() };
}

const create = async (body: Record<string, unknown>, token?: string) => await call('POST', PATH, body, token);
const read = async (id: string) => await call('GET', `${PATH}/${encodeURIComponent(id)}`);

/** Creates a task and returns its id, failing the test when the server refuses. */
async function submit(body: Record<string, unknown>): Promise<string> {
	const { status, json } = await create(body);
	expect({ status, code: json.code }).toEqual({ status: 200, code: 0 });
	return json.data.task_id;
}

function expectError(answer: { status: number; json: any }, status: number, code: number): void {
	expect({ status: answer.status, code: answer.json.code }).toEqual({ status, code });
	expect(typeof answer.json.message).toBe('string');
	expect(answer.json.request_id).toMatch(/^[0-9a-f-]{36}$/);
}

beforeEach(() => {
	nowMs = T0;
});

afterEach(async () => {
	await server?.close();
});

describe('authentication', () => {
	beforeEach(async () => await start());

	test('accepts a valid JWT and records its claims', async () => {
		const { status, json } = await create({ prompt: 'a red fox' });
		expect(status).toBe(200);
		expect(json).toMatchObject({ code: 0, message: 'SUCCEED', data: { task_status: 'submitted', task_info: {} } });
		expect(json.request_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
		expect(json.data).toMatchObject({ created_at: T0, updated_at: T0 });
		const nowSec = Math.floor(T0 / 1000);
		expect(server.tokens).toEqual([{ iss: 'test-ak', exp: nowSec + 1800, nbf: nowSec - 5 }]);
	});

	test('rejects an expired token with 1004', async () => {
		expectError(await create({ prompt: 'x' }, jwt({ exp: Math.floor(T0 / 1000) })), 401, 1004);
	});

	test('rejects a token that is not yet valid with 1003', async () => {
		expectError(await create({ prompt: 'x' }, jwt({ nbf: Math.floor(T0 / 1000) + 60 })), 401, 1003);
	});

	test('rejects a bad signature, a wrong issuer, malformed and missing tokens', async () => {
		expectError(await create({ prompt: 'x' }, jwt({}, 'wrong-secret')), 401, 1000);
		expectError(await create({ prompt: 'x' }, jwt({ iss: 'other-ak' })), 401, 1000);
		expectError(await create({ prompt: 'x' }, jwt({}, 'test-sk', { alg: 'none', typ: 'JWT' })), 401, 1002);
		expectError(await create({ prompt: 'x' }, 'not-a-jwt'), 401, 1002);
		const standardBase64 = jwt().replace(/-/g, '+').replace(/_/g, '/') + '='; // a signature encoding slip
		expectError(await create({ prompt: 'x' }, standardBase64), 401, 1000);
		const response = await fetch(`${server.baseUrl}${PATH}`, { method: 'POST', body: '{"prompt":"x"}' });
		expect(response.status).toBe(401);
		expect(server.created).toHaveLength(0);
		expect(server.createAttempts).toBe(6);
	});

	test('tolerates clock skew only when configured', async () => {
		await server.close();
		await start({ clockSkewSec: 10 });
		expect((await create({ prompt: 'x' }, jwt({ nbf: Math.floor(T0 / 1000) + 5 }))).status).toBe(200);
		expectError(await create({ prompt: 'x' }, jwt({ nbf: Math.floor(T0 / 1000) + 60 })), 401, 1003);
	});
});

test('accepts a configured plain API key as Bearer token', async () => {
	await start({ apiKey: 'plain-key' });
	expect((await create({ prompt: 'x' }, 'plain-key')).status).toBe(200);
	expectError(await create({ prompt: 'x' }, 'other-key'), 401, 1002);
	expect(server.tokens).toHaveLength(0);
});

describe('task life cycle', () => {
	beforeEach(async () => await start({ taskDurationMs: 1000, processingAfterMs: 200 }));

	test('goes submitted → processing → succeed on the injected clock', async () => {
		const id = await submit({ prompt: 'a lighthouse', n: 2, model_name: 'kling-v2-1', aspect_ratio: '1:1' });
		nowMs = T0 + 199;
		expect((await read(id)).json.data).toMatchObject({ task_status: 'submitted', updated_at: T0 });
		nowMs = T0 + 200;
		expect((await read(id)).json.data).toMatchObject({ task_status: 'processing', updated_at: T0 + 200 });
		nowMs = T0 + 1000;
		const { json } = await read(id);
		expect(json.data).toMatchObject({ task_id: id, task_status: 'succeed', created_at: T0, updated_at: T0 + 1000 });
		const images = json.data.task_result.images;
		expect(images.map((image: { index: number }) => image.index)).toEqual([0, 1]);
		expect(images[0].url).toMatch(new RegExp(`^${server.baseUrl}/images/.+\\.png$`));
		expect((await read(id)).json.data.task_result.images).toEqual(images); // stable across polls
		expect(server.statusPolls.get(id)).toBe(4);
		expect(server.created[0]).toMatchObject({ taskId: id, body: { prompt: 'a lighthouse', n: 2 }, createdAt: T0 });
	});

	test('a failed task carries task_status_msg and no result', async () => {
		const id = await submit({ prompt: 'please fail now' });
		nowMs = T0 + 1000;
		const { data } = (await read(id)).json;
		expect(data.task_status).toBe('failed');
		expect(data.task_status_msg).toMatch(/^image generation failed: /);
		expect(data.task_result).toBeUndefined();
	});

	test('serves the images as real PNGs drawn from the prompt', async () => {
		const id = await submit({ prompt: 'a blue whale', n: 2 });
		nowMs = T0 + 1000;
		const { url } = (await read(id)).json.data.task_result.images[1];
		const response = await fetch(url);
		expect(response.headers.get('content-type')).toBe('image/png');
		const bytes = Buffer.from(await response.arrayBuffer());
		expect(bytes.equals(promptPng('a blue whale', 1))).toBe(true);
		expect(server.imageBytesFor(url)?.equals(bytes)).toBe(true);
		expectValidPng(bytes);
		expect((await fetch(`${server.baseUrl}/images/nope.png`)).status).toBe(404);
	});
});

/** Walks the PNG chunks: signature, CRCs, an IHDR and IDAT data that inflates to the right size. */
function expectValidPng(bytes: Buffer): void {
	expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
	const idat: Buffer[] = [];
	let width = 0;
	let height = 0;
	for (let at = 8; at < bytes.length; ) {
		const length = bytes.readUInt32BE(at);
		const typeAndData = bytes.subarray(at + 4, at + 8 + length);
		expect(bytes.readUInt32BE(at + 8 + length)).toBe(crc32(typeAndData));
		const type = typeAndData.subarray(0, 4).toString('ascii');
		if (type === 'IHDR') [width, height] = [bytes.readUInt32BE(at + 8), bytes.readUInt32BE(at + 12)];
		if (type === 'IDAT') idat.push(typeAndData.subarray(4));
		at += 12 + length;
	}
	expect(inflateSync(Buffer.concat(idat)).length).toBe((width * 3 + 1) * height);
}

describe('callbacks to callback_url', () => {
	const received: Array<{ headers: Record<string, unknown>; body: string }> = [];
	const receiver = new TrackedServer((req, res) => {
		void readBody(req).then((body) => {
			received.push({ headers: req.headers, body });
			sendJson(res, 200, {});
		});
	});
	beforeAll(async () => await receiver.listen());
	afterAll(async () => await receiver.close());
	beforeEach(() => (received.length = 0));

	/** Creates a task calling back to the receiver, moves the clock past its end, and waits for both callbacks to be answered. */
	async function twoCallbacks(): Promise<string> {
		const id = await submit({ prompt: 'a bell', callback_url: `${receiver.baseUrl}/hook?token=t` });
		nowMs = T0 + 5000;
		const done = () => received.length === 2 && server.callbacks.length === 2;
		for (const deadline = Date.now() + 5000; !done() && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 10));
		expect(received).toHaveLength(2);
		expect(server.callbacks).toHaveLength(2);
		return id;
	}

	test('POSTs the task object without envelope, unsigned by default', async () => {
		await start({ taskDurationMs: 60, processingAfterMs: 20 });
		const id = await twoCallbacks();
		expect(JSON.parse(received[1].body)).toMatchObject({ task_id: id, task_status: 'succeed' });
		expect(Object.keys(received[1].headers).filter((name) => name.startsWith('webhook-'))).toEqual([]);
		expect(server.callbacks.map((sent) => [sent.status, sent.rawBody])).toEqual(received.map((got) => [200, got.body]));
	});

	test('with a webhook secret, signs each callback in the Standard Webhooks scheme', async () => {
		const key = Buffer.from('fake kling signing key, 32 bytes');
		await start({ taskDurationMs: 60, processingAfterMs: 20, webhookSecret: `whsec_${key.toString('base64')}` });
		await twoCallbacks();
		for (const [position, { headers, body }] of received.entries()) {
			const id = String(headers['webhook-id']);
			const timestamp = String(headers['webhook-timestamp']);
			expect(timestamp).toBe(String(Math.floor(nowMs / 1000)));
			const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
			expect(headers['webhook-signature']).toBe(`v1,${expected}`);
			expect(server.callbacks[position].headers).toMatchObject({ 'webhook-id': id, 'webhook-signature': `v1,${expected}` });
		}
		expect(received[0].headers['webhook-id']).not.toBe(received[1].headers['webhook-id']);
	});
});

test('refuses creates past the slot cap with 429/1303 until tasks finish', async () => {
	await start({ maxConcurrentTasks: 4, taskDurationMs: 500 });
	await submit({ prompt: 'one', n: 3 });
	expectError(await create({ prompt: 'two', n: 2 }), 429, 1303);
	await submit({ prompt: 'three' });
	expect(server.slotsInUse()).toBe(4);
	nowMs = T0 + 500;
	expect(server.slotsInUse()).toBe(0);
	await submit({ prompt: 'two again', n: 4 });
	expect(server.peakSlots).toBe(4);
	expect(server.createAttempts).toBe(4);
	expect(server.created).toHaveLength(3);
});

test('caps per model version count each model\'s own slots, per pack type, with Kling\'s 1303 answer', async () => {
	await start({ taskLimitsByModel: { 'kling-v3': 2, 'kling-image-o1': 2, 'kolors-virtual-try-on-v1': 1 }, taskDurationMs: 500 });
	const OMNI = '/v1/images/omni-image';
	const TRY_ON = '/v1/images/kolors-virtual-try-on';
	await submit({ model_name: 'kling-v3', prompt: 'one', n: 2 });
	const refused = await create({ model_name: 'kling-v3', prompt: 'two' });
	expectError(refused, 429, 1303);
	expect(refused.json.message).toBe('parallel task over resource pack limit');
	expect(refused.json.data).toBeUndefined();
	// Without model_name a create counts under the family's default: kling-v3 on /generations.
	expectError(await create({ prompt: 'default model' }), 429, 1303);
	// Another model, or a model without a cap, is not held up by kling-v3's tasks.
	expect((await call('POST', OMNI, { prompt: 'x', aspect_ratio: '1:1', n: 2 })).status).toBe(200);
	expectError(await call('POST', OMNI, { prompt: 'x', aspect_ratio: '1:1', model_name: 'kling-image-o1' }), 429, 1303);
	await submit({ model_name: 'kling-v2-1', prompt: 'uncapped', n: 5 });
	// Try-on counts in its own pack type.
	const tryOn = { human_image: 'https://example.com/p.png', cloth_image: 'https://example.com/c.png' };
	expect((await call('POST', TRY_ON, tryOn)).status).toBe(200);
	expectError(await call('POST', TRY_ON, tryOn), 429, 1303);
	expect(server.slotsInUse('image', 'kling-v3')).toBe(2);
	expect(server.slotsInUse('image', 'kling-image-o1')).toBe(2);
	expect(server.slotsInUse('image')).toBe(9);
	expect(server.peakSlotsByModel).toEqual({ 'kling-v3': 2, 'kling-image-o1': 2, 'kling-v2-1': 5, 'kolors-virtual-try-on-v1': 1 });
	nowMs = T0 + 500;
	await submit({ model_name: 'kling-v3', prompt: 'two again', n: 2 });
	server.clear();
	expect(server.peakSlotsByModel).toEqual({});
});

test('caps per model version and per pack type both apply', async () => {
	await start({ taskLimitsByModel: { 'kling-v3': 3 }, maxConcurrentTasks: 4, taskDurationMs: 500 });
	await submit({ model_name: 'kling-v2-1', prompt: 'a', n: 2 });
	await submit({ model_name: 'kling-v3', prompt: 'b', n: 2 });
	// kling-v3 would hold 3 of its 3, but the image pack would hold 5 of its 4.
	expectError(await create({ model_name: 'kling-v3', prompt: 'c' }), 429, 1303);
});

test('lists tasks newest first, paged, and checks the paging parameters', async () => {
	await start();
	const ids: string[] = [];
	for (let i = 0; i < 5; i++) {
		nowMs = T0 + i;
		ids.push(await submit({ prompt: `task ${i}` }));
	}
	const page = async (query: string) => await call('GET', `${PATH}?${query}`);
	const taskIds = (answer: { json: any }) => answer.json.data.map((task: { task_id: string }) => task.task_id);
	expect(taskIds(await page('pageNum=1&pageSize=2'))).toEqual([ids[4], ids[3]]);
	expect(taskIds(await page('pageNum=3&pageSize=2'))).toEqual([ids[0]]);
	expect(taskIds(await page('pageNum=4&pageSize=2'))).toEqual([]);
	expect(taskIds(await page(''))).toEqual([...ids].reverse());
	for (const bad of ['pageSize=0', 'pageSize=501', 'pageNum=0', 'pageNum=1001', 'pageNum=x']) {
		expectError(await page(bad), 400, 1201);
	}
	expect(server.listCalls).toBe(9);
});

test('finds a task by external_task_id and keeps those ids unique', async () => {
	await start();
	const id = await submit({ prompt: 'x', external_task_id: 'order-42' });
	const { json } = await read('order-42');
	expect(json.data).toMatchObject({ task_id: id, task_info: { external_task_id: 'order-42' } });
	expect(server.statusPolls.get(id)).toBe(1);
	expectError(await create({ prompt: 'y', external_task_id: 'order-42' }), 400, 1201);
	expectError(await read('no-such-task'), 404, 1203);
});

test('enforces the official body rules with 400/1201', async () => {
	await start();
	const image = Buffer.from('fake image').toString('base64');
	const broken: Array<Record<string, unknown>> = [
		{ prompt: 'x', image, negative_prompt: 'blur' },
		{ prompt: 'x', image, image_reference: 'face', human_fidelity: 0.5 },
		{ prompt: 'x', human_fidelity: 0.5 },
		{ prompt: 'x', image: `data:image/png;base64,${image}` },
		{ prompt: '' },
		{ prompt: 'x'.repeat(2501) },
		{ prompt: 'x', negative_prompt: 'y'.repeat(2501) },
		{ prompt: 'x', model_name: 'kling-v9' },
		{ prompt: 'x', image_reference: 'style' },
		{ prompt: 'x', n: 10 },
		{ prompt: 'x', n: 1.5 },
		{ prompt: 'x', aspect_ratio: '5:4' },
		{ prompt: 'x', resolution: '4k' },
		{ prompt: 'x', image_fidelity: 2 },
		{ prompt: 'x', watermark_info: true },
	];
	for (const body of broken) expectError(await create(body), 400, 1201);
	expectError(await call('POST', PATH, 'not json'), 400, 1200);
	const full = {
		prompt: 'x'.repeat(2500),
		model_name: 'kling-v2-1',
		image: 'https://example.invalid/ref.png',
		image_reference: 'subject',
		image_fidelity: 0.5,
		human_fidelity: 0.45,
		resolution: '2k',
		n: 9,
		aspect_ratio: '21:9',
		callback_url: 'https://example.invalid/hook',
		watermark_info: { enabled: false },
	};
	await submit(full);
	expect(server.created).toHaveLength(1);
});

test('serves kling-v3 (the default) and kling-v2-1; the older ids answer that they are discontinued', async () => {
	await start();
	await submit({ prompt: 'x' });
	await submit({ prompt: 'x', model_name: 'kling-v3', resolution: '2k' });
	await submit({ prompt: 'x', model_name: 'kling-v2-1' });
	for (const model of ['kling-v1', 'kling-v1-5', 'kling-v2', 'kling-v2-new']) {
		const answer = await create({ prompt: 'x', model_name: model });
		expectError(answer, 400, 1201);
		expect(answer.json.message).toBe(`The model '${model}' has been discontinued`);
	}
	expect(server.created).toHaveLength(3);
	expect(server.createAttempts).toBe(7);
});

test('image_reference, image_fidelity and human_fidelity are for kling-v2-1 only', async () => {
	await start();
	const image = 'https://example.invalid/ref.png';
	const fields = [{ image_reference: 'face' }, { image_fidelity: 0.5 }, { image_reference: 'subject', human_fidelity: 0.45 }];
	for (const extra of fields) {
		for (const model of [{ model_name: 'kling-v3' }, {}]) {
			const answer = await create({ prompt: 'x', image, ...model, ...extra });
			expectError(answer, 400, 1201);
			expect(answer.json.message).toMatch(/^'(image_reference|image_fidelity)' is only supported by kling-v2-1$/);
		}
		await submit({ prompt: 'x', image, model_name: 'kling-v2-1', ...extra });
	}
	await submit({ prompt: 'x', image, model_name: 'kling-v3' });
	expect(server.created).toHaveLength(4);
});

test('refuses a prompt with the word forbidden with 400/1301', async () => {
	await start();
	expectError(await create({ prompt: 'something forbidden here' }), 400, 1301);
	await submit({ prompt: 'forbiddenness is fine' }); // a whole word only
});

test('queued faults replace the next API answers of any kind', async () => {
	await start();
	const id = await submit({ prompt: 'x' });
	server.enqueue({ status: 429, body: { code: 1102, message: 'resource pack exhausted' } }, { status: 503 }, { reset: true });
	const exhausted = await create({ prompt: 'y' });
	expectError(exhausted, 429, 1102);
	expect(exhausted.json.message).toBe('resource pack exhausted');
	expectError(await read(id), 503, 5000);
	await expect(call('GET', `${PATH}?pageNum=1`)).rejects.toThrow();
	expect((await read(id)).status).toBe(200);
	expect(server.statusPolls.get(id)).toBe(2);
	expect(server.createAttempts).toBe(2);
	expect(server.listCalls).toBe(1);
	expect(server.httpRequests).toBe(5); // faulted ones too
});

test('close() ends hanging requests; clear() resets counters but keeps tasks', async () => {
	await start();
	const id = await submit({ prompt: 'x' });
	server.clear();
	expect([server.createAttempts, server.created.length, server.tokens.length]).toEqual([0, 0, 0]);
	expect((await read(id)).status).toBe(200);
	server.enqueue({ hang: true });
	const hanging = read(id);
	await new Promise((resolve) => setTimeout(resolve, 50));
	await server.close();
	await expect(hanging).rejects.toThrow();
});

describe('task families beside /generations', () => {
	const MULTI = '/v1/images/multi-image2image';
	const EXPAND = '/v1/images/editing/expand';
	const TRY_ON = '/v1/images/kolors-virtual-try-on';
	const png = promptPng('subject', 0).toString('base64');
	const url = 'https://example.invalid/a.png';
	const ratios = { up_expansion_ratio: 0, down_expansion_ratio: 0, left_expansion_ratio: 0, right_expansion_ratio: 0 };

	test('each family checks its own fields', async () => {
		await start();
		const broken: Array<[string, Record<string, unknown>]> = [
			[MULTI, {}],
			[MULTI, { subject_image_list: [] }],
			[MULTI, { subject_image_list: Array.from({ length: 5 }, () => ({ subject_image: url })) }],
			[MULTI, { subject_image_list: [{ image: url }] }],
			[MULTI, { subject_image_list: [{ subject_image: `data:image/png;base64,${png}` }] }],
			[MULTI, { subject_image_list: [{ subject_image: Buffer.from('plain text!!').toString('base64') }] }],
			[MULTI, { subject_image_list: [{ subject_image: url }], model_name: 'kling-v1' }],
			[MULTI, { subject_image_list: [{ subject_image: url }], n: 10 }],
			[MULTI, { subject_image_list: [{ subject_image: url }], negative_prompt: 'no' }],
			[EXPAND, { ...ratios }],
			[EXPAND, { image: url, up_expansion_ratio: 0 }],
			[EXPAND, { image: url, ...ratios, up_expansion_ratio: 2.5 }],
			[EXPAND, { image: url, up_expansion_ratio: 1, down_expansion_ratio: 1, left_expansion_ratio: 1, right_expansion_ratio: 1 }],
			[EXPAND, { image: url, ...ratios, model_name: 'kling-v2' }],
			[TRY_ON, { human_image: url }],
			[TRY_ON, { human_image: url, cloth_image: url, model_name: 'kling-v2' }],
			[TRY_ON, { human_image: url, cloth_image: url, watermark_info: { enabled: true } }],
			[TRY_ON, { human_image: url, cloth_image: url, n: 2 }],
		];
		for (const [path, body] of broken) expectError(await call('POST', path, body), 400, 1201);
		expect(server.created).toHaveLength(0);
		const subjects = Array.from({ length: 4 }, () => ({ subject_image: png }));
		for (const [path, body] of [
			[MULTI, { subject_image_list: subjects, scene_image: url, style_image: png, model_name: 'kling-v2-1', n: 2, aspect_ratio: '1:1' }],
			[EXPAND, { image: png, up_expansion_ratio: 0.5, down_expansion_ratio: 0.5, left_expansion_ratio: 0.25, right_expansion_ratio: 0.25 }],
			[TRY_ON, { human_image: png, cloth_image: url, model_name: 'kolors-virtual-try-on-v1-5' }],
		] as const) {
			expect((await call('POST', path, body)).status).toBe(200);
		}
		expect(server.created.map((task) => task.family)).toEqual(['multiImage', 'expand', 'tryOn']);
	});

	test('a task is read and listed only under its own family, and reports what it deducted', async () => {
		await start({ taskDurationMs: 100 });
		const created = await call('POST', EXPAND, { image: url, ...ratios, n: 2 });
		const id = created.json.data.task_id as string;
		nowMs += 100;
		expectError(await read(id), 404, 1203);
		expectError(await call('GET', `${MULTI}/${id}`), 404, 1203);
		expect(server.misreads).toBe(2);
		const own = await call('GET', `${EXPAND}/${id}`);
		expect(own.json.data).toMatchObject({ task_id: id, task_status: 'succeed', final_unit_deduction: '3', watermark_info: { enabled: false } });
		expect(own.json.data.task_result.images).toHaveLength(2);
		expect(server.statusPolls.get(id)).toBe(1);
		expect((await call('GET', `${EXPAND}?pageNum=1`)).json.data.map((task: any) => task.task_id)).toEqual([id]);
		expect((await call('GET', `${PATH}?pageNum=1`)).json.data).toEqual([]);
	});

	test('a try-on fails when an image URL asks for it, and has no watermark_info', async () => {
		await start({ taskDurationMs: 100 });
		const created = await call('POST', TRY_ON, { human_image: url, cloth_image: 'https://example.invalid/fail.png' });
		nowMs += 100;
		const task = (await call('GET', `${TRY_ON}/${created.json.data.task_id}`)).json.data;
		expect(task).toMatchObject({ task_status: 'failed', task_status_msg: expect.stringContaining('failed') });
		expect(task.watermark_info).toBeUndefined();
	});
});

describe('Omni-Image', () => {
	const OMNI = '/v1/images/omni-image';
	const png = promptPng('subject', 0).toString('base64');
	const url = 'https://example.invalid/a.png';
	const PRESET = '912345678901234567891';

	test('checks the documented rules', async () => {
		await start();
		const images = (count: number) => Array.from({ length: count }, () => ({ image: url }));
		const broken: Array<[Record<string, unknown>, RegExp]> = [
			[{ aspect_ratio: '1:1' }, /'prompt'/],
			[{ prompt: 'x'.repeat(2501), aspect_ratio: '1:1' }, /'prompt'/],
			[{ prompt: 'x', aspect_ratio: '1:1', model_name: 'kling-v3' }, /'model_name'/],
			[{ prompt: 'x' }, /'aspect_ratio' auto/],
			[{ prompt: 'x', aspect_ratio: 'auto' }, /'aspect_ratio' auto/],
			[{ prompt: 'x', aspect_ratio: '5:4' }, /'aspect_ratio'/],
			[{ prompt: 'x', image_list: [{ image: `data:image/png;base64,${png}` }] }, /'image'/],
			[{ prompt: 'x', image_list: [{ url }] }, /'image_list'/],
			[{ prompt: 'x', image_list: images(11) }, /at most 10/],
			[{ prompt: 'x', image_list: images(10), element_list: [{ element_id: PRESET }] }, /at most 10/],
			[{ prompt: 'x', element_list: [{ element_id: '123' }] }, /element_id 123/],
			[{ prompt: 'x', image_list: images(1), resolution: '4k' }, /'resolution' 4k/],
			[{ prompt: 'x', image_list: images(1), resolution: '8k', model_name: 'kling-v3-omni' }, /'resolution'/],
			[{ prompt: 'x', image_list: images(1), result_type: 'series', series_amount: 3 }, /'result_type' series/],
			[{ prompt: 'x', image_list: images(1), result_type: 'series', model_name: 'kling-v3-omni' }, /'series_amount'/],
			[{ prompt: 'x', image_list: images(1), result_type: 'series', series_amount: 10, model_name: 'kling-v3-omni' }, /'series_amount'/],
			[{ prompt: 'x', image_list: images(1), result_type: 'many' }, /'result_type'/],
			[{ prompt: 'x', image_list: images(1), n: 10 }, /'n'/],
			[{ prompt: 'x', image_list: images(1), negative_prompt: 'no' }, /negative_prompt/],
		];
		for (const [body, message] of broken) {
			const answer = await call('POST', OMNI, body);
			expectError(answer, 400, 1201);
			expect(answer.json.message).toMatch(message);
		}
		expect(server.created).toHaveLength(0);
		const fine: Array<Record<string, unknown>> = [
			{ prompt: 'a cat', aspect_ratio: '1:1' },
			{ prompt: 'x', image_list: images(9), element_list: [{ element_id: PRESET }], resolution: '2k', n: 9 },
			{ prompt: 'x', image_list: [{ image: png }], model_name: 'kling-v3-omni', resolution: '4k', aspect_ratio: 'auto' },
			{ prompt: 'x', element_list: [{ element_id: PRESET }], result_type: 'single', series_amount: 12 },
			{ prompt: 'x', aspect_ratio: '21:9', watermark_info: { enabled: true }, callback_url: url, external_task_id: 'o-1' },
		];
		for (const body of fine) expect((await call('POST', OMNI, body)).status).toBe(200);
		expectError(await call('POST', OMNI, { prompt: 'y', aspect_ratio: '1:1', external_task_id: 'o-1' }), 400, 1201);
		expect(server.created.map((task) => task.family)).toEqual(Array(5).fill('omniImage'));
	});

	test('a series holds series_amount slots and answers in series_images; a single in images', async () => {
		await start({ taskDurationMs: 100, maxConcurrentTasks: 5 });
		const series = await call('POST', OMNI, { prompt: 'a storyboard', aspect_ratio: '16:9', model_name: 'kling-v3-omni', result_type: 'series', series_amount: 4 });
		expect(server.slotsInUse()).toBe(4);
		expectError(await call('POST', OMNI, { prompt: 'x', aspect_ratio: '1:1', n: 2 }), 429, 1303);
		const single = await call('POST', OMNI, { prompt: 'one', aspect_ratio: '1:1' });
		nowMs += 100;
		const seriesTask = (await call('GET', `${OMNI}/${series.json.data.task_id}`)).json.data;
		expect(seriesTask.task_result.images).toBeUndefined();
		expect(seriesTask.task_result.series_images.map((image: any) => image.index)).toEqual([0, 1, 2, 3]);
		expect(seriesTask.final_unit_deduction).toBe('10');
		const singleTask = (await call('GET', `${OMNI}/${single.json.data.task_id}`)).json.data;
		expect(singleTask.task_result.series_images).toBeUndefined();
		const [image] = singleTask.task_result.images;
		const bytes = Buffer.from(await (await fetch(image.url)).arrayBuffer());
		expect(bytes.equals(promptPng('one', 0))).toBe(true);
		expect((await call('GET', `${OMNI}?pageNum=1`)).json.data).toHaveLength(2);
		expectError(await read(single.json.data.task_id), 404, 1203);
	});

	test('a series of auto length: the fake picks its length, says so, and holds that many slots; both lists when asked', async () => {
		await start({ taskDurationMs: 100, autoSeriesAmount: 6, seriesInBothLists: true });
		const body = { prompt: 'x', aspect_ratio: '1:1', model_name: 'kling-v3-omni', result_type: 'series', series_amount: 'auto' };
		const created = await call('POST', OMNI, body);
		expect(created.status).toBe(200);
		expect(server.slotsInUse()).toBe(6);
		expectError(await call('POST', OMNI, { ...body, series_amount: 'many' }), 400, 1201);
		nowMs += 100;
		const task = (await call('GET', `${OMNI}/${created.json.data.task_id}`)).json.data;
		expect(task.task_result.result_type).toBe('series');
		expect(task.task_result.series_amount).toBe(6);
		expect(task.task_result.images).toHaveLength(1);
		expect(task.task_result.series_images).toHaveLength(5);
		expect(task.final_balance_deduction).toEqual({ quota: '15', list_price: 2.1 });
	});
});

describe('element library, older API (custom-elements)', () => {
	const ELEMENTS = '/v1/general/custom-elements';
	const url = 'https://example.invalid/side.png';
	const png = promptPng('frontal', 0).toString('base64');
	const element = { element_name: 'Mia', element_description: 'a girl in a red coat', element_frontal_image: png, element_refer_list: [{ image_url: url }] };

	/** The raw answer text: ids must be read from it, JSON.parse rounds them. */
	async function raw(method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
		const response = await fetch(`${server.baseUrl}${path}`, {
			method,
			headers: { Authorization: `Bearer ${jwt()}`, 'Content-Type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		return { status: response.status, text: await response.text() };
	}
	const idsIn = (text: string) => [...text.matchAll(/"element_id":(\d+)/g)].map((match) => match[1]);

	test('creates elements with long ids written as bare JSON numbers, beyond what a float keeps', async () => {
		await start();
		const first = await raw('POST', ELEMENTS, { ...element, tag_list: [{ tag_id: 'o_102' }, { tag_id: 'o_105' }] });
		const second = await raw('POST', ELEMENTS, { ...element, element_name: 'Mia 2' });
		expect([first.status, second.status]).toEqual([200, 200]);
		const [id1] = idsIn(first.text);
		const [id2] = idsIn(second.text);
		expect(BigInt(id1) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
		expect(String(Number(id1))).not.toBe(id1);
		expect(Number(id1)).toBe(Number(id2)); // a float cannot tell them apart
		const data = JSON.parse(first.text).data;
		expect(data).toMatchObject({ element_name: 'Mia', owned_by: 'user', element_refer_list: [{ image_url: url }] });
		expect(data.tag_list).toEqual([
			{ id: 'o_102', name: 'person', description: 'person' },
			{ id: 'o_105', name: 'clothing', description: 'clothing' },
		]);
		const frontal = await fetch(data.element_frontal_image);
		expect(Buffer.from(await frontal.arrayBuffer()).equals(promptPng('frontal', 0))).toBe(true);
		expect(server.olderElements().map((own) => own.element_id)).toEqual([id1, id2]);
		expect(server.ownElements()).toEqual([]); // the current API does not see them
		const listed = await raw('GET', `${ELEMENTS}?pageNum=1&pageSize=1`);
		expect(idsIn(listed.text)).toEqual([id2]);
		expect(idsIn((await raw('GET', `${ELEMENTS}?pageNum=2&pageSize=1`)).text)).toEqual([id1]);
		const presets = await raw('GET', '/v1/general/presets-elements?pageNum=1&pageSize=30');
		expect(idsIn(presets.text)).toEqual(server.olderPresetElements.map((preset) => preset.element_id));
		expect(JSON.parse(presets.text).data.every((preset: any) => preset.owned_by === 'kling')).toBe(true);
		expect(server.elementCalls.map((made) => `${made.method} ${made.path}`)).toEqual([
			`POST ${ELEMENTS}`, `POST ${ELEMENTS}`, `GET ${ELEMENTS}`, `GET ${ELEMENTS}`, 'GET /v1/general/presets-elements',
		]);
		expect(server.elementCalls[2].query).toEqual({ pageNum: '1', pageSize: '1' });
	});

	test('refuses what the docs refuse, naming the field', async () => {
		await start();
		const broken: Array<[Record<string, unknown>, RegExp]> = [
			[{ ...element, element_name: undefined }, /'element_name'/],
			[{ ...element, element_name: 'x'.repeat(21) }, /'element_name' must be at most 20/],
			[{ ...element, element_description: 'x'.repeat(101) }, /'element_description' must be at most 100/],
			[{ ...element, element_frontal_image: undefined }, /'element_frontal_image'/],
			[{ ...element, element_frontal_image: `data:image/png;base64,${png}` }, /'element_frontal_image'/],
			[{ ...element, element_refer_list: [] }, /'element_refer_list' must hold 1 to 3/],
			[{ ...element, element_refer_list: Array(4).fill({ image_url: url }) }, /'element_refer_list' must hold 1 to 3/],
			[{ ...element, element_refer_list: [{ image_url: png }] }, /'image_url'/],
			[{ ...element, tag_list: [{ tag_id: 'o_109' }] }, /'tag_list'.*o_109/],
			[{ ...element, tags: [] }, /unknown field/],
		];
		for (const [body, message] of broken) {
			const answer = await call('POST', ELEMENTS, body);
			expectError(answer, 400, 1201);
			expect(answer.json.message).toMatch(message);
		}
		expect(server.olderElements()).toEqual([]);
		expect(server.elementCalls).toHaveLength(broken.length);
	});

	test('deletes own elements by id sent as a bare number; a quoted id, presets and unknown ids are refused', async () => {
		await start();
		const [id1] = idsIn((await raw('POST', ELEMENTS, element)).text);
		const [id2] = idsIn((await raw('POST', ELEMENTS, element)).text);
		const deleteRaw = async (text: string) =>
			await fetch(`${server.baseUrl}/v1/general/delete-elements`, {
				method: 'POST',
				headers: { Authorization: `Bearer ${jwt()}`, 'Content-Type': 'application/json' },
				body: text,
			});
		// A float-rounded id names no element.
		expect((await deleteRaw(`{"element_id": ${Number(id1)}}`)).status).toBe(404);
		expect((await deleteRaw(`{"element_id": ${id1}}`)).status).toBe(200);
		// Kling reads the id as a long: the same digits in quotes are refused.
		const quoted = await deleteRaw(`{"element_id": "${id2}"}`);
		expect({ status: quoted.status, code: (await quoted.json()).code }).toEqual({ status: 400, code: 1201 });
		expect((await deleteRaw(`{"element_id":${id2}}`)).status).toBe(200);
		expect(server.olderElements()).toEqual([]);
		expect((await deleteRaw(`{"element_id":${id2}}`)).status).toBe(404);
		expect((await deleteRaw(`{"element_id":${server.olderPresetElements[0].element_id}}`)).status).toBe(400);
		expectError(await call('POST', '/v1/general/delete-elements', { element_id: 'abc' }), 400, 1201);
		expect(server.elementCalls.at(-1)?.body).toEqual({ element_id: 'abc' });
	});

	test('an Omni-Image task accepts own and preset element ids as bare integers, exact to the last digit; quoted ones are refused', async () => {
		await start();
		const [id] = idsIn((await raw('POST', ELEMENTS, element)).text);
		const omni = async (elementId: string) =>
			await fetch(`${server.baseUrl}/v1/images/omni-image`, {
				method: 'POST',
				headers: { Authorization: `Bearer ${jwt()}`, 'Content-Type': 'application/json' },
				body: `{"prompt":"x","element_list":[{"element_id":${elementId}}]}`,
			});
		expect((await omni(id)).status).toBe(200);
		expect((await omni(`"${id}"`)).status).toBe(400);
		expect((await omni(String(Number(id)))).status).toBe(400); // 8.6e+20: not an id
		expect((await omni(BigInt(Number(id)).toString())).status).toBe(400); // rounded: no such element
		expect((await omni(server.olderPresetElements[0].element_id)).status).toBe(200);
		expect(server.created.map((task) => task.body.element_list)).toEqual([[{ element_id: id }], [{ element_id: server.olderPresetElements[0].element_id }]]);
		// A prompt may speak of ids in quotes: only a real key counts.
		const prompt = JSON.stringify({ prompt: 'say "element_id": "1"', element_list: [{ element_id: 1 }] }).replace('"element_id":1', `"element_id":${id}`);
		expect((await fetch(`${server.baseUrl}/v1/images/omni-image`, { method: 'POST', headers: { Authorization: `Bearer ${jwt()}`, 'Content-Type': 'application/json' }, body: prompt })).status).toBe(200);
	});
});

describe('element library, current API (advanced-custom-elements, a task family)', () => {
	const TASKS = '/v1/general/advanced-custom-elements';
	const url = 'https://example.invalid/side.png';
	const frontal = promptPng('frontal', 0).toString('base64');
	const back = promptPng('back', 1).toString('base64');
	const element = {
		element_name: 'Mia',
		element_description: 'a girl in a red coat',
		reference_type: 'image_refer',
		element_image_list: { frontal_image: frontal, refer_images: [{ image_url: url }, { image_url: back }] },
		tag_list: [{ tag_id: 'o_102' }],
		external_task_id: 'el-1',
	};
	const post = async (path: string, text: string) =>
		await fetch(`${server.baseUrl}${path}`, { method: 'POST', headers: { Authorization: `Bearer ${jwt()}`, 'Content-Type': 'application/json' }, body: text });
	const get = async (path: string) => await (await fetch(`${server.baseUrl}${path}`, { headers: { Authorization: `Bearer ${jwt()}` } })).text();
	const idsIn = (text: string) => [...text.matchAll(/"element_id":(\d+)/g)].map((match) => match[1]);

	test('create is a task: read by id and external id, listed; its result lists the element with a bare long id, numeric owned_by and tag objects', async () => {
		await start({ taskDurationMs: 1000 });
		const created = await call('POST', TASKS, element);
		expect(created.status).toBe(200);
		const taskId = created.json.data.task_id;
		expect(created.json.data.task_status).toBe('submitted');
		expect(server.created.map((task) => task.family)).toEqual(['element']);
		expect(server.ownElements()).toEqual([]); // not before the task succeeds
		nowMs += 1000;
		const byId = await get(`${TASKS}/${taskId}`);
		expect(await get(`${TASKS}/el-1`)).toContain(`"task_id":"${taskId}"`);
		const [id] = idsIn(byId);
		expect(BigInt(id) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
		const data = JSON.parse(byId).data;
		expect(data).toMatchObject({ task_status: 'succeed', final_unit_deduction: '3', task_info: { external_task_id: 'el-1' } });
		const [made] = data.task_result.elements;
		expect(made).toMatchObject({ element_name: 'Mia', element_description: 'a girl in a red coat', element_type: 'image_refer', tag_list: [{ id: 'o_102', name: 'character', description: 'None' }] });
		expect(typeof made.owned_by).toBe('number');
		expect(made.element_image_list.refer_images[0]).toEqual({ image_url: url });
		// Uploaded pictures are kept and shown as URLs.
		const served = async (address: string) => Buffer.from(await (await fetch(address)).arrayBuffer());
		expect((await served(made.element_image_list.frontal_image)).equals(promptPng('frontal', 0))).toBe(true);
		expect((await served(made.element_image_list.refer_images[1].image_url)).equals(promptPng('back', 1))).toBe(true);
		expect(idsIn(await get(`${TASKS}?pageNum=1&pageSize=10`))).toEqual([id]);
		expect(server.ownElements().map((own) => own.element_id)).toEqual([id]);
		// The older API cannot see it, nor the current one the older API's elements.
		expect(idsIn(await get('/v1/general/custom-elements?pageNum=1&pageSize=30'))).toEqual([]);
		expect(server.olderElements()).toEqual([]);
	});

	test('presets are listed as succeeded tasks, one per preset', async () => {
		await start();
		const text = await get('/v1/general/advanced-presets-elements?pageNum=1&pageSize=30');
		const tasks = JSON.parse(text).data;
		expect(tasks.map((task: any) => task.task_status)).toEqual(server.presetElements.map(() => 'succeed'));
		expect(idsIn(text)).toEqual(server.presetElements.map((preset) => preset.element_id));
		expect(idsIn(await get('/v1/general/advanced-presets-elements?pageNum=2&pageSize=1'))).toEqual([server.presetElements[1].element_id]);
		expect(server.elementCalls.map((made) => made.path)).toEqual(['/v1/general/advanced-presets-elements', '/v1/general/advanced-presets-elements']);
	});

	test('deletes an element of the current API by bare id; the task then lists none; a quoted id and presets are refused', async () => {
		await start();
		await call('POST', TASKS, element);
		nowMs += 1000;
		const [id] = server.ownElements().map((own) => own.element_id);
		expect((await post('/v1/general/delete-elements', `{"element_id":"${id}"}`)).status).toBe(400);
		expect((await post('/v1/general/delete-elements', `{"element_id":${server.presetElements[0].element_id}}`)).status).toBe(400);
		expect((await post('/v1/general/delete-elements', `{"element_id":${id}}`)).status).toBe(200);
		expect(server.ownElements()).toEqual([]);
		expect(idsIn(await get(`${TASKS}/el-1`))).toEqual([]);
		expect((await post('/v1/general/delete-elements', `{"element_id":${id}}`)).status).toBe(404);
	});

	test('refuses what the docs refuse, naming the field', async () => {
		await start();
		const images = element.element_image_list;
		const broken: Array<[Record<string, unknown>, RegExp]> = [
			[{ ...element, element_name: 'x'.repeat(21) }, /'element_name' must be at most 20/],
			[{ ...element, element_description: 'x'.repeat(101) }, /'element_description' must be at most 100/],
			[{ ...element, reference_type: undefined }, /'reference_type'/],
			[{ ...element, element_image_list: { ...images, frontal_image: undefined } }, /'frontal_image'/],
			[{ ...element, element_image_list: { ...images, refer_images: [] } }, /refer_images' must hold 1 to 3/],
			[{ ...element, element_image_list: { ...images, refer_images: Array(4).fill({ image_url: url }) } }, /refer_images' must hold 1 to 3/],
			[{ ...element, element_image_list: { ...images, refer_images: [{ image_url: Buffer.from('plain text!!').toString('base64') }] } }, /'image_url' must be a JPG or PNG/],
			[{ ...element, element_image_list: { ...images, refer_images: [{ image_url: `data:image/png;base64,${back}` }] } }, /'image_url'/],
			[{ ...element, tag_list: [{ tag_id: 'o_109' }] }, /'tag_list'.*o_109/],
			[{ ...element, element_refer_list: [] }, /unknown field/],
		];
		for (const [body, message] of broken) {
			const answer = await call('POST', TASKS, body);
			expectError(answer, 400, 1201);
			expect(answer.json.message).toMatch(message);
		}
		expect(server.created).toEqual([]);
	});
});

describe('image recognize', () => {
	const RECOGNIZE = '/v1/videos/image-recognize';
	const kinds = (json: any) => json.data.task_result.images.map((image: any) => `${image.type}:${image.is_contain}`);

	test('answers at once; what it finds depends on the image', async () => {
		await start({ extraSegmentTypes: ['hand_seg'] });
		const all = await call('POST', RECOGNIZE, { image: 'https://example.invalid/person.png' });
		expect(all.status).toBe(200);
		expect(all.json.data.final_unit_deduction).toBe('0.2');
		expect(all.json.data.task_id).toBeUndefined();
		expect(kinds(all.json)).toEqual(['object_seg:true', 'head_seg:true', 'face_seg:true', 'cloth_seg:true', 'hand_seg:true']);
		const face = all.json.data.task_result.images[2];
		const bytes = Buffer.from(await (await fetch(face.url)).arrayBuffer());
		expect(bytes.equals(promptPng('face_seg', 0))).toBe(true);
		const noFace = await call('POST', RECOGNIZE, { image: 'https://example.invalid/noface.png' });
		expect(kinds(noFace.json)).toEqual(['object_seg:true', 'head_seg:false', 'face_seg:false', 'cloth_seg:true', 'hand_seg:true']);
		expect(noFace.json.data.task_result.images[1].url).toBe('');
		const uploaded = await call('POST', RECOGNIZE, { image: promptPng('me', 0).toString('base64') });
		expect(kinds(uploaded.json)).toEqual(['object_seg:true', 'head_seg:true', 'face_seg:true', 'cloth_seg:false', 'hand_seg:true']);
		expect(server.created).toHaveLength(0);
		expect(server.recognizeCalls).toHaveLength(3);
	});

	test('refuses a missing or bad image and unknown fields', async () => {
		await start();
		for (const body of [{}, { image: '' }, { image: 'data:image/png;base64,AAAA' }, { image: 'https://x.invalid/a.png', n: 2 }]) {
			expectError(await call('POST', RECOGNIZE, body), 400, 1201);
		}
		expect(server.recognizeCalls).toHaveLength(4);
	});
});

describe('AI Multi-Shot', () => {
	const MULTI_SHOT = '/v1/general/ai-multi-shot';
	const png = promptPng('front', 0).toString('base64');

	test('takes a front image and nothing else; answers three views url_1 to url_3 in one entry of images, 20 units', async () => {
		await start({ taskDurationMs: 100 });
		expectError(await call('POST', MULTI_SHOT, {}), 400, 1201);
		expectError(await call('POST', MULTI_SHOT, { element_frontal_image: png, prompt: 'x' }), 400, 1201);
		expectError(await call('POST', MULTI_SHOT, { element_frontal_image: 'not an image' }), 400, 1201);
		const created = await call('POST', MULTI_SHOT, { element_frontal_image: png, external_task_id: 'ms-1' });
		expect(created.status).toBe(200);
		expect(server.slotsInUse()).toBe(1);
		nowMs += 100;
		const task = (await call('GET', `${MULTI_SHOT}/ms-1`)).json.data;
		expect(task.final_unit_deduction).toBe('20');
		const [entry] = task.task_result.images;
		expect(Object.keys(entry).sort()).toEqual(['index', 'url_1', 'url_2', 'url_3']);
		expect(server.imageBytesFor(entry.url_3)?.length).toBeGreaterThan(100);
		expect((await call('GET', `${MULTI_SHOT}?pageNum=1&pageSize=10`)).json.data).toHaveLength(1);
		expectError(await read(created.json.data.task_id), 404, 1203);
	});
});
