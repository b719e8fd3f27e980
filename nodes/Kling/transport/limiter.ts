import { cancelledError } from './errors';

/** A held share of the limit; `epoch` tells which level it was granted under. */
export interface LimiterSlot {
	readonly epoch: number;
	readonly weight: number;
	release(): void;
}

interface Waiter {
	weight: number;
	resolve: (slot: LimiterSlot) => void;
	reject: (error: Error) => void;
	signal?: AbortSignal;
	onAbort?: () => void;
}

/** Without a throttle for this long, the level steps up by one on its own. */
export const RECOVERY_MS = 60_000;

/** A probe back to the refused level waits for this many times the successes of a step below it (before jitter). */
const PROBE_SUCCESSES = 2;

/**
 * Bounds what an account has in flight: requests (weight 1) or, on the official API, task slots
 * (a task of n images weighs n). The bound adapts (AIMD): it drops when the API says the account
 * is at its limit and creeps back up after successes. The level that was refused is tried again
 * after a quiet minute, or sooner by a rarer, jittered probe while work waits (another worker's
 * load on the account may have ended), so the level settles just under the account's limit
 * instead of probing past it every round, and processes sharing an account do not probe in step.
 * Each throttle also doubles the successes needed before the next increase.
 */
export class AdaptiveLimiter {
	private limitNow: number;

	private ceiling: number;

	private inFlight = 0;

	private epochNow = 0;

	private successesSinceChange = 0;

	private probeBackoff = 1;

	private lastStepAt: number;

	/** The level that last drew a refusal: successes alone do not climb back to it, only a quiet minute does. */
	private refusedAt = Infinity;

	private readonly waiting: Waiter[] = [];

	/** Scales the successes a probe waits for: drawn anew at each change of level, from 0.5 to 1.5. */
	private jitter: number;

	constructor(
		maxLimit: number,
		private readonly decreaseFactor = 0.75,
		private readonly maxProbeBackoff = 16,
		private readonly now: () => number = () => Date.now(),
		initialLimit = maxLimit,
		private readonly random: () => number = () => Math.random(),
	) {
		this.jitter = 0.5 + random();
		this.ceiling = Math.max(1, Math.floor(maxLimit));
		this.limitNow = Math.max(1, Math.min(this.ceiling, Math.floor(initialLimit)));
		this.lastStepAt = now();
	}

	get limit(): number {
		return this.limitNow;
	}

	get maxLimit(): number {
		return this.ceiling;
	}

	get active(): number {
		return this.inFlight;
	}

	/** Requests waiting for a slot. */
	get queued(): number {
		return this.waiting.length;
	}

	/**
	 * A run that allows more at once lifts the ceiling, and the level too while nothing has been
	 * refused yet; a level learned from refusals stays and creeps up from there.
	 */
	allow(level: number, maxLimit = level): void {
		this.ceiling = Math.max(this.ceiling, Math.floor(maxLimit));
		if (this.epochNow === 0) this.limitNow = Math.max(this.limitNow, Math.min(this.ceiling, Math.floor(level)));
		this.pump();
	}

	/**
	 * Waits for `weight` units. `urgent` callers (retries) go ahead of new work so started items
	 * finish first. A weight above the level is granted alone, so nothing waits forever.
	 */
	async acquire(signal?: AbortSignal, urgent = false, weight = 1): Promise<LimiterSlot> {
		if (signal?.aborted) throw cancelledError();
		this.recover();
		if (this.waiting.length === 0 && this.fits(weight)) return this.grant(weight);
		return await new Promise<LimiterSlot>((resolve, reject) => {
			// A signal of its own per waiter: many waiters must not pile listeners onto a shared one.
			const scoped = signal && AbortSignal.any([signal]);
			const waiter: Waiter = { weight, resolve, reject, signal: scoped };
			if (scoped) {
				waiter.onAbort = () => {
					this.waiting.splice(this.waiting.indexOf(waiter), 1);
					reject(cancelledError());
					this.pump();
				};
				scoped.addEventListener('abort', waiter.onAbort, { once: true });
			}
			if (urgent) this.waiting.unshift(waiter);
			else this.waiting.push(waiter);
		});
	}

	/**
	 * The API accepted a request: maybe allow one more in flight. Below the level that was refused
	 * the level climbs after `level × backoff` successes; back to that level only while work waits
	 * (a probe: the account may have room again, e.g. another worker's load has ended), after a
	 * jittered number of successes, so that processes sharing an account do not probe in step.
	 */
	onSuccess(): void {
		this.successesSinceChange++;
		this.recover();
		if (this.limitNow >= this.ceiling || this.limitNow + 1 > this.refusedAt) return;
		const probe = this.limitNow + 1 === this.refusedAt;
		if (probe && this.waiting.length === 0) return;
		const needed = this.limitNow * this.probeBackoff * (probe ? PROBE_SUCCESSES * this.jitter : 1);
		if (this.successesSinceChange >= needed) this.step();
	}

	/**
	 * The API refused work for load. Only the first refusal among work sent at the same level
	 * counts: the rest of that burst says nothing new. What others still hold was accepted, so
	 * the level never stays above it.
	 */
	onThrottle(slot: LimiterSlot): void {
		if (slot.epoch !== this.epochNow) return;
		this.epochNow++;
		this.refusedAt = this.limitNow;
		const othersHeld = this.inFlight - slot.weight;
		const reduced = Math.floor(this.limitNow * this.decreaseFactor);
		this.limitNow = Math.max(1, othersHeld > 0 ? Math.min(reduced, othersHeld) : reduced);
		this.successesSinceChange = 0;
		this.lastStepAt = this.now();
		this.probeBackoff = Math.min(this.maxProbeBackoff, this.probeBackoff * 2);
		this.jitter = 0.5 + this.random();
	}

	/** One step up per quiet minute, with the probe backoff halved: limits can rise again. */
	private recover(): void {
		if (this.limitNow >= this.ceiling) return;
		const quietSteps = Math.floor((this.now() - this.lastStepAt) / RECOVERY_MS);
		if (quietSteps < 1) return;
		this.probeBackoff = Math.max(1, this.probeBackoff / 2 ** quietSteps);
		this.refusedAt = Infinity;
		this.limitNow = Math.min(this.ceiling, this.limitNow + quietSteps);
		this.lastStepAt = this.now();
		this.pump();
	}

	private step(): void {
		this.limitNow++;
		this.jitter = 0.5 + this.random();
		this.successesSinceChange = 0;
		this.lastStepAt = this.now();
		this.pump();
	}

	private fits(weight: number): boolean {
		return this.inFlight === 0 || this.inFlight + weight <= this.limitNow;
	}

	private grant(weight: number): LimiterSlot {
		this.inFlight += weight;
		let released = false;
		return {
			epoch: this.epochNow,
			weight,
			release: () => {
				if (released) return;
				released = true;
				this.inFlight -= weight;
				this.pump();
			},
		};
	}

	private pump(): void {
		while (this.waiting.length > 0 && this.fits(this.waiting[0].weight)) {
			const waiter = this.waiting.shift() as Waiter;
			if (waiter.signal && waiter.onAbort) waiter.signal.removeEventListener('abort', waiter.onAbort);
			waiter.resolve(this.grant(waiter.weight));
		}
	}
}

/** A share of a task pool: taken before a create, held by the task from its creation until it is seen finished. */
export interface TaskHold {
	readonly weight: number;
	/** The create was accepted: the hold now belongs to this task. */
	created(taskId: string): void;
	/** Kept after the item returns, until the task is seen finished or `expectedEndAt` (clock time) has passed. */
	detach(expectedEndAt: number): void;
	release(): void;
}

interface Hold {
	weight: number;
	taskId?: string;
	/** Only detached holds expire. */
	expiresAt?: number;
	/** Granted above the learned limit, to see whether the account allows more now. */
	probe: boolean;
}

interface PoolWaiter {
	weight: number;
	resolve: (hold: TaskHold) => void;
}

/** First wait before a learned task limit is probed again; it doubles after each refused probe. */
export const TASK_PROBE_MS = 60_000;
const MAX_TASK_PROBE_MS = 16 * TASK_PROBE_MS;

/**
 * One pool of an account's concurrent task slots (a task of n images holds n, from its creation
 * to its end). Until the account first refuses a create for its task limit (1303), creates go out
 * a few at a time (one, plus one per four running slots), so the first refusal costs little; the
 * refusal tells the limit: what was running when it came. From then on a new task waits for a
 * free slot instead of meeting 1303, and the limit is probed once in a while (a single create
 * above it), since another worker's tasks may have ended or the account may have grown.
 */
export class TaskSlots {
	private limitNow: number | undefined;

	private readonly holds = new Set<Hold>();

	private readonly byTask = new Map<string, Hold>();

	private readonly waiting: PoolWaiter[] = [];

	private readonly handles = new WeakMap<TaskHold, Hold>();

	private probeAt = Infinity;

	private probeWaitMs = TASK_PROBE_MS;

	constructor(private readonly now: () => number = () => Date.now()) {}

	/** Nothing held, nobody waiting. */
	get idle(): boolean {
		return this.used === 0 && this.waiting.length === 0;
	}

	/** The learned limit; undefined until the account refused a create. */
	get limit(): number | undefined {
		return this.limitNow;
	}

	/** Slots held now: creates in flight and tasks not yet seen finished. */
	get used(): number {
		this.sweep();
		let used = 0;
		for (const hold of this.holds) used += hold.weight;
		return used;
	}

	/** Waits for `weight` slots; `urgent` callers (a create sent again) go first. Cancel with `signal`. */
	async acquire(weight: number, signal?: AbortSignal, urgent = false): Promise<TaskHold> {
		if (signal?.aborted) throw cancelledError();
		this.sweep();
		if (this.waiting.length === 0 && this.fits(weight)) return this.grant(weight);
		return await new Promise<TaskHold>((resolve, reject) => {
			const waiter: PoolWaiter = { weight, resolve };
			const scoped = signal && AbortSignal.any([signal]);
			const onAbort = () => {
				const at = this.waiting.indexOf(waiter);
				if (at >= 0) this.waiting.splice(at, 1);
				reject(cancelledError());
				this.pump();
			};
			waiter.resolve = (hold) => {
				scoped?.removeEventListener('abort', onAbort);
				resolve(hold);
			};
			scoped?.addEventListener('abort', onAbort, { once: true });
			if (urgent) this.waiting.unshift(waiter);
			else this.waiting.push(waiter);
		});
	}

	/**
	 * The account refused `hold`'s create for its task limit (1303): the limit is what our running
	 * tasks held, plus this task's weight less one. A refused probe waits twice as long to try again.
	 */
	refused(hold: TaskHold): void {
		const own = this.handles.get(hold);
		let running = 0;
		for (const other of this.holds) if (other.taskId !== undefined && other !== own) running += other.weight;
		const learned = Math.max(1, running + hold.weight - 1);
		this.limitNow = this.limitNow === undefined ? learned : Math.min(this.limitNow, learned);
		if (own?.probe) {
			own.probe = false;
			this.probeWaitMs = Math.min(MAX_TASK_PROBE_MS, this.probeWaitMs * 2);
		}
		this.probeAt = this.now() + this.probeWaitMs;
	}

	/** A task was seen in a final state (by its poller, Get Task, List Tasks or a callback): its slots are free. */
	finished(taskId: string): void {
		const hold = this.byTask.get(taskId);
		if (hold) this.drop(hold);
	}

	/** When a waiter could next get in without a release: a detached task's expected end, or the next probe. */
	nextChangeAt(): number | undefined {
		let next = this.waiting.length > 0 ? this.probeAt : Infinity;
		for (const hold of this.holds) if (hold.expiresAt !== undefined) next = Math.min(next, hold.expiresAt);
		return Number.isFinite(next) ? next : undefined;
	}

	/** Drops detached holds past their expected end, and lets waiters in. */
	sweep(): void {
		const now = this.now();
		for (const hold of this.holds) if (hold.expiresAt !== undefined && hold.expiresAt <= now) this.drop(hold);
		this.pump();
	}

	private fits(weight: number): boolean {
		let used = 0;
		let pending = 0;
		let running = 0;
		for (const hold of this.holds) {
			used += hold.weight;
			if (hold.taskId === undefined) pending++;
			else running += hold.weight;
		}
		if (used === 0) return true;
		// Unknown limit: a few creates at a time, so the first 1303 finds few others in flight.
		if (this.limitNow === undefined) return pending < Math.max(1, Math.floor(running / 4));
		if (used + weight <= this.limitNow) return true;
		return this.probeDue() && pending === 0;
	}

	private probeDue(): boolean {
		return this.now() >= this.probeAt;
	}

	private grant(weight: number): TaskHold {
		const limit = this.limitNow;
		const hold: Hold = { weight, probe: false };
		let used = 0;
		for (const other of this.holds) used += other.weight;
		hold.probe = limit !== undefined && used > 0 && used + weight > limit;
		if (hold.probe) this.probeAt = Infinity;
		this.holds.add(hold);
		const handle: TaskHold = {
			weight,
			created: (taskId) => {
				if (!this.holds.has(hold)) return;
				hold.taskId = taskId;
				this.byTask.set(taskId, hold);
				if (hold.probe) {
					// The account took more than we thought: the limit is at least what runs now.
					this.limitNow = Math.max(this.limitNow ?? 0, this.runningWeight());
					this.probeWaitMs = TASK_PROBE_MS;
					this.probeAt = this.now() + this.probeWaitMs;
					hold.probe = false;
				}
				this.pump();
			},
			detach: (expectedEndAt) => {
				if (!this.holds.has(hold)) return;
				if (hold.taskId === undefined) return this.drop(hold);
				hold.expiresAt = expectedEndAt;
			},
			release: () => this.drop(hold),
		};
		this.handles.set(handle, hold);
		return handle;
	}

	private runningWeight(): number {
		let running = 0;
		for (const hold of this.holds) if (hold.taskId !== undefined) running += hold.weight;
		return running;
	}

	private drop(hold: Hold): void {
		if (!this.holds.delete(hold)) return;
		if (hold.taskId !== undefined && this.byTask.get(hold.taskId) === hold) this.byTask.delete(hold.taskId);
		if (hold.probe) this.probeAt = Math.min(this.probeAt, this.now() + this.probeWaitMs);
		this.pump();
	}

	private pump(): void {
		while (this.waiting.length > 0 && this.fits(this.waiting[0].weight)) {
			const waiter = this.waiting.shift() as PoolWaiter;
			waiter.resolve(this.grant(waiter.weight));
		}
	}
}
