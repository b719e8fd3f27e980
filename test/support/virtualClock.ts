import type { Clock } from '../../nodes/Kling/transport/retry';

/** A clock whose sleeps return at once and only move virtual time forward, recording each wait. */
export class VirtualClock implements Clock {
	nowMs = 1_700_000_000_000;

	readonly sleeps: number[] = [];

	constructor(private readonly randomValue = 0.5) {}

	now(): number {
		return this.nowMs;
	}

	async sleep(ms: number, signal?: AbortSignal): Promise<void> {
		if (signal?.aborted) throw new Error('aborted');
		this.sleeps.push(ms);
		this.nowMs += ms;
	}

	random(): number {
		return this.randomValue;
	}
}
