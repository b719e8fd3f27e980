import {
	MAX_TASK_POOLS,
	TASK_POOL_IDLE_MS,
	accountFor,
	noteTasksSeen,
} from '../../../../nodes/Kling/transport/account';
import type { TaskHold, TaskSlots } from '../../../../nodes/Kling/transport/account';
import type { Clock } from '../../../../nodes/Kling/transport/retry';

let now = 0;
const clock: Clock = { now: () => now, sleep: async () => {}, random: () => 0.5 };
let accounts = 0;
const freshAccount = () => accountFor(`pools-${accounts++}`, 4, clock);

/** Two running tasks, then a create refused with 1303: the pool learns a limit of 2. */
async function learnLimitOfTwo(pool: TaskSlots, prefix: string): Promise<TaskHold[]> {
	// Until a limit is learned, creates go one at a time.
	const running: TaskHold[] = [];
	for (let i = 0; i < 2; i++) {
		running.push(await pool.acquire(1));
		running[i].created(`${prefix}-${i}`);
	}
	const refused = await pool.acquire(1);
	pool.refused(refused);
	refused.release();
	// The read of Kling's task lists that follows a refusal: the two running are all the account runs.
	pool.observe(running.map((_, i) => ({ taskId: `${prefix}-${i}` })));
	return running;
}

const finished = (taskId: string, status = 'succeed') => ({ taskId, status, images: [], raw: {} });

describe('task pools per pack type and model version', () => {
	it('one pool per pack type and model; families without a model share one per pack type', () => {
		const account = freshAccount();
		const v3 = account.taskSlots('generation', 'kling-v3');
		expect(account.taskSlots('generation', 'kling-v3')).toBe(v3);
		expect(account.taskSlots('generation', 'kling-v2-1')).not.toBe(v3);
		// Kling counts by model within the pack type, whichever endpoint made the task.
		expect(account.taskSlots('multiImage', 'kling-v2-1')).toBe(account.taskSlots('generation', 'kling-v2-1'));
		expect(account.taskSlots('omniImage', 'kling-image-o1')).not.toBe(v3);
		expect(account.taskSlots('tryOn', 'kolors-virtual-try-on-v1')).not.toBe(account.taskSlots('generation', 'kolors-virtual-try-on-v1'));
		const noModel = account.taskSlots('expand');
		expect(account.taskSlots('expand', '')).toBe(noModel);
		expect(noModel).not.toBe(v3);
		expect(account.taskSlots('tryOn')).not.toBe(noModel);
	});

	it('a 1303 teaches only its own pool: the other model keeps creating', async () => {
		const account = freshAccount();
		const v3 = account.taskSlots('generation', 'kling-v3');
		const o1 = account.taskSlots('omniImage', 'kling-image-o1');
		const running = await learnLimitOfTwo(v3, 'v3');
		expect(v3.limit).toBe(2);
		expect(o1.limit).toBeUndefined();
		// The v3 pool is full; an O1 task gets its slot at once.
		let v3Granted = false;
		const v3Next = v3.acquire(1).then((hold) => ((v3Granted = true), hold));
		const o1Hold = await o1.acquire(1);
		o1Hold.created('o1-0');
		await Promise.resolve();
		expect(v3Granted).toBe(false);
		expect(o1.used).toBe(1);
		running[0].release();
		(await v3Next).release();
		running[1].release();
		o1Hold.release();
	});

	it('a task seen finished elsewhere frees its slots in whichever pool holds it', async () => {
		const account = freshAccount();
		const o1 = account.taskSlots('omniImage', 'kling-image-o1');
		const v3 = account.taskSlots('generation', 'kling-v3');
		const expand = account.taskSlots('expand');
		for (const [pool, taskId] of [[o1, 'seen-o1'], [v3, 'seen-v3'], [expand, 'seen-expand']] as const) {
			const hold = await pool.acquire(2);
			hold.created(taskId);
			hold.detach(now + 10 * TASK_POOL_IDLE_MS);
		}
		noteTasksSeen([finished('seen-o1', 'processing')]);
		expect(o1.used).toBe(2);
		noteTasksSeen([finished('seen-o1'), finished('seen-expand', 'failed')]);
		expect(o1.used).toBe(0);
		expect(expand.used).toBe(0);
		expect(v3.used).toBe(2);
		account.taskSeen(finished('seen-v3'));
		expect(v3.used).toBe(0);
	});

	it('forgets pools idle for an hour, keeps a busy one and the limit it learned', async () => {
		const account = freshAccount();
		const busy = account.taskSlots('generation', 'kling-v3');
		const running = await learnLimitOfTwo(busy, 'busy');
		const idle = account.taskSlots('omniImage', 'kling-image-o1');
		now += TASK_POOL_IDLE_MS;
		account.taskSlots('omniImage', 'kling-v3-omni');
		expect(account.taskPoolCount).toBe(2);
		expect(account.taskSlots('generation', 'kling-v3')).toBe(busy);
		expect(busy.limit).toBe(2);
		expect(account.taskSlots('omniImage', 'kling-image-o1')).not.toBe(idle);
		for (const hold of running) hold.release();
	});

	it(`keeps at most ${MAX_TASK_POOLS} pools, dropping the longest unused idle ones`, async () => {
		const account = freshAccount();
		const busy = account.taskSlots('generation', 'model-busy');
		const hold = await busy.acquire(1);
		for (let i = 0; i < MAX_TASK_POOLS + 10; i++) {
			now += 1;
			account.taskSlots('generation', `model-${i}`);
		}
		expect(account.taskPoolCount).toBe(MAX_TASK_POOLS);
		expect(account.taskSlots('generation', 'model-busy')).toBe(busy);
		const newest = account.taskSlots('generation', `model-${MAX_TASK_POOLS + 9}`);
		expect(account.taskSlots('generation', `model-${MAX_TASK_POOLS + 9}`)).toBe(newest);
		hold.release();
	});
});
