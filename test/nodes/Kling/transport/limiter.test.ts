import { AdaptiveLimiter, RECOVERY_MS, TASK_PROBE_MS, TaskSlots } from '../../../../nodes/Kling/transport/limiter';

describe('AdaptiveLimiter', () => {
	it('grants up to the limit at once and queues the rest in order', async () => {
		const limiter = new AdaptiveLimiter(2);
		const a = await limiter.acquire();
		const b = await limiter.acquire();
		const order: string[] = [];
		const c = limiter.acquire().then((slot) => (order.push('c'), slot));
		const d = limiter.acquire().then((slot) => (order.push('d'), slot));
		expect(limiter.active).toBe(2);
		a.release();
		(await c).release();
		b.release();
		(await d).release();
		expect(order).toEqual(['c', 'd']);
		expect(limiter.active).toBe(0);
	});

	it('lets urgent waiters (retries) ahead of new work', async () => {
		const limiter = new AdaptiveLimiter(1);
		const first = await limiter.acquire();
		const order: string[] = [];
		const fresh = limiter.acquire().then((slot) => (order.push('fresh'), slot.release()));
		const retry = limiter.acquire(undefined, true).then((slot) => (order.push('retry'), slot.release()));
		first.release();
		await Promise.all([fresh, retry]);
		expect(order).toEqual(['retry', 'fresh']);
	});

	it('drops multiplicatively on throttling, once per level, down to 1', async () => {
		const limiter = new AdaptiveLimiter(10);
		const burst = await Promise.all(Array.from({ length: 10 }, () => limiter.acquire()));
		burst.forEach((slot) => limiter.onThrottle(slot));
		expect(limiter.limit).toBe(7);
		burst.forEach((slot) => slot.release());
		for (let i = 0; i < 10; i++) {
			const slot = await limiter.acquire();
			limiter.onThrottle(slot);
			slot.release();
		}
		expect(limiter.limit).toBe(1);
	});

	it('climbs back slowly, and more slowly after each throttle', async () => {
		const limiter = new AdaptiveLimiter(8);
		const slot = await limiter.acquire();
		limiter.onThrottle(slot); // 8 -> 6, probe backoff 2
		slot.release();
		expect(limiter.limit).toBe(6);
		for (let i = 0; i < 11; i++) limiter.onSuccess();
		expect(limiter.limit).toBe(6);
		limiter.onSuccess(); // 12 = 6 x 2 successes
		expect(limiter.limit).toBe(7);
		for (let i = 0; i < 100; i++) limiter.onSuccess();
		expect(limiter.limit).toBe(7); // 8 drew the refusal: successes alone do not go back there
	});

	it('tries the refused level again after a quiet minute, and creeps up a step per quiet minute', async () => {
		let now = 0;
		const limiter = new AdaptiveLimiter(8, 0.75, 16, () => now);
		const slot = await limiter.acquire();
		limiter.onThrottle(slot); // 8 -> 6
		slot.release();
		now += RECOVERY_MS - 1;
		limiter.onSuccess();
		expect(limiter.limit).toBe(6);
		now += 1;
		limiter.onSuccess();
		expect(limiter.limit).toBe(7);
		now += 5 * RECOVERY_MS;
		limiter.onSuccess();
		expect(limiter.limit).toBe(8);
	});

	it('waits at its level for units of weight, granting a heavy one alone rather than never', async () => {
		const limiter = new AdaptiveLimiter(5);
		const four = await limiter.acquire(undefined, false, 4);
		let second = false;
		const next = limiter.acquire(undefined, false, 4).then((slot) => ((second = true), slot));
		await Promise.resolve();
		expect(second).toBe(false);
		four.release();
		const granted = await next;
		expect(limiter.active).toBe(4);
		granted.release();
		const huge = await limiter.acquire(undefined, false, 9); // above the level, but nothing else holds any
		expect(limiter.active).toBe(9);
		huge.release();
	});

	it('on a refusal drops to what the others still hold, since that much was accepted', async () => {
		const limiter = new AdaptiveLimiter(10);
		const held = await Promise.all([limiter.acquire(), limiter.acquire(), limiter.acquire()]);
		const refused = await limiter.acquire();
		limiter.onThrottle(refused);
		expect(limiter.limit).toBe(3);
		[...held, refused].forEach((slot) => slot.release());
	});

	it('wakes queued work when the limit rises', async () => {
		let now = 0;
		const limiter = new AdaptiveLimiter(2, 0.75, 16, () => now);
		const first = await limiter.acquire();
		limiter.onThrottle(first); // 2 -> 1
		let granted = false;
		const waiting = limiter.acquire().then((slot) => ((granted = true), slot));
		await Promise.resolve();
		expect(granted).toBe(false);
		now += RECOVERY_MS;
		limiter.onSuccess(); // a quiet minute -> limit 2
		(await waiting).release();
		expect(granted).toBe(true);
		first.release();
	});

	it('rejects waiters whose signal aborts, and keeps the queue consistent', async () => {
		const limiter = new AdaptiveLimiter(1);
		const held = await limiter.acquire();
		const controller = new AbortController();
		const cancelled = limiter.acquire(controller.signal);
		const next = limiter.acquire();
		controller.abort(new Error('stopped'));
		await expect(cancelled).rejects.toThrow('Execution canceled');
		held.release();
		(await next).release();
		expect(limiter.active).toBe(0);
		await expect(limiter.acquire(controller.signal)).rejects.toThrow('Execution canceled');
	});
});

describe('AdaptiveLimiter probes', () => {
	const refusedOnce = async () => {
		const limiter = new AdaptiveLimiter(3, 0.75, 16, () => 0, 3, () => 0.5);
		const held = await Promise.all([limiter.acquire(), limiter.acquire()]);
		const refused = await limiter.acquire();
		limiter.onThrottle(refused); // 3 -> 2, backoff 2
		refused.release();
		return { limiter, held };
	};

	it('goes back to the refused level only while work waits', async () => {
		const { limiter, held } = await refusedOnce();
		for (let i = 0; i < 100; i++) limiter.onSuccess();
		expect(limiter.limit).toBe(2);
		const waiting = limiter.acquire();
		limiter.onSuccess();
		expect(limiter.limit).toBe(3);
		(await waiting).release();
		held.forEach((slot) => slot.release());
	});

	it('after a jittered number of successes: level x backoff x 2 x (0.5 to 1.5)', async () => {
		const { limiter, held } = await refusedOnce();
		const waiting = limiter.acquire();
		for (let i = 0; i < 7; i++) limiter.onSuccess(); // 2 x 2 x 2 x jitter 1 = 8
		expect(limiter.limit).toBe(2);
		limiter.onSuccess();
		expect(limiter.limit).toBe(3);
		(await waiting).release();
		held.forEach((slot) => slot.release());
	});
});

describe('TaskSlots', () => {
	it('learns the limit from a refusal, then makes new tasks wait for a free slot', async () => {
		const pool = new TaskSlots(() => 0);
		const a = await pool.acquire(1);
		a.created('a');
		const b = await pool.acquire(1);
		b.created('b');
		const c = await pool.acquire(1);
		pool.refused(c); // two were running: the limit is 2
		c.release();
		expect(pool.limit).toBe(2);
		let granted = false;
		const next = pool.acquire(1).then((hold) => ((granted = true), hold));
		await Promise.resolve();
		expect(granted).toBe(false);
		pool.finished('a');
		(await next).release();
		expect(granted).toBe(true);
		b.release();
		expect(pool.used).toBe(0);
	});

	it('a detached task holds its slots until seen finished or its expected end has passed', async () => {
		let now = 0;
		const pool = new TaskSlots(() => now);
		const a = await pool.acquire(2);
		a.created('a');
		a.detach(1000);
		expect(pool.used).toBe(2);
		now = 999;
		expect(pool.used).toBe(2);
		now = 1000;
		expect(pool.used).toBe(0);
		const b = await pool.acquire(3);
		b.created('b');
		b.detach(5000);
		pool.finished('b');
		expect(pool.used).toBe(0);
	});

	it('probes a learned limit once after a quiet while, and keeps a higher one the account took', async () => {
		let now = 0;
		const pool = new TaskSlots(() => now);
		const a = await pool.acquire(1);
		a.created('a');
		const b = await pool.acquire(1);
		pool.refused(b);
		b.release();
		expect(pool.limit).toBe(1);
		const waiting = pool.acquire(1);
		expect(pool.nextChangeAt()).toBe(TASK_PROBE_MS);
		now = TASK_PROBE_MS;
		pool.sweep();
		const probe = await waiting;
		probe.created('probe');
		expect(pool.limit).toBe(2);
		a.release();
		probe.release();
	});
});
