import { mapConcurrent } from '../../../../nodes/Kling/actions/concurrency';

function deferred() {
	let resolve!: () => void;
	const promise = new Promise<void>((done) => (resolve = done));
	return { promise, resolve };
}

describe('mapConcurrent', () => {
	it('keeps input order whatever the finishing order', async () => {
		const gates = [deferred(), deferred(), deferred()];
		const run = mapConcurrent([0, 1, 2], 3, async (value) => {
			await gates[value].promise;
			return value * 10;
		});
		gates[2].resolve();
		gates[0].resolve();
		gates[1].resolve();
		await expect(run).resolves.toEqual([0, 10, 20]);
	});

	it('never runs more than the limit at once', async () => {
		let running = 0;
		let peak = 0;
		await mapConcurrent(Array.from({ length: 20 }, (_, i) => i), 3, async () => {
			running++;
			peak = Math.max(peak, running);
			await Promise.resolve();
			await Promise.resolve();
			running--;
		});
		expect(peak).toBe(3);
	});

	it('starts nothing new after a failure and throws the first error', async () => {
		const started: number[] = [];
		const run = mapConcurrent([0, 1, 2, 3, 4], 2, async (value) => {
			started.push(value);
			if (value === 0) throw new Error('boom');
			await Promise.resolve();
			return value;
		});
		await expect(run).rejects.toThrow('boom');
		expect(started).toEqual([0, 1]);
	});

	it('handles an empty list', async () => {
		await expect(mapConcurrent([], 4, async () => 1)).resolves.toEqual([]);
	});
});
