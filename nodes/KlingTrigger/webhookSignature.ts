import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed callbacks in the Standard Webhooks scheme, which Kling documents for its webhooks: an
 * HMAC-SHA256 over `webhook-id.webhook-timestamp.body`, keyed with the base64 part of a `whsec_`
 * secret. Pure: the request's headers, raw body and the time now come in, a verdict goes out.
 */

/** How far a callback's timestamp may be from now, either way (the scheme's five minutes). */
export const SIGNATURE_TOLERANCE_SEC = 5 * 60;

const SECRET_PREFIX = 'whsec_';

/** A Signing Secret that is not base64; its message never holds the secret. */
export class SigningSecretError extends Error {}

/**
 * The HMAC key of a secret: the base64 after `whsec_`, or the whole secret when it has no prefix.
 * Only canonical base64 is taken (a typo must not become a different key silently).
 */
export function signingKey(secret: string): Buffer {
	const trimmed = secret.trim();
	const encoded = trimmed.startsWith(SECRET_PREFIX) ? trimmed.slice(SECRET_PREFIX.length) : trimmed;
	const key = Buffer.from(encoded, 'base64');
	const unpadded = (text: string) => text.replace(/=+$/, '');
	if (key.length === 0 || unpadded(key.toString('base64')) !== unpadded(encoded)) {
		throw new SigningSecretError("The trigger's Signing Secret is not valid: it must be whsec_ followed by base64, as Kling shows it");
	}
	return key;
}

export type SignatureVerdict = { valid: true } | { valid: false; reason: string };

/** One header's value as Node hands it on (lower-case names; an array only for a few repeated headers). */
function header(headers: Record<string, unknown>, name: string): string | undefined {
	const value = headers[name];
	const text = Array.isArray(value) ? value[0] : value;
	return typeof text === 'string' && text.trim() !== '' ? text.trim() : undefined;
}

/** The base64 HMAC-SHA256 signatures of version `v1` among space-separated `version,signature` entries. */
function v1Signatures(value: string): Buffer[] {
	return value
		.split(' ')
		.filter((entry) => entry.startsWith('v1,'))
		.map((entry) => Buffer.from(entry.slice(3), 'base64'));
}

/**
 * Whether a callback is signed with `key`: all three headers present, the timestamp within
 * SIGNATURE_TOLERANCE_SEC of `nowMs`, and one `v1` signature equal (compared in constant time) to
 * the HMAC of the id, the timestamp and the body's bytes exactly as received.
 */
export function verifySignature(headers: Record<string, unknown>, rawBody: Buffer, key: Buffer, nowMs: number): SignatureVerdict {
	const id = header(headers, 'webhook-id');
	const timestamp = header(headers, 'webhook-timestamp');
	const signature = header(headers, 'webhook-signature');
	const missing = [
		['webhook-id', id],
		['webhook-timestamp', timestamp],
		['webhook-signature', signature],
	].find(([, value]) => value === undefined);
	if (missing) return { valid: false, reason: `The callback lacks the ${missing[0]} header` };
	if (!/^\d{1,15}$/.test(timestamp!)) return { valid: false, reason: 'The webhook-timestamp header is not a Unix time in seconds' };
	if (Math.abs(nowMs / 1000 - Number(timestamp)) > SIGNATURE_TOLERANCE_SEC) {
		return { valid: false, reason: 'The webhook-timestamp is more than 5 minutes away from now' };
	}
	const given = v1Signatures(signature!);
	if (given.length === 0) return { valid: false, reason: 'The webhook-signature header has no v1 signature' };
	const expected = createHmac('sha256', key).update(`${id!}.${timestamp!}.`, 'utf8').update(rawBody).digest();
	// Every entry is compared, so the time taken does not tell which one matched.
	let matched = false;
	for (const candidate of given) {
		if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) matched = true;
	}
	return matched ? { valid: true } : { valid: false, reason: 'The webhook signature does not match' };
}
