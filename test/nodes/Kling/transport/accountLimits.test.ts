import { AdaptiveLimiter, TASK_PROBE_MS, TaskSlots } from '../../../../nodes/Kling/transport/account';
import type { LimiterSlot } from '../../../../nodes/Kling/transport/account';
import type { Clock } from '../../../../nodes/Kling/transport/retry';
import { VirtualClock } from '../../../support/virtualClock';

/** A clock moved by hand: sleeps end when the test moves time past them. */
class HandClock implements Clock {
	nowMs = 0;

	private sleepers: Array<{ until: number; wake: () => void }> = [];

	constructor(private readonly randomValue = 0.5) {}

	now(): number {
		return this.nowMs;
	}

	async sleep(ms: number): Promise<void> {
		await new Promise<void>((wake) => this.sleepers.push({ until: this.nowMs + ms, wake }));
	}

	random(): number {
		return this.randomValue;
	}

	/** Moves time forward, waking the sleeps that are over, and lets promises settle. */
	async advance(ms: number): Promise<void> {
		this.nowMs += ms;
		const due = this.sleepers.filter((sleeper) => sleeper.until <= this.nowMs);
		this.sleepers = this.sleepers.filter((sleeper) => sleeper.until > this.nowMs);
		due.forEach((sleeper) => sleeper.wake());
		for (let i = 0; i < 5; i++) await Promise.resolve();
	}
}

/** Whether a pending acquire has been granted yet (promises settled). */
async function settled(pending: Promise<LimiterSlot>): Promise<LimiterSlot | undefined> {
	let slot: LimiterSlot | undefined;
	void pending.then((granted) => (slot = granted));
	for (let i = 0; i < 5; i++) await Promise.resolve();
	return slot;
}

/** A request refused for load: the limiter hears it before the slot is given back, as the client does. */
function refuse(limiter: AdaptiveLimiter, slot: LimiterSlot, retryAfterMs?: number): void {
	limiter.onThrottle(slot, retryAfterMs);
	slot.release();
}

function succeed(limiter: AdaptiveLimiter, slot: LimiterSlot, durationMs = 1000): void {
	limiter.onSuccess(slot, durationMs);
	slot.release();
}

describe('AdaptiveLimiter', () => {
	it('grants up to the limit at once and queues the rest in order', async () => {
		const limiter = new AdaptiveLimiter(2, new VirtualClock());
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
		const limiter = new AdaptiveLimiter(1, new VirtualClock());
		const first = await limiter.acquire();
		const order: string[] = [];
		const fresh = limiter.acquire().then((slot) => (order.push('fresh'), slot.release()));
		const retry = limiter.acquire(undefined, true).then((slot) => (order.push('retry'), slot.release()));
		first.release();
		await Promise.all([fresh, retry]);
		expect(order).toEqual(['retry', 'fresh']);
	});

	it('on a refusal drops to what it still has in flight, each refusal of a burst lowering it further', async () => {
		const limiter = new AdaptiveLimiter(10, new HandClock());
		const burst = await Promise.all(Array.from({ length: 6 }, () => limiter.acquire()));
		refuse(limiter, burst[5]);
		expect(limiter.limit).toBe(5);
		refuse(limiter, burst[4]); // sent with the first: the account took only the others
		refuse(limiter, burst[3]);
		expect(limiter.limit).toBe(3);
		burst.slice(0, 3).forEach((slot) => succeed(limiter, slot));
		expect(limiter.limit).toBe(3);
	});

	it('with nothing else in flight, a refusal holds new work back for its Retry-After instead of sending it into the same refusal', async () => {
		const clock = new HandClock();
		const limiter = new AdaptiveLimiter(1, clock);
		const first = await limiter.acquire();
		const queued = [limiter.acquire(), limiter.acquire(), limiter.acquire()];
		refuse(limiter, first, 2000);
		expect(await settled(queued[0])).toBeUndefined();
		await clock.advance(1000);
		expect(await settled(queued[0])).toBeUndefined();
		await clock.advance(1000);
		const next = await settled(queued[0]);
		expect(next).toBeDefined();
		expect(limiter.active).toBe(1);
		succeed(limiter, next as LimiterSlot);
		(await queued[1]).release();
		(await queued[2]).release();
	});

	it('waits at its level for units of weight, granting a heavy one alone rather than never', async () => {
		const limiter = new AdaptiveLimiter(5, new VirtualClock());
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

	it('rejects waiters whose signal aborts, and keeps the queue consistent', async () => {
		const limiter = new AdaptiveLimiter(1, new VirtualClock());
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

	it('a run allowing more lifts the level only while nothing has been refused', async () => {
		const limiter = new AdaptiveLimiter(2, new HandClock());
		limiter.allow(4);
		expect(limiter.limit).toBe(4);
		const slots = await Promise.all([limiter.acquire(), limiter.acquire(), limiter.acquire()]);
		refuse(limiter, slots[2]);
		limiter.allow(8);
		expect(limiter.limit).toBe(2);
		expect(limiter.maxLimit).toBe(8);
		slots.slice(0, 2).forEach((slot) => slot.release());
	});
});

describe('AdaptiveLimiter probes', () => {
	/** Level 4 refused at 5 (random 0.5: no jitter), two running, `waiting` more queued. */
	const refusedAtFive = async (waiting: number) => {
		const clock = new HandClock(0.5);
		const limiter = new AdaptiveLimiter(8, clock);
		const warm = await limiter.acquire();
		succeed(limiter, warm, 1000); // requests take a second here
		const running = await Promise.all(Array.from({ length: 5 }, () => limiter.acquire()));
		refuse(limiter, running[4]);
		expect(limiter.limit).toBe(4);
		const queued = Array.from({ length: waiting }, () => limiter.acquire());
		return { clock, limiter, running: running.slice(0, 4), queued };
	};

	it('sends one request above the level while work waits, about one request duration per level after the refusal', async () => {
		const { clock, limiter, running, queued } = await refusedAtFive(8);
		await clock.advance(3999);
		expect(await settled(queued[0])).toBeUndefined();
		await clock.advance(1);
		limiter.acquire().then((slot) => slot.release(), () => {}); // any event lets the due probe go
		const probe = await settled(queued[0]);
		expect(probe?.probe).toBe(true);
		expect(limiter.active).toBe(5);
		expect(await settled(queued[1])).toBeUndefined(); // one probe at a time
		succeed(limiter, probe as LimiterSlot);
		expect(limiter.limit).toBe(5); // the account took it: the level rises, and the next probe may go at once
		const next = await settled(queued[1]);
		expect(next).toBeDefined();
		running.forEach((slot) => succeed(limiter, slot));
	});

	it('a probe not refused within a few refusal times counts as taken, without waiting for it to end', async () => {
		const { clock, limiter, running, queued } = await refusedAtFive(8); // the refusal came back at once: 50 ms suffice
		await clock.advance(4000);
		running[0].release();
		expect((await settled(queued[0]))?.probe).toBe(false);
		const probe = await settled(queued[1]);
		expect(probe?.probe).toBe(true);
		await clock.advance(49);
		expect(limiter.limit).toBe(4);
		await clock.advance(1);
		expect(limiter.limit).toBe(5);
		expect((await settled(queued[2]))?.probe).toBe(true); // the next probe goes at once
		succeed(limiter, probe as LimiterSlot);
		expect(limiter.limit).toBe(5); // its end raises nothing twice
	});

	it('a refused probe keeps the level and doubles the wait before the next (up to 4 times)', async () => {
		const { clock, limiter, running, queued } = await refusedAtFive(8);
		await clock.advance(4000);
		running[0].release(); // an event: the level refills, and the probe goes above it
		const refill = await settled(queued[0]);
		const probe = await settled(queued[1]);
		expect(refill?.probe).toBe(false);
		expect(probe?.probe).toBe(true);
		refuse(limiter, probe as LimiterSlot);
		expect(limiter.limit).toBe(4);
		await clock.advance(7999);
		(refill as LimiterSlot).release();
		expect((await settled(queued[2]))?.probe).toBe(false);
		expect(await settled(queued[3])).toBeUndefined();
		await clock.advance(1);
		running[1].release();
		expect((await settled(queued[3]))?.probe).toBe(false);
		expect((await settled(queued[4]))?.probe).toBe(true);
	});

	it('sends no probe when too little work waits to outlast a refused probe\'s pause', async () => {
		const { clock, limiter, running, queued } = await refusedAtFive(3); // 3 queued < level 4 x (1 s pause / 1 s request)
		await clock.advance(20000);
		running[0].release();
		expect((await settled(queued[0]))?.probe).toBe(false);
		expect(await settled(queued[1])).toBeUndefined();
		expect(limiter.active).toBe(4);
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
