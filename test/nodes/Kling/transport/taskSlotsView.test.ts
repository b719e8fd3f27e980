/** A task pool that counts other clients' tasks from Kling's lists: when it reads, and what a read teaches. */
import { READ_GAP_MIN_MS, READ_GAP_UNKNOWN_MS, READ_MARGIN_MS, TaskSlots, YIELD_MS } from '../../../../nodes/Kling/transport/account';
import type { RunningTask } from '../../../../nodes/Kling/transport/account';

function pool(now: () => number, estimate?: number): TaskSlots {
	// No jitter: read times are exact.
	const slots = new TaskSlots(now, () => estimate, '', () => 0);
	slots.families.add('generation');
	return slots;
}

const flush = async () => await new Promise((resolve) => setImmediate(resolve));

/** A pool that learned its limit from a refusal: this process runs the tasks `own`, other clients `others` (made at 0). */
async function contendedPool(now: () => number, own: string[], others: string[]): Promise<TaskSlots> {
	const slots = pool(now, 8000);
	const holds = [];
	for (const taskId of own) {
		const hold = await slots.acquire(1);
		hold.created(taskId);
		holds.push(hold);
	}
	slots.refused(holds[0]);
	slots.observe([...own.map((taskId) => ({ taskId })), ...others.map((taskId) => ({ taskId, createdAt: 0 }))]);
	expect(slots.limit).toBe(own.length + others.length);
	return slots;
}

/** A waiting item: `granted()` tells whether it got its slot yet. */
function waiter(slots: TaskSlots) {
	let granted = false;
	const hold = slots.acquire(1).then((held) => ((granted = true), held));
	return { hold, granted: () => granted };
}

/** A read as the node makes it: a task the lists show finished frees its slot on the way (noteTasksSeen), then the lists are observed. */
async function readShowingEnded(slots: TaskSlots, ended: string, listed: RunningTask[]): Promise<void> {
	await slots.refresh(async () => {
		slots.finished(ended);
		await flush();
		return listed;
	});
	await flush();
}

describe('TaskSlots reading the account', () => {
	it('reads only when it must decide: a waiting item, or a refusal', async () => {
		let now = 0;
		const slots = pool(() => now);
		expect(slots.readDueAt()).toBeUndefined();
		const a = await slots.acquire(1);
		a.created('a');
		const b = await slots.acquire(1);
		slots.refused(b);
		b.release();
		expect(slots.readDueAt()).toBe(0);
		now = 10;
		slots.observe([{ taskId: 'a' }, { taskId: 'x1' }, { taskId: 'x2' }]);
		// What the account ran at the refusal: ours and the other client's two.
		expect(slots.limit).toBe(3);
		expect(slots.othersRunning).toBe(2);
		expect(slots.readDueAt()).toBeUndefined();
		a.release();
	});

	it('times the next read by the other clients\' tasks: their expected end plus a margin, never sooner than the gap', async () => {
		let now = 1000;
		const slots = pool(() => now, 8000);
		const a = await slots.acquire(1);
		a.created('a');
		slots.refused(a); // the refusal's read sets the limit
		slots.observe([{ taskId: 'a' }, { taskId: 'x', createdAt: 500 }]);
		expect(slots.limit).toBe(2);
		const waiting = slots.acquire(1);
		expect(slots.readDueAt()).toBe(500 + 8000 + READ_MARGIN_MS);
		now = 8900;
		slots.observe([{ taskId: 'a' }]);
		await expect(waiting).resolves.toMatchObject({ weight: 1 });
		a.release();
	});

	it('reads every second while no task duration is known, and at most every gap after a refusal', async () => {
		let now = 0;
		const slots = pool(() => now);
		const a = await slots.acquire(1);
		a.created('a');
		slots.refused(a);
		slots.observe([{ taskId: 'a' }, { taskId: 'x' }]);
		void slots.acquire(1).catch(() => undefined);
		expect(slots.readDueAt()).toBe(READ_GAP_UNKNOWN_MS);
		slots.refused(a);
		expect(slots.readDueAt()).toBe(READ_GAP_MIN_MS);
	});

	it('leaves a slot it freed to the other clients for a moment when it holds at least as many as they do', async () => {
		let now = 0;
		const slots = await contendedPool(() => now, ['a', 'b'], ['x']);
		let granted = false;
		const next = slots.acquire(1).then((hold) => ((granted = true), hold));
		slots.finished('a');
		await flush();
		expect(granted).toBe(false);
		expect(slots.readDueAt()).toBe(YIELD_MS);
		now = YIELD_MS;
		// Nobody took it: the read shows two running, so it goes to this process.
		slots.observe([{ taskId: 'b' }, { taskId: 'x', createdAt: 0 }]);
		await next;
		expect(granted).toBe(true);
	});

	it('a read begun before a task was seen finished does not count it again; a count above the limit raises it', async () => {
		const slots = pool(() => 0);
		const a = await slots.acquire(1);
		a.created('a');
		slots.refused(a);
		slots.observe([{ taskId: 'a' }, { taskId: 'x' }]);
		expect(slots.limit).toBe(2);
		slots.finished('x');
		slots.observe([{ taskId: 'a' }, { taskId: 'x' }, { taskId: 'y' }, { taskId: 'z' }]);
		expect(slots.othersRunning).toBe(2);
		expect(slots.limit).toBe(3);
		a.release();
	});

	it('a slot a read shows freed is granted on that read, not on the view before it (another client may have taken it)', async () => {
		let now = 0;
		const slots = await contendedPool(() => now, ['a'], ['x', 'y']);
		const next = waiter(slots);
		now = 1200;
		await readShowingEnded(slots, 'a', [
			{ taskId: 'a', endedAt: 1100 },
			{ taskId: 'x', createdAt: 0 },
			{ taskId: 'y', createdAt: 0 },
			{ taskId: 'z', createdAt: 1150 },
		]);
		// The other client took the slot: the read shows three of theirs running, so nothing is granted.
		expect(next.granted()).toBe(false);
		expect(slots.othersRunning).toBe(3);
		now = 1500;
		slots.observe([{ taskId: 'x', createdAt: 0 }, { taskId: 'y', createdAt: 0 }]);
		await next.hold;
	});

	it('a slot freed for the other clients stays theirs for the moment even when a read saw it free', async () => {
		let now = 0;
		const slots = await contendedPool(() => now, ['a', 'b'], ['x']);
		const next = waiter(slots);
		now = 8000;
		await readShowingEnded(slots, 'a', [{ taskId: 'a', endedAt: 7900 }, { taskId: 'b', createdAt: 0 }, { taskId: 'x', createdAt: 0 }]);
		expect(next.granted()).toBe(false);
		// A read during the moment (the other client's task is due) does not end it either.
		now = 8300;
		slots.observe([{ taskId: 'b', createdAt: 0 }, { taskId: 'x', createdAt: 0 }]);
		await flush();
		expect(next.granted()).toBe(false);
		expect(slots.readDueAt()).toBe(8000 + YIELD_MS);
		now = 8000 + YIELD_MS;
		slots.observe([{ taskId: 'b', createdAt: 0 }, { taskId: 'x', createdAt: 0 }]);
		await next.hold;
	});

	it('a failed read does not keep back what it freed: the slot goes on the view there is', async () => {
		let now = 0;
		const slots = await contendedPool(() => now, ['a', 'b'], []);
		const next = waiter(slots);
		now = 1000;
		await slots.refresh(async () => {
			slots.finished('a');
			await flush();
			throw new Error('list unavailable');
		});
		await flush();
		expect(next.granted()).toBe(true);
	});
});
