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

/**
 * Bounds what an account has in flight: requests (weight 1) or, on the official API, task slots
 * (a task of n images weighs n). The bound adapts (AIMD): it drops when the API says the account
 * is at its limit and creeps back up after successes, but not back to the level that was refused;
 * that one is tried again only after a quiet minute, so the level settles just under the account's
 * limit instead of probing past it every round. Each throttle also doubles the successes needed
 * before the next increase.
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

	constructor(
		maxLimit: number,
		private readonly decreaseFactor = 0.75,
		private readonly maxProbeBackoff = 16,
		private readonly now: () => number = () => Date.now(),
		initialLimit = maxLimit,
	) {
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

	/** The API accepted a request: maybe allow one more in flight. */
	onSuccess(): void {
		this.successesSinceChange++;
		this.recover();
		if (this.limitNow >= this.ceiling || this.limitNow + 1 >= this.refusedAt) return;
		if (this.successesSinceChange >= this.limitNow * this.probeBackoff) this.step();
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
