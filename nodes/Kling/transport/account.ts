import { createHash } from 'node:crypto';

import { FINAL_STATUSES } from '../wire/answers';
import type { TaskSnapshot } from '../wire/answers';
import type { TaskFamily } from '../wire/taskFamilies';
import { cancelledError } from './errors';
import type { Clock } from './retry';

/**
 * Kling counts concurrent tasks per account, per pack type and per model version: virtual try-on
 * is a pack type of its own, every other image task family is of the image pack type.
 */
export type PackType = 'image' | 'tryOn';

export function packTypeOf(family: TaskFamily): PackType {
	return family === 'tryOn' ? 'tryOn' : 'image';
}

/**
 * The pool a task takes its slots from: its pack type and its model (the body's `model_name`);
 * families without a model (Expand) share one pool per pack type.
 */
export function taskPoolKey(family: TaskFamily, model?: string): string {
	return `${packTypeOf(family)}\u0000${model?.trim() ?? ''}`;
}

/** A pool idle this long is forgotten (and its learned limit with it); so is the longest unused idle one past MAX_TASK_POOLS. */
export const TASK_POOL_IDLE_MS = 60 * 60_000;
export const MAX_TASK_POOLS = 20;

/**
 * What one Kling account has learned, shared by every execution of the node in this n8n process
 * (each worker of a queue-mode install has its own, and so learns its share of the account).
 */
export class Account {
	/** API requests in flight; its level is the one that stopped drawing 429 / 1302. */
	readonly requests: AdaptiveLimiter;

	/**
	 * Official API: task slots per pack type and model, held from creation to the task's end (n
	 * images take n); a 1303 teaches the limit of its own pool only. Made on first use.
	 */
	private readonly taskPools = new Map<string, { pool: TaskSlots; lastUsedAt: number }>();

	private readonly now: () => number;

	/** How long this account's tasks take, to time the first status check of new ones. */
	readonly taskDurations = new TaskDurations();

	/** Clock time of the last run that used it. */
	lastUsedAt: number;

	constructor(concurrency: number, clock: Clock) {
		this.now = () => clock.now();
		this.lastUsedAt = this.now();
		this.requests = new AdaptiveLimiter(concurrency, clock);
	}

	/** The task slots a task of `family` and `model` takes from. */
	taskSlots(family: TaskFamily, model?: string): TaskSlots {
		const key = taskPoolKey(family, model);
		let entry = this.taskPools.get(key);
		if (!entry) {
			entry = { pool: new TaskSlots(this.now, () => this.taskDurations.estimateMs(), model?.trim() ?? ''), lastUsedAt: this.now() };
			this.taskPools.set(key, entry);
			this.evictTaskPools(key);
		}
		entry.lastUsedAt = this.now();
		entry.pool.families.add(family);
		return entry.pool;
	}

	/** How many task pools the account keeps now. */
	get taskPoolCount(): number {
		return this.taskPools.size;
	}

	/**
	 * Models come and go (and an expression may name any): idle pools unused for TASK_POOL_IDLE_MS
	 * are dropped, then the longest unused idle ones past MAX_TASK_POOLS. `keep` is the one just made.
	 */
	private evictTaskPools(keep: string): void {
		const now = this.now();
		const idle = [...this.taskPools].filter(([key, { pool }]) => key !== keep && pool.idle);
		for (const [key, { lastUsedAt }] of idle) if (now - lastUsedAt >= TASK_POOL_IDLE_MS) this.taskPools.delete(key);
		const over = this.taskPools.size - MAX_TASK_POOLS;
		if (over <= 0) return;
		const oldest = idle.filter(([key]) => this.taskPools.has(key)).sort(([, a], [, b]) => a.lastUsedAt - b.lastUsedAt);
		for (const [key] of oldest.slice(0, over)) this.taskPools.delete(key);
	}

	/** A task seen in a final state gives its slots back, whichever run created it and whatever pool holds it. */
	taskSeen(task: TaskSnapshot): void {
		if (!FINAL_STATUSES.includes(task.status)) return;
		for (const { pool } of this.taskPools.values()) pool.finished(task.taskId);
	}

	/** Nothing in flight, nothing waiting, no task holding slots: forgetting it loses only what was learned. */
	get idle(): boolean {
		return this.requests.active === 0 && this.requests.queued === 0 && [...this.taskPools.values()].every(({ pool }) => pool.idle);
	}

	/** A run asking for more parallel requests lifts the request limit (what was learned below it stays). */
	allow(concurrency: number): void {
		this.requests.allow(concurrency);
	}
}

const accounts = new Map<string, Account>();

/**
 * An account is its credential type, API address and key; the key only as a hash, so that no
 * secret is kept as a map key or shows in a heap dump's strings.
 */
export function accountKey(credentialType: string, baseUrl: string, secrets: string[]): string {
	const keyHash = createHash('sha256').update(secrets.join('\u0000')).digest('hex').slice(0, 32);
	return `${credentialType} ${baseUrl} ${keyHash}`;
}

/** An account idle this long is forgotten; so is the longest unused idle one past MAX_ACCOUNTS. */
export const ACCOUNT_IDLE_MS = 60 * 60_000;
export const MAX_ACCOUNTS = 100;

/** Drops idle accounts unused for ACCOUNT_IDLE_MS, then the longest unused idle ones while there are too many. */
function evictAccounts(now: number): void {
	for (const [key, account] of accounts) if (account.idle && now - account.lastUsedAt >= ACCOUNT_IDLE_MS) accounts.delete(key);
	if (accounts.size <= MAX_ACCOUNTS) return;
	const idle = [...accounts].filter(([, account]) => account.idle).sort(([, a], [, b]) => a.lastUsedAt - b.lastUsedAt);
	for (const [key] of idle.slice(0, accounts.size - MAX_ACCOUNTS)) accounts.delete(key);
}

/** The account's shared state, made on first use; idle accounts not used for a while are forgotten. */
export function accountFor(key: string, concurrency: number, clock: Clock): Account {
	let account = accounts.get(key);
	if (!account) {
		account = new Account(concurrency, clock);
		accounts.set(key, account);
	} else {
		account.allow(concurrency);
	}
	account.lastUsedAt = clock.now();
	evictAccounts(clock.now());
	return account;
}

/** How many accounts this process keeps state for. */
export function accountCount(): number {
	return accounts.size;
}

/**
 * Tasks seen in a final state outside a run's own polling (Get Task, List Tasks, a callback to
 * the Kling Trigger, which knows no account): their slots are given back in whichever account holds them.
 */
export function noteTasksSeen(tasks: TaskSnapshot[]): void {
	for (const account of accounts.values()) for (const task of tasks) account.taskSeen(task);
}

/** A held share of the limit; `probe` tells a grant above the level, to see whether the account allows more now. */
export interface LimiterSlot {
	readonly weight: number;
	readonly probe: boolean;
	release(): void;
}

interface GrantedSlot extends LimiterSlot {
	probe: boolean;
	readonly grantedAt: number;
}

interface Waiter {
	weight: number;
	resolve: (slot: LimiterSlot) => void;
	reject: (error: Error) => void;
	signal?: AbortSignal;
	onAbort?: () => void;
}

/** Kling's advice after a refusal for load: wait at least a second (used when no Retry-After came). */
const REFUSAL_PAUSE_MS = 1000;

/**
 * New work pauses at most this long after a refusal: a longer Retry-After is honoured by the
 * refused request itself (which may instead give up at its deadline); the others only must not
 * follow it into the same refusal.
 */
const MAX_PAUSE_MS = 2000;

/** A refused probe doubles the wait before the next one, up to this many times the first (in request durations per level). */
const MAX_PROBE_WAIT = 4;

/** Until a request has succeeded, probes count on one this long. */
const FIRST_DURATION_MS = 1000;

/** A probe not refused within this long (at least) counts as taken. */
const MIN_PROBE_ACCEPT_MS = 50;

/** Probes are never closer than this, however quick the requests. */
const MIN_PROBE_WAIT_MS = 250;

/**
 * Bounds the requests an account has in flight (weight 1 each). It starts at the run's Parallel
 * Requests. A refusal for load (429, 1302) says the account is full now: the level drops to what
 * this process still has running there, which the account accepted, and with nothing running new
 * work waits out the refusal's Retry-After instead of meeting the same refusal. The level rises
 * again only by probes: while work waits, one request above the level, after a wait of about one
 * request's duration per level, jittered so that processes sharing the account (n8n's queue-mode
 * workers, each learning alone) do not probe in step. A refused probe doubles that wait; one the account
 * took (it ended well, or was not refused within a few refusal times) raises the level and lets
 * the next probe go at once, so a worker whose neighbour has gone quiet climbs back quickly.
 */
export class AdaptiveLimiter {
	private limitNow: number;

	private ceiling: number;

	private inFlight = 0;

	/** The probe in flight, until the account took or refused it. */
	private probeOut: GrantedSlot | undefined;

	/** How long refusals take to come back (a decaying maximum): a probe out longer was taken. */
	private refusalMs: number | undefined;

	/** Once refused, the level rises only by probes. */
	private refused = false;

	private probeWait = 1;

	private nextProbeAt = 0;

	/** After a refusal with nothing of ours running, no new request goes out before this. */
	private pausedUntil = 0;

	private pauseWatched = false;

	/** The last refusal's pause: what a refused probe would cost its item. */
	private pauseMs = REFUSAL_PAUSE_MS;

	/** How long accepted requests take (moving average), the scale of the probe wait. */
	private durationMs: number | undefined;

	private readonly waiting: Waiter[] = [];

	constructor(
		maxLimit: number,
		private readonly clock: Clock,
		initialLimit = maxLimit,
	) {
		this.ceiling = Math.max(1, Math.floor(maxLimit));
		this.limitNow = Math.max(1, Math.min(this.ceiling, Math.floor(initialLimit)));
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
	 * refused yet; a level learned from refusals stays and rises by probes.
	 */
	allow(level: number, maxLimit = level): void {
		this.ceiling = Math.max(this.ceiling, Math.floor(maxLimit));
		if (!this.refused) this.limitNow = Math.max(this.limitNow, Math.min(this.ceiling, Math.floor(level)));
		this.pump();
	}

	/**
	 * Waits for `weight` units. `urgent` callers (retries) go ahead of new work so started items
	 * finish first. A weight above the level is granted alone, so nothing waits forever.
	 */
	async acquire(signal?: AbortSignal, urgent = false, weight = 1): Promise<LimiterSlot> {
		if (signal?.aborted) throw cancelledError();
		if (this.waiting.length === 0 || urgent) {
			const slot = this.tryGrant(weight);
			if (slot) return slot;
		}
		const granted = new Promise<LimiterSlot>((resolve, reject) => {
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
		// A probe may be due now that work waits; a pause needs a wake-up of its own.
		this.pump();
		if (this.pausedUntil > this.clock.now()) void this.wakeAfterPause();
		return await granted;
	}

	/**
	 * The API took the request. A probe raises the level, and the next probe may follow at once.
	 * Call before releasing the slot.
	 */
	onSuccess(slot: LimiterSlot, durationMs?: number): void {
		if (durationMs !== undefined) this.durationMs = this.durationMs === undefined ? durationMs : 0.8 * this.durationMs + 0.2 * durationMs;
		if (slot.probe) this.probeTaken(slot as GrantedSlot);
	}

	/** The account took the probe: one more in flight from now on, and the next probe may go at once. */
	private probeTaken(slot: GrantedSlot): void {
		slot.probe = false;
		if (this.probeOut === slot) this.probeOut = undefined;
		this.limitNow = Math.min(this.ceiling, this.limitNow + 1);
		this.probeWait = 1;
		this.nextProbeAt = this.clock.now();
		this.pump();
	}

	/**
	 * A generation the account takes stays open for its whole duration, while a refusal comes back
	 * at once: a probe not refused within a few refusal times was taken, so the level need not wait
	 * for it to end (on the gateway that is a whole generation per step).
	 */
	private async watchProbe(slot: GrantedSlot): Promise<void> {
		if (this.refusalMs === undefined) return;
		await this.clock.sleep(Math.min(this.requestMs(), Math.max(MIN_PROBE_ACCEPT_MS, 3 * this.refusalMs)));
		if (this.probeOut === slot && slot.probe) this.probeTaken(slot);
	}

	/**
	 * The API refused work for load. A refused probe leaves the level and doubles the probe wait;
	 * any other refusal sets the level to what this process still has in flight (the account
	 * accepted it). With nothing of ours in flight, new work pauses for `retryAfterMs`. Call
	 * before releasing the slot.
	 */
	onThrottle(slot: LimiterSlot, retryAfterMs = REFUSAL_PAUSE_MS): void {
		const now = this.clock.now();
		const granted = slot as GrantedSlot;
		this.refusalMs = Math.max(now - granted.grantedAt, 0.75 * (this.refusalMs ?? 0));
		if (this.probeOut === granted) this.probeOut = undefined;
		const othersHeld = this.inFlight - slot.weight;
		this.pauseMs = Math.min(MAX_PAUSE_MS, retryAfterMs);
		if (othersHeld <= 0) {
			this.pausedUntil = Math.max(this.pausedUntil, now + this.pauseMs);
			void this.wakeAfterPause();
		}
		if (slot.probe) {
			this.probeWait = Math.min(MAX_PROBE_WAIT, this.probeWait * 2);
		} else {
			this.limitNow = Math.max(1, Math.min(this.limitNow, othersHeld));
			this.refused = true;
		}
		const jitter = 0.5 + this.clock.random();
		// Scaled by the level: a process holding more of the account probes less often, the one holding least most.
		this.nextProbeAt = now + this.requestMs() * this.probeWait * this.limitNow * jitter;
	}

	/**
	 * Nothing of ours may end a pause, so one watcher wakes the queue when it is over (in steps of
	 * at most a second, and only while work waits, so that no long timer outlives the run).
	 */
	private async wakeAfterPause(): Promise<void> {
		if (this.pauseWatched) return;
		this.pauseWatched = true;
		try {
			for (let left = this.pausedUntil - this.clock.now(); left > 0 && this.waiting.length > 0; left = this.pausedUntil - this.clock.now()) {
				await this.clock.sleep(Math.min(1000, left));
			}
		} finally {
			this.pauseWatched = false;
		}
		this.pump();
	}

	/** A slot now if the level has room (or a probe is due), else none. */
	private tryGrant(weight: number): LimiterSlot | undefined {
		const now = this.clock.now();
		if (now < this.pausedUntil) return undefined;
		if (this.inFlight === 0 || this.inFlight + weight <= this.limitNow) return this.grant(weight, false);
		return this.probeDue(now) ? this.grant(weight, true) : undefined;
	}

	/**
	 * A probe goes when its wait is over and enough work is queued to outlast a refusal's pause:
	 * near the end of a run a refused probe would only hold its item back.
	 */
	private probeDue(now: number): boolean {
		if (!this.refused || this.probeOut || this.limitNow >= this.ceiling || now < this.nextProbeAt) return false;
		return this.waiting.length >= this.limitNow * (this.pauseMs / this.requestMs());
	}

	/** How long a request takes here, as far as probes are concerned. */
	private requestMs(): number {
		return Math.max(MIN_PROBE_WAIT_MS, this.durationMs ?? FIRST_DURATION_MS);
	}

	private grant(weight: number, probe: boolean): LimiterSlot {
		this.inFlight += weight;
		let released = false;
		const slot: GrantedSlot = {
			weight,
			probe,
			grantedAt: this.clock.now(),
			release: () => {
				if (released) return;
				released = true;
				this.inFlight -= weight;
				if (this.probeOut === slot) this.probeOut = undefined;
				this.pump();
			},
		};
		if (probe) {
			this.probeOut = slot;
			void this.watchProbe(slot);
		}
		return slot;
	}

	private pump(): void {
		while (this.waiting.length > 0) {
			const slot = this.tryGrant(this.waiting[0].weight);
			if (!slot) return;
			const waiter = this.waiting.shift() as Waiter;
			if (waiter.signal && waiter.onAbort) waiter.signal.removeEventListener('abort', waiter.onAbort);
			waiter.resolve(slot);
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

/** A waiter asleep until `until` (its next read or change as it saw them), woken if one comes sooner. */
interface Sleeper {
	until: number;
	wake: () => void;
}

/** A task of the account's, as Kling's task lists showed it running (`submitted` or `processing`). */
export interface RunningTask {
	taskId: string;
	/** Kling's `created_at`, Unix ms. */
	createdAt?: number;
	/** Kling's `updated_at` of a task that has ended: it still counts for a 1303 that came before its end. */
	endedAt?: number;
}

/**
 * When the pool reads Kling's task lists while items wait: never more often than READ_GAP_MIN_MS
 * (one read serves the whole process), about READ_MARGIN_MS after another client's task is due to
 * end (its creation plus the learned task duration), every READ_GAP_UNKNOWN_MS while no duration
 * is known, and every READ_GAP_MAX_MS when nothing of another client runs (the account may grow).
 */
export const READ_GAP_MIN_MS = 250;
export const READ_MARGIN_MS = 300;
export const READ_GAP_UNKNOWN_MS = 1000;
export const READ_GAP_OVERDUE_MS = 1000;
export const READ_GAP_MAX_MS = 10_000;
/**
 * A process holding at least as many of the account's running tasks as all other clients
 * together lets a slot its task just freed go for this long, then reads the lists and takes it if
 * nobody did: so two workers sharing an account split it evenly instead of 2 + 1.
 */
/**
 * Each process adds a random part of this to its read times, drawn afresh after each read, so
 * that two processes waiting for the same slot rarely read (and create) at the same moment.
 */
export const READ_JITTER_MS = 300;
export const YIELD_MS = READ_MARGIN_MS + READ_JITTER_MS + 300;
/** Other clients seen running this recently still count as waiting for their share (see finished). */
export const OTHERS_ACTIVE_MS = 30_000;
/** A view this young may hand out slots other clients freed. */
export const READ_FRESH_MS = READ_GAP_MIN_MS;
/** Once the account has refused a create, a grant rests on a read no older than this. */
export const VIEW_MAX_AGE_MS = 2000;
/** Ids of tasks seen finished, kept so that a read begun before cannot count them as running again. */
const FINISHED_KEPT = 500;

/** First wait before a learned task limit is probed again; it doubles after each refused probe. */
export const TASK_PROBE_MS = 60_000;
const MAX_TASK_PROBE_MS = 16 * TASK_PROBE_MS;

/**
 * One pool of an account's concurrent task slots (a task of n images holds n, from its creation
 * to its end). Until the account first refuses a create for its task limit (1303), creates go out
 * a few at a time (one, plus one per four running slots), so the first refusal costs little; the
 * refusal tells the limit: what was running when it came. From then on a new task waits for a
 * free slot instead of meeting 1303, and the limit is probed once in a while (a single create
 * above it), since the account may have grown.
 *
 * On the official API the pool also counts what other clients of the account run (another
 * worker, a script, Kling's console): while items wait it reads Kling's task lists (`refresh`,
 * timed by `readDueAt`), so a slot is seen free when it frees wherever it frees, and after a 1303
 * the limit is what the account ran then, not what this process held.
 */
export class TaskSlots {
	/** The task families whose lists show this pool's tasks (each family is listed under its own path). */
	readonly families = new Set<TaskFamily>();

	/** Tasks of other clients the last read showed running: id → Kling's `created_at`. */
	private readonly others = new Map<string, number | undefined>();

	/** Clock time of the last read of the task lists; undefined before the first. */
	private viewAt: number | undefined;

	/** A 1303 came (clock time of the first since the last read): the next read tells the limit. */
	private refusedSinceRead = false;

	private refusedAt = 0;

	/** What this process alone ran at that refusal, plus the refused task less one: the least the limit can be. */
	private ownLimitAtRefusal = 1;

	private jitterMs: number;

	/** The limit known before the refusal being read: a refusal never lowers it (the read may come after tasks ended). */
	private limitBeforeRefusal: number | undefined;

	/** Clock time a read last showed another client's task running. */
	private othersSeenAt = -Infinity;

	/**
	 * Since the last read: slots this process's own tasks freed, and slots it granted. While other
	 * clients are about, a view older than READ_FRESH_MS lets this process take only what it freed
	 * itself; more needs a fresh read (another client may have taken it meanwhile).
	 */
	private ownFreedSinceRead = 0;

	private grantedSinceRead = 0;

	private freshReadWanted = false;

	private reading: Promise<void> | undefined;

	/**
	 * A read is under way: slots it shows freed (its finished tasks free theirs as it goes) are
	 * granted once it is observed, not from the view before it, which still counts other clients'
	 * tasks that may have taken them.
	 */
	private readInFlight = false;

	private readonly finishedIds = new Set<string>();

	/** Ids of this process's tasks (bounded like finishedIds): a listed task not among them is another client's. */
	private readonly ownIds = new Set<string>();

	/** Until then, a slot this process freed is left to another client (see YIELD_MS). */
	private yieldUntil = 0;

	private limitNow: number | undefined;

	private readonly holds = new Set<Hold>();

	private readonly byTask = new Map<string, Hold>();

	private readonly waiting: PoolWaiter[] = [];

	private readonly handles = new WeakMap<TaskHold, Hold>();

	private readonly sleepers = new Set<Sleeper>();

	private probeAt = Infinity;

	private probeWaitMs = TASK_PROBE_MS;

	constructor(
		private readonly now: () => number = () => Date.now(),
		/** How long the account's tasks take (learned), to time reads around other clients' tasks' ends. */
		private readonly estimateMs: () => number | undefined = () => undefined,
		/** The pool's model ('' for none): a listed task naming another model is not counted. */
		readonly model = '',
		/** Draws the jitter of read times (see READ_JITTER_MS). */
		private readonly random: () => number = Math.random,
	) {
		this.jitterMs = this.random() * READ_JITTER_MS;
	}

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

	/** Other clients of the account were seen running lately: a grant wants a fresher view (see READ_FRESH_MS). */
	private get othersAbout(): boolean {
		return this.now() - this.othersSeenAt < OTHERS_ACTIVE_MS;
	}

	/** Tasks of other clients of the account running at the last read. */
	get othersRunning(): number {
		return this.others.size;
	}

	/**
	 * When the task lists should next be read (clock time), or undefined when nothing needs them:
	 * right after a 1303, and while items wait (see READ_GAP_MIN_MS and the others).
	 */
	readDueAt(): number | undefined {
		if (this.families.size === 0) return undefined;
		if (this.waiting.length === 0 && !this.refusedSinceRead) return undefined;
		if (this.viewAt === undefined) return this.now();
		const earliest = this.viewAt + READ_GAP_MIN_MS;
		if (this.refusedSinceRead || this.freshReadWanted) return earliest;
		let due = this.viewAt + READ_GAP_MAX_MS;
		if (this.yieldUntil > this.viewAt) due = Math.min(due, this.yieldUntil + this.jitterMs);
		if (this.others.size > 0) {
			const estimate = this.estimateMs();
			if (estimate === undefined) due = Math.min(due, this.viewAt + READ_GAP_UNKNOWN_MS + this.jitterMs);
			for (const createdAt of this.others.values()) {
				const end = createdAt === undefined || estimate === undefined ? undefined : createdAt + estimate + READ_MARGIN_MS;
				// A task past its expected end (or of unknown age) is looked at again a second later.
				due = Math.min(due, (end === undefined || end <= this.viewAt ? this.viewAt + READ_GAP_OVERDUE_MS : end) + this.jitterMs);
			}
		}
		return Math.max(earliest, due);
	}

	/**
	 * Reads the task lists with `read` (one read at a time for the whole process: callers that
	 * come while one runs share it), then counts what they show.
	 */
	async refresh(read: () => Promise<RunningTask[]>): Promise<void> {
		this.reading ??= this.readAndObserve(read).finally(() => (this.reading = undefined));
		await this.reading;
	}

	private async readAndObserve(read: () => Promise<RunningTask[]>): Promise<void> {
		this.readInFlight = true;
		const running = await read().catch(() => undefined);
		this.readInFlight = false;
		if (running) return this.observe(running);
		// A failed read is not retried at once: the next is due a gap later. What it held back goes on the view there is.
		this.viewAt = this.now();
		this.pump();
	}

	/**
	 * What Kling's lists show running now. Tasks not of this process are the other clients'.
	 * After a 1303 the limit is what the account ran; a count above a learned limit raises it.
	 */
	observe(tasks: RunningTask[]): void {
		this.others.clear();
		const running = tasks.filter((task) => task.endedAt === undefined);
		for (const task of running) {
			if (this.byTask.has(task.taskId) || this.finishedIds.has(task.taskId)) continue;
			this.others.set(task.taskId, task.createdAt);
		}
		this.viewAt = this.now();
		// Another client's task that ended lately is a sign of another client about, even with nothing running now.
		const lately = this.viewAt - OTHERS_ACTIVE_MS;
		if (tasks.some((task) => task.endedAt !== undefined && task.endedAt >= lately && !this.ownIds.has(task.taskId))) {
			this.othersSeenAt = this.viewAt;
		}
		this.ownFreedSinceRead = 0;
		this.grantedSinceRead = 0;
		this.freshReadWanted = false;
		this.jitterMs = this.random() * READ_JITTER_MS;
		if (this.others.size > 0) this.othersSeenAt = this.viewAt;
		const count = this.runningWeight() + this.others.size;
		if (this.refusedSinceRead) {
			this.refusedSinceRead = false;
			// What ran at the refusal: what runs now, and what has ended since (the read comes a little after).
			const ids = new Set([...running.map((task) => task.taskId), ...this.byTask.keys()]);
			for (const task of tasks) if (task.endedAt !== undefined && task.endedAt >= this.refusedAt) ids.add(task.taskId);
			this.limitNow = Math.max(1, ids.size, this.ownLimitAtRefusal, this.limitBeforeRefusal ?? 0);
		} else if (this.limitNow !== undefined && count > this.limitNow) {
			this.limitNow = count;
		}
		this.pump();
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
		if (!this.refusedSinceRead) this.limitBeforeRefusal = this.limitNow;
		let running = 0;
		for (const other of this.holds) if (other.taskId !== undefined && other !== own) running += other.weight;
		const learned = Math.max(1, running + hold.weight - 1);
		this.limitNow = this.limitNow === undefined ? learned : Math.min(this.limitNow, learned);
		this.ownLimitAtRefusal = learned;
		if (own?.probe) {
			own.probe = false;
			this.probeWaitMs = Math.min(MAX_TASK_PROBE_MS, this.probeWaitMs * 2);
		}
		this.probeAt = this.now() + this.probeWaitMs;
		// The lists will tell what the account ran: the view that let this create go was stale.
		if (this.families.size > 0 && !this.refusedSinceRead) {
			this.refusedSinceRead = true;
			this.refusedAt = this.now();
		}
		// Refused with room by our own count: another client is about.
		if (this.limitBeforeRefusal !== undefined && running + hold.weight <= this.limitBeforeRefusal) this.othersSeenAt = this.now();
		this.wakeSleepers();
	}

	/** A task was seen in a final state (by its poller, Get Task, List Tasks or a callback): its slots are free. */
	finished(taskId: string): void {
		this.finishedIds.add(taskId);
		if (this.finishedIds.size > FINISHED_KEPT) this.finishedIds.delete(this.finishedIds.values().next().value as string);
		this.others.delete(taskId);
		const hold = this.byTask.get(taskId);
		if (!hold) return this.pump();
		// Holding at least as much as every other client together, or half the limit while others were
		// running lately (they may wait with nothing running): let them have this slot first.
		const ownAfter = this.runningWeight() - hold.weight;
		const share = this.others.size > 0 ? ownAfter >= this.others.size : this.othersAbout && this.limitNow !== undefined && ownAfter * 2 >= this.limitNow;
		if (this.waiting.length > 0 && share) this.yieldUntil = this.now() + YIELD_MS;
		this.ownFreedSinceRead += hold.weight;
		this.drop(hold);
	}

	/** When a waiter could next get in without a release: a detached task's expected end, or the next probe. */
	nextChangeAt(): number | undefined {
		let next = this.waiting.length > 0 ? this.probeAt : Infinity;
		for (const hold of this.holds) if (hold.expiresAt !== undefined) next = Math.min(next, hold.expiresAt);
		return Number.isFinite(next) ? next : undefined;
	}

	/** When a waiter should look at the pool again unless woken: the next read or change, whichever comes first. */
	nextLookAt(): number {
		return Math.min(this.readDueAt() ?? Infinity, this.nextChangeAt() ?? Infinity);
	}

	/**
	 * Resolves when a read or a change falls due before `until` (a refusal, a release that wants a
	 * fresh read, a read that showed another client's task): a waiter that planned to sleep until
	 * then looks again at once. Whoever waited before the pool knew its limit planned a long sleep.
	 */
	wakeSooner(until: number): { woken: Promise<void>; cancel: () => void } {
		let sleeper: Sleeper | undefined;
		const woken = new Promise<void>((resolve) => {
			sleeper = { until, wake: resolve };
			this.sleepers.add(sleeper);
		});
		return { woken, cancel: () => this.sleepers.delete(sleeper as Sleeper) };
	}

	private wakeSleepers(): void {
		if (this.sleepers.size === 0) return;
		const due = this.nextLookAt();
		for (const sleeper of this.sleepers) {
			if (due >= sleeper.until) continue;
			this.sleepers.delete(sleeper);
			sleeper.wake();
		}
	}

	/** Drops detached holds past their expected end, and lets waiters in. */
	sweep(): void {
		const now = this.now();
		for (const hold of this.holds) if (hold.expiresAt !== undefined && hold.expiresAt <= now) this.drop(hold);
		this.pump();
	}

	private fits(weight: number): boolean {
		if (this.now() < this.yieldUntil) return false;
		let used = this.others.size;
		let pending = 0;
		let running = 0;
		for (const hold of this.holds) {
			used += hold.weight;
			if (hold.taskId === undefined) pending++;
			else running += hold.weight;
		}
		// Unknown limit: a few creates at a time, so the first 1303 finds few others in flight.
		if (this.limitNow === undefined) return used === 0 || pending < Math.max(1, Math.floor(running / 4));
		// A task larger than the limit runs alone; past the limit, only a due probe goes.
		if (used + weight > this.limitNow) return used === 0 || (this.probeDue() && pending === 0);
		if (this.readInFlight) return false;
		if (this.families.size === 0 || this.viewIsFreshFor(weight)) return true;
		this.freshReadWanted = true;
		return false;
	}

	/**
	 * Whether the last read may decide a grant (the limit is known, so the account is contended):
	 * no older than VIEW_MAX_AGE_MS; and, with other clients about, no older than READ_FRESH_MS
	 * unless the slots come from this process's own tasks that ended since.
	 */
	private viewIsFreshFor(weight: number): boolean {
		if (this.viewAt === undefined) return false;
		const age = this.now() - this.viewAt;
		if (age > VIEW_MAX_AGE_MS) return false;
		if (age <= READ_FRESH_MS || !this.othersAbout) return true;
		return this.grantedSinceRead + weight <= this.ownFreedSinceRead;
	}

	private probeDue(): boolean {
		return this.now() >= this.probeAt;
	}

	private grant(weight: number): TaskHold {
		const limit = this.limitNow;
		const hold: Hold = { weight, probe: false };
		let used = 0;
		for (const other of this.holds) used += other.weight;
		used += this.others.size;
		hold.probe = limit !== undefined && used > 0 && used + weight > limit;
		this.grantedSinceRead += weight;
		if (hold.probe) this.probeAt = Infinity;
		this.holds.add(hold);
		const handle: TaskHold = {
			weight,
			created: (taskId) => {
				if (!this.holds.has(hold)) return;
				hold.taskId = taskId;
				this.byTask.set(taskId, hold);
				this.ownIds.add(taskId);
				if (this.ownIds.size > FINISHED_KEPT) this.ownIds.delete(this.ownIds.values().next().value as string);
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
				this.wakeSleepers();
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
		this.wakeSleepers();
	}
}

/** How many finished tasks' durations are kept. */
const DURATION_SAMPLES = 50;

/** How long finished tasks took, read from their own timestamps; an account keeps one across executions. */
export class TaskDurations {
	private readonly samplesMs: number[] = [];

	/** Tasks already counted: a task list shows a finished task again and again. */
	private readonly learned = new Set<string>();

	/** The middle value; the first status check of a new task is due then. */
	estimateMs(): number | undefined {
		if (this.samplesMs.length === 0) return undefined;
		const sorted = [...this.samplesMs].sort((a, b) => a - b);
		return sorted[Math.floor(sorted.length / 2)];
	}

	learn(snapshot: TaskSnapshot): void {
		const { createdAt, updatedAt, status } = snapshot;
		if (status !== 'succeed' || createdAt === undefined || updatedAt === undefined || updatedAt < createdAt) return;
		if (this.learned.has(snapshot.taskId)) return;
		this.learned.add(snapshot.taskId);
		if (this.learned.size > DURATION_SAMPLES * 4) this.learned.delete(this.learned.values().next().value as string);
		this.samplesMs.push(updatedAt - createdAt);
		if (this.samplesMs.length > DURATION_SAMPLES) this.samplesMs.shift();
	}
}
