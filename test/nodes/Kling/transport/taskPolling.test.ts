import type { TaskSnapshot } from '../../../../nodes/Kling/wire/answers';
import { DEFAULT_POLL_POLICY, PollTimeoutError, TaskPoller } from '../../../../nodes/Kling/transport/tasks';
import { VirtualClock } from '../../../support/virtualClock';

/** A task that succeeds once `durationMs` of virtual time has passed since it was created. */
function scriptedTask(clock: VirtualClock, durationMs: number, id = 't1') {
	const createdAt = clock.now();
	let reads = 0;
	const snapshot = (): TaskSnapshot => {
		const done = clock.now() - createdAt >= durationMs;
		return {
			taskId: id,
			status: done ? 'succeed' : 'processing',
			images: done ? [{ index: 0, url: 'https://x/0.png' }] : [],
			createdAt,
			updatedAt: done ? createdAt + durationMs : clock.now(),
			raw: {},
		};
	};
	return {
		initial: { ...snapshot(), status: 'submitted' },
		fetch: async () => (reads++, snapshot()),
		reads: () => reads,
	};
}

describe('TaskPoller on virtual time', () => {
	it('waits the poll interval first, then spaces checks out gently', async () => {
		const clock = new VirtualClock();
		const poller = new TaskPoller({ ...DEFAULT_POLL_POLICY, intervalMs: 1000 }, clock);
		const task = scriptedTask(clock, 4000);
		const done = await poller.waitFor(task.initial, task.fetch);
		expect(done.status).toBe('succeed');
		expect(clock.sleeps).toEqual([1000, 1250, 1563, 1953]);
		expect(task.reads()).toBe(4);
	});

	it('learns how long tasks take and checks new ones about then', async () => {
		const clock = new VirtualClock();
		const poller = new TaskPoller({ ...DEFAULT_POLL_POLICY, intervalMs: 3000 }, clock);
		const first = scriptedTask(clock, 2000, 'a');
		await poller.waitFor(first.initial, first.fetch);
		expect(poller.estimatedDurationMs()).toBe(2000);
		clock.sleeps.length = 0;
		const second = scriptedTask(clock, 2000, 'b');
		await poller.waitFor(second.initial, second.fetch);
		expect(clock.sleeps).toEqual([2000]);
		expect(second.reads()).toBe(1);
	});

	it('gives up at Max Wait, naming the task', async () => {
		const clock = new VirtualClock();
		const poller = new TaskPoller({ ...DEFAULT_POLL_POLICY, intervalMs: 1000, maxWaitMs: 5000 }, clock);
		const task = scriptedTask(clock, 60_000);
		await expect(poller.waitFor(task.initial, task.fetch)).rejects.toThrow(PollTimeoutError);
		expect(clock.sleeps.reduce((sum, ms) => sum + ms, 0)).toBe(5000);
	});

	it('returns a task that already ended without checking', async () => {
		const clock = new VirtualClock();
		const poller = new TaskPoller(DEFAULT_POLL_POLICY, clock);
		const fetch = jest.fn();
		const failed: TaskSnapshot = { taskId: 'f', status: 'failed', statusMessage: 'no', images: [], raw: {} };
		await expect(poller.waitFor(failed, fetch)).resolves.toBe(failed);
		expect(fetch).not.toHaveBeenCalled();
	});

	it('stops at once when the run is cancelled', async () => {
		const clock = new VirtualClock();
		const controller = new AbortController();
		controller.abort();
		const poller = new TaskPoller(DEFAULT_POLL_POLICY, clock, controller.signal);
		const task = scriptedTask(clock, 10_000);
		await expect(poller.waitFor(task.initial, task.fetch)).rejects.toThrow('aborted');
		expect(task.reads()).toBe(0);
	});
});
