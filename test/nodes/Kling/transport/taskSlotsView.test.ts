/** A task pool that counts other clients' tasks from Kling's lists: when it reads, and what a read teaches. */
import { READ_GAP_MIN_MS, READ_GAP_UNKNOWN_MS, READ_MARGIN_MS, TaskSlots, YIELD_MS } from '../../../../nodes/Kling/transport/account';

function pool(now: () => number, estimate?: number): TaskSlots {
	// No jitter: read times are exact.
	const slots = new TaskSlots(now, () => estimate, '', () => 0);
	slots.families.add('generation');
	return slots;
}

const flush = async () => await new Promise((resolve) => setImmediate(resolve));

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
		const slots = pool(() => now, 8000);
		const a = await slots.acquire(1);
		a.created('a');
		const b = await slots.acquire(1);
		b.created('b');
		slots.observe([{ taskId: 'a' }, { taskId: 'b' }, { taskId: 'x', createdAt: 0 }]);
		slots.refused(a);
		slots.observe([{ taskId: 'a' }, { taskId: 'b' }, { taskId: 'x', createdAt: 0 }]);
		expect(slots.limit).toBe(3);
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
		const slots = pool(() => now, 8000);
		const a = await slots.acquire(1);
		a.created('a');
		slots.refused(a);
		slots.observe([{ taskId: 'a' }, { taskId: 'x', createdAt: 0 }, { taskId: 'y', createdAt: 0 }]);
		expect(slots.limit).toBe(3);
		let granted = false;
		const next = slots.acquire(1).then((hold) => ((granted = true), hold));
		now = 1200;
		// As the node's read does: a finished task the lists show frees its slot on the way (noteTasksSeen).
		await slots.refresh(async () => {
			slots.finished('a');
			await flush();
			return [{ taskId: 'a', endedAt: 1100 }, { taskId: 'x', createdAt: 0 }, { taskId: 'y', createdAt: 0 }, { taskId: 'z', createdAt: 1150 }];
		});
		await flush();
		// The other client took the slot: the read shows three of theirs running, so nothing is granted.
		expect(granted).toBe(false);
		expect(slots.othersRunning).toBe(3);
		now = 1500;
		slots.observe([{ taskId: 'x', createdAt: 0 }, { taskId: 'y', createdAt: 0 }]);
		await next;
		expect(granted).toBe(true);
	});

	it('a slot freed for the other clients stays theirs for the moment even when a read saw it free', async () => {
		let now = 0;
		const slots = pool(() => now, 8000);
		const a = await slots.acquire(1);
		a.created('a');
		const b = await slots.acquire(1);
		b.created('b');
		slots.refused(b);
		slots.observe([{ taskId: 'a' }, { taskId: 'b' }, { taskId: 'x', createdAt: 0 }]);
		expect(slots.limit).toBe(3);
		let granted = false;
		const next = slots.acquire(1).then((hold) => ((granted = true), hold));
		now = 8000;
		await slots.refresh(async () => {
			slots.finished('a');
			await flush();
			return [{ taskId: 'a', endedAt: 7900 }, { taskId: 'b', createdAt: 0 }, { taskId: 'x', createdAt: 0 }];
		});
		await flush();
		expect(granted).toBe(false);
		// A read during the moment (the other client's task is due) does not end it either.
		now = 8300;
		slots.observe([{ taskId: 'b', createdAt: 0 }, { taskId: 'x', createdAt: 0 }]);
		await flush();
		expect(granted).toBe(false);
		expect(slots.readDueAt()).toBe(8000 + YIELD_MS);
		now = 8000 + YIELD_MS;
		slots.observe([{ taskId: 'b', createdAt: 0 }, { taskId: 'x', createdAt: 0 }]);
		await next;
		expect(granted).toBe(true);
	});
});
