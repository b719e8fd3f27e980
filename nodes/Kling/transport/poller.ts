import { FINAL_STATUSES } from '../wire/answers';
import type { TaskSnapshot } from '../wire/answers';
import type { Clock } from './clock';

export interface PollPolicy {
	/** Wait before the first status check while no task has finished yet; later waits grow from it. */
	intervalMs: number;
	/** Give up waiting after this long (the task itself may still finish). */
	maxWaitMs: number;
	growth: number;
	maxIntervalMs: number;
}

export const DEFAULT_POLL_POLICY: PollPolicy = { intervalMs: 3000, maxWaitMs: 15 * 60_000, growth: 1.25, maxIntervalMs: 30_000 };

/** How many finished tasks' durations are kept. */
const DURATION_SAMPLES = 50;

/** How long finished tasks took, read from their own timestamps; an account keeps one across executions. */
export class TaskDurations {
	private readonly samplesMs: number[] = [];

	/** The middle value; the first status check of a new task is due then. */
	estimateMs(): number | undefined {
		if (this.samplesMs.length === 0) return undefined;
		const sorted = [...this.samplesMs].sort((a, b) => a - b);
		return sorted[Math.floor(sorted.length / 2)];
	}

	learn(snapshot: TaskSnapshot): void {
		const { createdAt, updatedAt, status } = snapshot;
		if (status !== 'succeed' || createdAt === undefined || updatedAt === undefined || updatedAt < createdAt) return;
		this.samplesMs.push(updatedAt - createdAt);
		if (this.samplesMs.length > DURATION_SAMPLES) this.samplesMs.shift();
	}
}

/** The task did not finish before the item's Max Wait. */
export class PollTimeoutError extends Error {
	constructor(
		readonly task: TaskSnapshot,
		waitedMs: number,
	) {
		super(
			`Kling task ${task.taskId} was still ${task.status} after ${Math.round(waitedMs / 1000)} s; read it later with Get Task`,
		);
		this.name = 'PollTimeoutError';
	}
}

/**
 * Waits for tasks. Status checks go through the account's limiter (by way of the client that
 * `fetchTask` uses), start after about as long as finished tasks took, then space out gently, so
 * many waiting items cost few requests.
 */
export class TaskPoller {
	constructor(
		private readonly policy: PollPolicy,
		private readonly clock: Clock,
		private readonly signal?: AbortSignal,
		private readonly durations = new TaskDurations(),
	) {}

	estimatedDurationMs(): number | undefined {
		return this.durations.estimateMs();
	}

	/** Checks `task` with `fetchTask` until it succeeds or fails, or `deadline` (clock time) passes. */
	async waitFor(
		task: TaskSnapshot,
		fetchTask: (taskId: string) => Promise<TaskSnapshot>,
		deadline = this.clock.now() + this.policy.maxWaitMs,
	): Promise<TaskSnapshot> {
		const started = this.clock.now();
		let interval = this.policy.intervalMs;
		let delay = Math.max(250, this.estimatedDurationMs() ?? interval);
		// A signal of its own: sleeps leave a listener on it, which must not pile up on the run's.
		const signal = this.signal && AbortSignal.any([this.signal]);
		let snapshot = task;
		while (!FINAL_STATUSES.includes(snapshot.status)) {
			const remaining = deadline - this.clock.now();
			if (remaining <= 0) throw new PollTimeoutError(snapshot, this.clock.now() - started);
			await this.clock.sleep(Math.round(Math.min(delay, remaining)), signal);
			snapshot = await fetchTask(task.taskId);
			interval = Math.min(this.policy.maxIntervalMs, interval * this.policy.growth);
			delay = interval;
		}
		this.durations.learn(snapshot);
		return snapshot;
	}
}
