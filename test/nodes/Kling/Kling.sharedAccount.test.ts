/**
 * One official account shared with other clients (another worker, a script, Kling's console):
 * the node reads Kling's task lists to see what the account runs, so a slot is used when it
 * frees wherever it frees. n8n-core's engine against the fake official API.
 */
import { signKlingJwt } from '../../../nodes/Kling/transport/auth';
import { startFakeKlingOfficialServer } from '../../support/fakeKlingOfficialServer';
import type { FakeKlingOfficialServer } from '../../support/fakeKlingOfficialServer';
import { prompts, runKlingOfficial } from './kling.harness';

const TASK_MS = 3000;
let fake: FakeKlingOfficialServer;

beforeEach(async () => {
	fake = await startFakeKlingOfficialServer({ taskDurationMs: TASK_MS, maxConcurrentTasks: 5 });
});
afterEach(async () => await fake.close());

/** Another client of the same account creating a generation task. */
async function otherClientCreates(prompt: string): Promise<void> {
	const token = signKlingJwt(fake.accessKey, fake.secretKey, Math.floor(Date.now() / 1000));
	const response = await fetch(`${fake.baseUrl}/v1/images/generations`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
		body: JSON.stringify({ prompt }),
	});
	expect(response.status).toBe(200);
}

describe('official API: an account shared with other clients', () => {
	it('another client holds 4 of 5 slots for one task length, then frees them: the run fills all 5 within about a second of their end', async () => {
		for (let i = 0; i < 4; i++) await otherClientCreates(`elsewhere ${i}`);
		const othersEnd = Math.max(...fake.created.map((task) => task.createdAt)) + TASK_MS;
		const ours = 9;
		const { items, error } = await runKlingOfficial({
			server: fake,
			items: prompts(...Array.from({ length: ours }, (_, i) => `ours ${i}`)),
			parameters: { prompt: '={{ $json.prompt }}', output: 'url', options: { concurrency: 10, pollInterval: 0.5 } },
		});
		expect(error).toBeUndefined();
		expect(items).toHaveLength(ours);
		const created = fake.created.filter((task) => String(task.body.prompt).startsWith('ours')).map((task) => task.createdAt);
		expect(created).toHaveLength(ours);
		// One fitted beside the other client's four at once; the next four went when theirs ended, not a minute later.
		const afterTheirEnd = created.filter((at) => at >= othersEnd).sort((a, b) => a - b);
		expect(afterTheirEnd.length).toBeGreaterThanOrEqual(4);
		expect(afterTheirEnd[3] - othersEnd).toBeLessThan(1500);
		expect(fake.peakSlots).toBe(5);
		// A refusal teaches the limit once; from then on the lists are read, not guessed.
		expect(fake.createAttempts - fake.created.length).toBeLessThanOrEqual(2);
	});

	it('a refusal while other clients run sets the limit to what the account ran, not what this process held', async () => {
		for (let i = 0; i < 3; i++) await otherClientCreates(`elsewhere ${i}`);
		const { items, error } = await runKlingOfficial({
			server: fake,
			items: prompts('ours 0', 'ours 1', 'ours 2', 'ours 3'),
			parameters: { prompt: '={{ $json.prompt }}', output: 'url', options: { concurrency: 10, pollInterval: 0.5 } },
		});
		expect(error).toBeUndefined();
		expect(items).toHaveLength(4);
		// Two fit beside the three; the other two ran as soon as slots freed, in one more task length, not one at a time.
		const ours = fake.created.filter((task) => String(task.body.prompt).startsWith('ours')).map((task) => task.createdAt);
		const first = Math.min(...ours);
		expect(Math.max(...ours) - first).toBeLessThan(TASK_MS + 1500);
		expect(fake.peakSlots).toBe(5);
		expect(fake.listCalls).toBeGreaterThan(0);
	});

	it('items that began waiting before the limit was known take the slots freed later, round after round, not after a long sleep', async () => {
		await fake.close();
		const taskMs = 1000;
		fake = await startFakeKlingOfficialServer({ taskDurationMs: taskMs, maxConcurrentTasks: 2 });
		const count = 8;
		const { items, error } = await runKlingOfficial({
			server: fake,
			items: prompts(...Array.from({ length: count }, (_, i) => `ours ${i}`)),
			parameters: { prompt: '={{ $json.prompt }}', output: 'url', options: { concurrency: count, pollInterval: 0.5 } },
		});
		expect(error).toBeUndefined();
		expect(items).toHaveLength(count);
		// Each task after the first two went soon after a slot freed: no slot lay free for long while items waited.
		const created = fake.created.map((task) => task.createdAt).sort((a, b) => a - b);
		const slotsFreeFor = created.slice(2).map((at, i) => at - (created[i] + taskMs));
		expect(Math.max(...slotsFreeFor)).toBeLessThan(1500);
		expect(fake.peakSlots).toBe(2);
	});
});
