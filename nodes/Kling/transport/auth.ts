import { createHmac } from 'node:crypto';

import type { Mode } from '../wire/mode';

/** How long a token lives, and how far back it is dated so a server clock running behind still accepts it. */
export const TOKEN_LIFETIME_SEC = 1800;
export const TOKEN_BACKDATE_SEC = 5;

function base64Url(data: string | Buffer): string {
	return Buffer.from(data).toString('base64url');
}

/** The HS256 token Kling's official API wants: `iss` = access key, signed with the secret key. */
export function signKlingJwt(accessKey: string, secretKey: string, nowSec: number): string {
	const header = base64Url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
	const claims = base64Url(
		JSON.stringify({ iss: accessKey, exp: nowSec + TOKEN_LIFETIME_SEC, nbf: nowSec - TOKEN_BACKDATE_SEC }),
	);
	const signature = createHmac('sha256', secretKey).update(`${header}.${claims}`).digest('base64url');
	return `${header}.${claims}.${signature}`;
}

export const REGION_BASE_URLS: Record<string, string> = {
	singapore: 'https://api-singapore.klingai.com',
	beijing: 'https://api-beijing.klingai.com',
};

/** The bearer token for one request: the plain API key when set, else a fresh JWT. */
export function officialBearer(credentials: Record<string, unknown>, nowSec: number): string {
	const apiKey = typeof credentials.apiKey === 'string' ? credentials.apiKey.trim() : '';
	if (apiKey) return apiKey;
	return signKlingJwt(String(credentials.accessKey ?? '').trim(), String(credentials.secretKey ?? '').trim(), nowSec);
}

/**
 * The Authorization header of one request, built here rather than by n8n per request: resolving
 * and decrypting the credential and evaluating its header template on every call cost more CPU
 * than the rest of the request. The official token is still signed fresh for each request.
 */
export function authorizationFor(mode: Mode, credentials: Record<string, unknown>): () => string {
	if (mode === 'official') return () => `Bearer ${officialBearer(credentials, Math.floor(Date.now() / 1000))}`;
	const header = `Bearer ${String(credentials.apiKey ?? '')}`;
	return () => header;
}

export function officialBaseUrl(credentials: Record<string, unknown>): string {
	const region = String(credentials.region ?? 'singapore');
	const url = region === 'custom' ? String(credentials.baseUrl ?? '') : (REGION_BASE_URLS[region] ?? REGION_BASE_URLS.singapore);
	return url.trim().replace(/\/+$/, '');
}
