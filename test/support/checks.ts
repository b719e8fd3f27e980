import { FieldError } from '../../nodes/Kling/wire/fieldError';

/** The field a FieldError names; anything else thrown, or nothing thrown, fails the test. */
export function fieldOf(run: () => unknown): string {
	try {
		run();
	} catch (error) {
		if (error instanceof FieldError) return error.field;
		throw error;
	}
	throw new Error('expected a FieldError');
}

/** The outcome of `work` and how long it took in wall time. */
export async function timed<T>(work: Promise<T>): Promise<{ result: T; ms: number }> {
	const started = Date.now();
	const result = await work;
	return { result, ms: Date.now() - started };
}
