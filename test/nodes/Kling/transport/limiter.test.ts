import { AdaptiveLimiter, RECOVERY_MS } from '../../../../nodes/Kling/transport/limiter';

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
