import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether a callback carries the trigger's token. Image callbacks may come unsigned (Kling's docs
 * leave it unclear), so an unguessable token in the Callback URL is a proof of origin that always works.
 * Both sides are hashed first so the comparison takes the same time whatever the lengths.
 */
export function tokenMatches(given: unknown, expected: string): boolean {
	if (typeof given !== 'string') return false;
	const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
	return timingSafeEqual(digest(given), digest(expected));
}
