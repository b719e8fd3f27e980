import { cancelledError } from './retry';

/** A slot held for one request; `epoch` tells which concurrency level the request was sent under. */
export interface LimiterSlot {
	readonly epoch: number;
	release(): void;
}

interface Waiter {
	resolve: (slot: LimiterSlot) => void;
	reject: (error: Error) => void;
	signal?: AbortSignal;
	onAbort?: () => void;
}

/**
 * Bounds the requests in flight to the API, shared by all items of one node run. The bound adapts
 * (AIMD): it drops multiplicatively when the API says it is overloaded (429) and creeps back up after
 * successes. Each throttle also doubles the number of successes needed before the next increase,
 * so a run settles just under the account's limit instead of probing past it every round.
 */
export class AdaptiveLimiter {
	private limitNow: number;

	private inFlight = 0;

	private epochNow = 0;

	private successesSinceChange = 0;

	private probeBackoff = 1;

	private readonly waiting: Waiter[] = [];

	constructor(
		readonly maxLimit: number,
		private readonly decreaseFactor = 0.75,
		private readonly maxProbeBackoff = 16,
	) {
		this.limitNow = Math.max(1, Math.floor(maxLimit));
	}

	get limit(): number {
		return this.limitNow;
	}

	get active(): number {
		return this.inFlight;
	}

	/** Waits for a slot. `urgent` callers (retries) go ahead of new work so started items finish first. */
	async acquire(signal?: AbortSignal, urgent = false): Promise<LimiterSlot> {
		if (signal?.aborted) throw cancelledError();
		if (this.inFlight < this.limitNow && this.waiting.length === 0) return this.grant();
		return await new Promise<LimiterSlot>((resolve, reject) => {
			// A signal of its own per waiter: many waiters must not pile listeners onto a shared one.
			const scoped = signal && AbortSignal.any([signal]);
			const waiter: Waiter = { resolve, reject, signal: scoped };
			if (scoped) {
				waiter.onAbort = () => {
					this.waiting.splice(this.waiting.indexOf(waiter), 1);
					reject(cancelledError());
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
		if (this.limitNow >= this.maxLimit) return;
		if (this.successesSinceChange >= this.limitNow * this.probeBackoff) {
			this.limitNow++;
			this.successesSinceChange = 0;
			this.pump();
		}
	}

	/**
	 * The API refused a request for load. Only the first refusal among requests sent at the same
	 * level counts: the rest of that burst says nothing new.
	 */
	onThrottle(slot: LimiterSlot): void {
		if (slot.epoch !== this.epochNow) return;
		this.epochNow++;
		this.limitNow = Math.max(1, Math.floor(this.limitNow * this.decreaseFactor));
		this.successesSinceChange = 0;
		this.probeBackoff = Math.min(this.maxProbeBackoff, this.probeBackoff * 2);
	}

	private grant(): LimiterSlot {
		this.inFlight++;
		let released = false;
		return {
			epoch: this.epochNow,
			release: () => {
				if (released) return;
				released = true;
				this.inFlight--;
				this.pump();
			},
		};
	}

	private pump(): void {
		while (this.inFlight < this.limitNow && this.waiting.length > 0) {
			const waiter = this.waiting.shift() as Waiter;
			if (waiter.signal && waiter.onAbort) waiter.signal.removeEventListener('abort', waiter.onAbort);
			waiter.resolve(this.grant());
		}
	}
}
