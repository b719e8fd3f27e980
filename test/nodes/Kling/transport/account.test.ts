import { ACCOUNT_IDLE_MS, MAX_ACCOUNTS, accountCount, accountFor } from '../../../../nodes/Kling/transport/account';
import type { Clock } from '../../../../nodes/Kling/transport/clock';

let now = 0;
const clock: Clock = { now: () => now, sleep: async () => {}, random: () => 0.5 };

describe('the accounts a process keeps', () => {
	it('forgets an account idle for an hour, keeps one that holds a task or a request', async () => {
		const idle = accountFor('idle', 4, clock);
		const busy = accountFor('busy', 4, clock);
		const request = await busy.requests.acquire();
		const tasks = accountFor('tasks', 4, clock);
		const hold = await tasks.taskSlots('generation').acquire(1);
		hold.created('task-1');
		hold.detach(10 * ACCOUNT_IDLE_MS);
		now += ACCOUNT_IDLE_MS;
		accountFor('other', 4, clock);
		expect(accountCount()).toBe(3);
		expect(accountFor('busy', 4, clock)).toBe(busy);
		expect(accountFor('tasks', 4, clock)).toBe(tasks);
		expect(accountFor('idle', 4, clock)).not.toBe(idle);
		request.release();
	});

	it('keeps at most MAX_ACCOUNTS, dropping the longest unused idle ones', () => {
		for (let i = 0; i < MAX_ACCOUNTS + 20; i++) {
			now += 1;
			accountFor(`many-${i}`, 4, clock);
		}
		expect(accountCount()).toBe(MAX_ACCOUNTS);
		const newest = accountFor(`many-${MAX_ACCOUNTS + 19}`, 4, clock);
		expect(accountFor(`many-${MAX_ACCOUNTS + 19}`, 4, clock)).toBe(newest);
	});
});
