/**
 * A line every few seconds while a long step runs (an n8n install is minutes of silence
 * otherwise): how long it has taken, and what it is doing now.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** At most this long between two lines while a step runs. */
export const PROGRESS_EVERY_MS = 10_000;

export function elapsed(ms: number): string {
	const seconds = Math.round(ms / 1000);
	return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
}

/** Packages unpacked so far under `folder`/node_modules (scoped ones counted one by one). */
export function packagesIn(folder: string): number {
	const modules = join(folder, 'node_modules');
	if (!existsSync(modules)) return 0;
	let count = 0;
	for (const name of readdirSync(modules)) {
		if (name.startsWith('.')) continue;
		count += name.startsWith('@') ? readdirSync(join(modules, name)).length : 1;
	}
	return count;
}

/**
 * Runs `step`, logging `doing()` with the time taken every `everyMs` until it ends; `doing` is
 * asked afresh each time, so it can say what changed (packages unpacked, the phase).
 */
export async function withProgress<T>(
	log: (message: string) => void,
	doing: () => string,
	step: () => Promise<T>,
	everyMs = PROGRESS_EVERY_MS,
	now: () => number = Date.now,
): Promise<T> {
	const started = now();
	const timer = setInterval(() => log(`… ${elapsed(now() - started)}: ${doing()}`), everyMs);
	try {
		return await step();
	} finally {
		clearInterval(timer);
	}
}
