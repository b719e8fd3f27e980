/**
 * Runs `task` over every entry with at most `concurrency` running at once and returns the results
 * in input order, whatever order they finish in. A task that throws stops new tasks from starting;
 * the first error is thrown once the running ones have settled.
 */
export async function mapConcurrent<T, R>(
	entries: T[],
	concurrency: number,
	task: (entry: T, position: number) => Promise<R>,
): Promise<R[]> {
	const results = new Array<R>(entries.length);
	let next = 0;
	let failure: { error: unknown } | undefined;

	const worker = async () => {
		while (failure === undefined && next < entries.length) {
			const position = next++;
			try {
				results[position] = await task(entries[position], position);
			} catch (error) {
				failure ??= { error };
			}
		}
	};

	const workers = Math.max(1, Math.min(Math.floor(concurrency), entries.length));
	await Promise.all(Array.from({ length: workers }, worker));
	if (failure) throw failure.error;
	return results;
}
