/**
 * One account, many executions: limits shared by every execution of the node in this process,
 * waits for the account's limit that cost no retries, and generations that are never created twice.
 */
import { largePng } from '../../support/fakeImages';
import { startFakeKlingOfficialServer } from '../../support/fakeKlingOfficialServer';
import type { FakeKlingOfficialServer } from '../../support/fakeKlingOfficialServer';
import { startFakeKlingServer } from '../../support/fakeKlingServer';
import type { FakeKlingServer } from '../../support/fakeKlingServer';
import { prompts, runKling, runKlingOfficial } from './kling.harness';
import { timed } from '../../support/checks';

const urlOutput = { prompt: 'x', output: 'url' };


describe('gateway: a generation the API may have made is not sent blindly again', () => {
	let server: FakeKlingServer;
	beforeAll(async () => (server = await startFakeKlingServer({ apiKey: 'sk-test-5f1c9e7a2b8d4c6e' })));
	afterEach(() => server.clear());
	afterAll(async () => await server.close());

	it('a 502 once, then success: exactly two POSTs with the default setting', async () => {
		server.enqueue({ status: 502 });
		const { items, error } = await runKling({ server, parameters: urlOutput });
		expect(error).toBeUndefined();
		expect(items).toHaveLength(1);
		expect(server.attempts).toBe(2);
	});

	it('a 502 twice: the second is not resent, and the message says why and what allows it', async () => {
		server.enqueue({ status: 502 }, { status: 502 });
		const { error } = await runKling({ server, parameters: urlOutput });
		expect(server.attempts).toBe(2);
		expect(error?.message).toContain('The Kling API failed (HTTP 502)');
		expect(error?.message).toContain('It was not sent again: the API may have made (and billed) the images');
		expect(error?.message).toContain('Resend After Unclear Failures');
	});

	it('with Resend After Unclear Failures 0, a 504 is not resent at all', async () => {
		server.enqueue({ status: 504 });
		const { error } = await runKling({ server, parameters: { ...urlOutput, options: { resendAfterUnclear: 0 } } });
		expect(server.attempts).toBe(1);
		expect(error?.message).toContain('HTTP 504');
	});

	it('a connection cut after the body was sent counts as unclear', async () => {
		server.enqueue({ reset: true });
		const { error } = await runKling({ server, parameters: { ...urlOutput, options: { resendAfterUnclear: 0 } } });
		expect(server.attempts).toBe(1);
		expect(error?.message).toContain('It was not sent again');
	});

	it('a connection cut before the body was sent is resent even when unclear failures are not', async () => {
		// A body of several MB cannot be written before the server drops the connection.
		const reference = largePng(6 * 1024 * 1024).toString('base64');
		server.enqueue({ resetBeforeBody: true });
		const { items, error } = await runKling({
			server,
			parameters: { ...urlOutput, imageSource: 'base64', imageBase64: reference, options: { resendAfterUnclear: 0 } },
		});
		expect(error).toBeUndefined();
		expect(items).toHaveLength(1);
		expect(server.attempts).toBe(2);
	});

	it('503 (not processed) is resent within Max Retries even when unclear failures are not', async () => {
		server.enqueue({ status: 503 }, { status: 503 });
		const { error } = await runKling({ server, parameters: { ...urlOutput, options: { resendAfterUnclear: 0 } } });
		expect(error).toBeUndefined();
		expect(server.attempts).toBe(3);
	});
});

describe('gateway: waiting for the account is not a failure', () => {
	let server: FakeKlingServer;
	beforeAll(async () => (server = await startFakeKlingServer({ apiKey: 'sk-test-5f1c9e7a2b8d4c6e' })));
	afterEach(() => server.clear());
	afterAll(async () => await server.close());

	const throttled = (retryAfter: string) => ({ status: 429, headers: { 'Retry-After': retryAfter }, body: { error: { message: 'slow down' } } });

	it('six 429s in a row do not spend Max Retries', async () => {
		server.enqueue(...Array.from({ length: 6 }, () => throttled('0')));
		const { items, error } = await runKling({ server, parameters: { ...urlOutput, options: { maxRetries: 0 } } });
		expect(error).toBeUndefined();
		expect(items).toHaveLength(1);
		expect(server.attempts).toBe(7);
	});

	it('an item that reaches its Timeout while throttled says it waited for the account, and how long', async () => {
		server.enqueue(...Array.from({ length: 20 }, () => throttled('0.4')));
		const { result, ms } = await timed(runKling({ server, parameters: { ...urlOutput, options: { timeout: 2 } } }));
		expect(result.error?.message).toMatch(/^Waited [12] s for the Kling account's limit and reached Timeout \(2 s\)/);
		expect(result.error?.message).toContain('slow down');
		expect(ms).toBeLessThan(4000);
	});

	it('a Retry-After longer than the item has left fails at once, quoting it', async () => {
		server.enqueue(throttled('86400'));
		const { result, ms } = await timed(runKling({ server, parameters: urlOutput }));
		expect(result.error?.message).toContain('the server asked to wait 86400 s (Retry-After), longer than the 600 s left');
		expect(server.attempts).toBe(1);
		expect(ms).toBeLessThan(2000);
	});

	it('when all it had in flight is refused, no item of another execution follows into the same refusal before the Retry-After', async () => {
		// An account of its own (another address): what the tests above taught theirs must not shape this first wave.
		const own = await startFakeKlingServer({ apiKey: server.apiKey });
		try {
			own.enqueue(...Array.from({ length: 4 }, () => throttled('1')));
			const run = (name: string) =>
				runKling({ server: own, apiKey: own.apiKey, items: prompts(`${name} 1`, `${name} 2`, `${name} 3`, `${name} 4`), parameters: { prompt: '={{ $json.prompt }}', output: 'url' } });
			const results = await Promise.all([run('a'), run('b')]);
			for (const { error, items } of results) {
				expect(error).toBeUndefined();
				expect(items).toHaveLength(4);
			}
			const refusals = own.attemptLog.filter((attempt) => attempt.outcome === 'fault'); // the enqueued 429s
			expect(refusals).toHaveLength(4);
			const lastRefusal = Math.max(...refusals.map((attempt) => attempt.at));
			const followers = own.attemptLog.filter((attempt) => attempt.at > lastRefusal && attempt.at < lastRefusal + 900);
			expect(followers).toHaveLength(0);
			expect(own.attempts).toBe(12);
		} finally {
			await own.close();
		}
	});

	it('a negative Retry-After is ignored, not read as "no wait"', async () => {
		server.enqueue(throttled('-1'));
		const { result, ms } = await timed(runKling({ server, parameters: urlOutput }));
		expect(result.error).toBeUndefined();
		expect(server.attempts).toBe(2);
		expect(ms).toBeGreaterThanOrEqual(450); // the node's own backoff, from about a second
	});
});

describe('gateway: limits belong to the account, across executions', () => {
	let server: FakeKlingServer;
	beforeAll(async () => {
		server = await startFakeKlingServer({ apiKey: 'sk-test-5f1c9e7a2b8d4c6e', maxConcurrent: 3, latencyMs: 150 });
	});
	afterAll(async () => await server.close());

	const throttledCount = () => server.attemptLog.filter((attempt) => attempt.outcome === 'throttled').length;

	it('many executions at once all succeed, and the next batch starts from what the first learned', async () => {
		const batch = async () =>
			await Promise.all(
				Array.from({ length: 8 }, async (_, run) =>
					await runKling({ server, items: prompts(`a ${run}`, `b ${run}`), parameters: { prompt: '={{ $json.prompt }}', output: 'url' } }),
				),
			);
		const first = await batch();
		expect(first.map((run) => run.error)).toEqual(Array(8).fill(undefined));
		expect(first.flatMap((run) => run.items)).toHaveLength(16);
		const firstThrottled = throttledCount();
		expect(server.requests).toHaveLength(16);
		expect(server.peakInFlight).toBeLessThanOrEqual(3);

		server.clear();
		const second = await batch();
		expect(second.map((run) => run.error)).toEqual(Array(8).fill(undefined));
		// Each execution used to learn the limit from scratch: 8 runs of 2 items drew dozens of 429s.
		expect(firstThrottled).toBeLessThanOrEqual(4);
		expect(throttledCount()).toBeLessThanOrEqual(2);
	});
});

describe('official API: tasks are created once, and wait for the account\'s slots', () => {
	let official: FakeKlingOfficialServer;
	afterEach(async () => await official.close());

	const fast = { pollInterval: 0.1 };

	it('every create carries an external_task_id, unique per item', async () => {
		official = await startFakeKlingOfficialServer({ taskDurationMs: 100 });
		const { error } = await runKlingOfficial({ server: official, items: prompts('a', 'b', 'c'), parameters: { prompt: '={{ $json.prompt }}', output: 'url', options: fast } });
		expect(error).toBeUndefined();
		const ids = official.created.map((task) => task.body.external_task_id);
		expect(ids.every((id) => typeof id === 'string' && id.length > 8)).toBe(true);
		expect(new Set(ids).size).toBe(3);
	});

	it('a 504 on a create that was made: the task is looked up, not created again', async () => {
		official = await startFakeKlingOfficialServer({ taskDurationMs: 100 });
		official.enqueue({ afterProcessing: { status: 504 } });
		const { items, error } = await runKlingOfficial({ server: official, parameters: { prompt: 'once', output: 'url', options: fast } });
		expect(error).toBeUndefined();
		expect(official.created).toHaveLength(1);
		expect(official.createAttempts).toBe(1);
		expect(items).toHaveLength(1);
		expect(items[0].json.taskId).toBe(official.created[0].taskId);
	});

	it('a 504 on a create that was not made: the lookup finds none, and it is created once', async () => {
		official = await startFakeKlingOfficialServer({ taskDurationMs: 100 });
		official.enqueue({ status: 504 });
		const { items, error } = await runKlingOfficial({ server: official, parameters: { prompt: 'once', output: 'url', options: fast } });
		expect(error).toBeUndefined();
		expect(official.created).toHaveLength(1);
		expect(official.createAttempts).toBe(2);
		expect(items).toHaveLength(1);
	});

	it('more items than task slots: waiting for a slot is not a failure, and slots count images', async () => {
		official = await startFakeKlingOfficialServer({ taskDurationMs: 1200, maxConcurrentTasks: 5 });
		const { items, error } = await runKlingOfficial({
			server: official,
			items: prompts('a', 'b', 'c', 'd'),
			parameters: { prompt: '={{ $json.prompt }}', n: 4, output: 'url', options: { ...fast, maxRetries: 0, concurrency: 4 } },
		});
		expect(error).toBeUndefined();
		expect(items).toHaveLength(16);
		expect(official.peakSlots).toBeLessThanOrEqual(5);
		// A task of 4 images takes 4 of the 5 slots: the second is tried once, and its 1303 teaches the
		// account's limit, so the others are not tried while a task runs.
		expect(official.createAttempts).toBe(5);
	});

	it('more parallel items than the account allows, found out by 1303: no item fails', async () => {
		official = await startFakeKlingOfficialServer({ taskDurationMs: 1000, maxConcurrentTasks: 2 });
		const { items, error } = await runKlingOfficial({
			server: official,
			items: prompts('a', 'b', 'c', 'd', 'e', 'f'),
			parameters: { prompt: '={{ $json.prompt }}', output: 'url', options: { ...fast, maxRetries: 0, concurrency: 6 } },
		});
		expect(error).toBeUndefined();
		expect(items).toHaveLength(6);
		expect(official.created).toHaveLength(6);
		expect(official.peakSlots).toBeLessThanOrEqual(2);
	});

	it('an item that cannot get a slot within Max Wait says it waited for the account', async () => {
		official = await startFakeKlingOfficialServer({ taskDurationMs: 5000, maxConcurrentTasks: 1 });
		const { items, error } = await runKlingOfficial({
			server: official,
			items: prompts('a', 'b'),
			continueOnFail: true,
			parameters: { prompt: '={{ $json.prompt }}', output: 'url', options: { ...fast, maxWait: 0.05, concurrency: 2 } },
		});
		expect(error).toBeUndefined();
		const messages = items.map((item) => String(item.json.error ?? ''));
		expect(messages.some((message) => /Waited \d+ s for the Kling account's limit and reached Max Wait \(3 s\)/.test(message))).toBe(true);
	});

	it('an error after the task was created names the task, for Get Task', async () => {
		official = await startFakeKlingOfficialServer({ taskDurationMs: 100 });
		// The create is answered as usual; the first status check with a 400, which is not retried.
		official.enqueue({ pass: true }, { status: 400, body: { code: 1201, message: 'bad read' } });
		const run = runKlingOfficial({ server: official, parameters: { prompt: 'x', output: 'url', options: fast } });
		const { error } = await run;
		expect(error?.message).toContain(`Kling task ${official.created[0].taskId}`);
		expect(error?.message).toContain('Get Task');
	});

	it('status checks that hang are bounded by Max Wait, not by the generation Timeout each', async () => {
		official = await startFakeKlingOfficialServer({ taskDurationMs: 60_000 });
		official.enqueue({ pass: true }, ...Array.from({ length: 10 }, () => ({ hang: true as const })));
		const { result, ms } = await timed(
			runKlingOfficial({ server: official, parameters: { prompt: 'x', output: 'url', options: { ...fast, maxWait: 0.05 } } }),
		);
		expect(result.error?.message).toContain(`Kling task ${official.created[0].taskId}`);
		expect(ms).toBeLessThan(5000);
	});

	it('List Tasks and Get Task run with their own options, not Generate\'s', async () => {
		official = await startFakeKlingOfficialServer({ taskDurationMs: 50 });
		official.enqueue({ status: 503 });
		const listed = await runKlingOfficial({ server: official, parameters: { operation: 'listTasks', options: { maxRetries: 0 } } });
		expect(listed.error?.message).toContain('injected fault 503');
		expect(official.listCalls).toBe(1);
		official.enqueue({ status: 503 });
		const read = await runKlingOfficial({ server: official, parameters: { operation: 'getTask', taskId: 'missing', options: { maxRetries: 0 } } });
		expect(read.error?.message).toBe('Kling had a server error (code 5000): injected fault 503. Run again later');
	});
});

describe('official API: task slots per model version', () => {
	let official: FakeKlingOfficialServer;
	afterEach(async () => await official.close());

	const TASK_MS = 800;
	const items = prompts('a', 'b', 'c', 'd', 'e', 'f');
	const options = { pollInterval: 0.1, maxRetries: 0, concurrency: 6 };

	async function until(condition: () => boolean): Promise<void> {
		for (let waited = 0; !condition(); waited += 10) {
			if (waited > 5000) throw new Error('condition not met within 5 s');
			await new Promise((resolve) => setTimeout(resolve, 10));
		}
	}

	it('kling-v3 and kling-image-o1 on one account run side by side; a 1303 of one does not hold back the other', async () => {
		official = await startFakeKlingOfficialServer({ taskDurationMs: TASK_MS, taskLimitsByModel: { 'kling-v3': 2, 'kling-image-o1': 2 } });
		const started = Date.now();
		const v3 = timed(
			runKlingOfficial({ server: official, items, parameters: { modelName: 'kling-v3', prompt: '={{ $json.prompt }}', output: 'url', options } }),
		);
		// Omni Image starts once kling-v3 has met its 1303 (so has learned its limit) and holds both its slots.
		await until(() => official.createAttempts > official.created.length);
		const o1 = timed(
			runKlingOfficial({
				server: official,
				items,
				parameters: { operation: 'omniImage', prompt: '={{ $json.prompt }}', omniAspectRatio: '1:1', output: 'url', options },
			}),
		);
		const [v3Run, o1Run] = await Promise.all([v3, o1]);
		const wallMs = Date.now() - started;
		for (const { result } of [v3Run, o1Run]) {
			expect(result.error).toBeUndefined();
			expect(result.items).toHaveLength(6);
		}
		expect(official.created.map((task) => task.body.model_name).sort()).toEqual([...Array(6).fill('kling-image-o1'), ...Array(6).fill('kling-v3')]);
		// Each model used both its slots, at the same time: four tasks ran at once.
		expect(official.peakSlotsByModel).toEqual({ 'kling-v3': 2, 'kling-image-o1': 2 });
		expect(official.peakSlots).toBe(4);
		// Both are done about when kling-v3 alone is (three rounds of two), not after the sum of both (six).
		expect(wallMs).toBeLessThan(v3Run.ms + TASK_MS);
		// One 1303 per model teaches its pool; a few more at most.
		expect(official.createAttempts).toBeLessThanOrEqual(12 + 4);
	});
});
