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

/** The official credential's choice of how to sign in, and its two values. */
export const SIGN_IN_FIELD = 'signInWith';
export const SIGN_IN_API_KEY = 'apiKey';
export const SIGN_IN_ACCESS_KEY = 'accessKey';

/** How an official credential signs in: a plain API key, or a token signed per request. */
export type OfficialSignIn = { way: 'apiKey'; apiKey: string } | { way: 'accessKey'; accessKey: string; secretKey: string };

const text = (value: unknown) => (typeof value === 'string' ? value.trim() : '');

/**
 * The sign-in a credential asks for. A credential saved before the choice existed has no
 * `signInWith`; n8n fills it with the default (API Key) when it decrypts the credential, so an
 * empty API key beside an access key and a secret key is read as the old way: signed tokens.
 * An API key, when there is one, wins as it always did. Throws when the chosen way lacks a value.
 */
export function officialSignIn(credentials: Record<string, unknown>): OfficialSignIn {
	const apiKey = text(credentials.apiKey);
	const accessKey = text(credentials.accessKey);
	const secretKey = text(credentials.secretKey);
	if (credentials[SIGN_IN_FIELD] === SIGN_IN_ACCESS_KEY) {
		if (accessKey && secretKey) return { way: 'accessKey', accessKey, secretKey };
		throw new Error(
			'The Kling AI (Official) API credential signs in with an Access Key and a Secret Key, but one of them is empty: enter both in the credential',
		);
	}
	if (apiKey) return { way: 'apiKey', apiKey };
	if (accessKey && secretKey) return { way: 'accessKey', accessKey, secretKey };
	throw new Error(
		'The Kling AI (Official) API credential has no API key: enter the API key from the Kling AI console, or choose "Access Key + Secret Key" under "Sign In With"',
	);
}

/** The bearer token for one request: the API key, or a fresh JWT. */
export function bearerFor(signIn: OfficialSignIn, nowSec: number): string {
	return signIn.way === 'apiKey' ? signIn.apiKey : signKlingJwt(signIn.accessKey, signIn.secretKey, nowSec);
}

export function officialBearer(credentials: Record<string, unknown>, nowSec: number): string {
	return bearerFor(officialSignIn(credentials), nowSec);
}

/**
 * The Authorization header of one request, built here rather than by n8n per request: resolving
 * and decrypting the credential and evaluating its header template on every call cost more CPU
 * than the rest of the request. The official token is still signed fresh for each request; a
 * credential that lacks what its way of signing in needs fails here, before anything is sent.
 */
export function authorizationFor(mode: Mode, credentials: Record<string, unknown>): () => string {
	if (mode === 'official') {
		const signIn = officialSignIn(credentials);
		return () => `Bearer ${bearerFor(signIn, Math.floor(Date.now() / 1000))}`;
	}
	const header = `Bearer ${String(credentials.apiKey ?? '')}`;
	return () => header;
}

export function officialBaseUrl(credentials: Record<string, unknown>): string {
	const region = String(credentials.region ?? 'singapore');
	const url = region === 'custom' ? String(credentials.baseUrl ?? '') : (REGION_BASE_URLS[region] ?? REGION_BASE_URLS.singapore);
	return url.trim().replace(/\/+$/, '');
}
