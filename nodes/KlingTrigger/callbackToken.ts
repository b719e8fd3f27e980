import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether a callback carries the trigger's token. Kling signs nothing (no signature or auth header
 * is documented), so an unguessable token in the Callback URL is the one proof of origin there is.
 * Both sides are hashed first so the comparison takes the same time whatever the lengths.
 */
export function tokenMatches(given: unknown, expected: string): boolean {
	if (typeof given !== 'string') return false;
	const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
	return timingSafeEqual(digest(given), digest(expected));
}
