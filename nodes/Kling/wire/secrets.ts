import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

const MASK = '***';

/** The credential values that must never show in output or messages: a plain API key, a secret key. */
export function credentialSecrets(credentials: ICredentialDataDecryptedObject): string[] {
	return [credentials.apiKey, credentials.secretKey].filter(
		(value): value is string => typeof value === 'string' && value !== '',
	);
}

function decodeQueryPart(part: string): string {
	try {
		return decodeURIComponent(part.replace(/\+/g, ' '));
	} catch {
		return part;
	}
}

function replaceSecrets(text: string, secrets: string[]): string {
	return secrets.reduce(
		(masked, secret) => masked.split(secret).join(MASK).split(encodeURIComponent(secret)).join(MASK),
		text,
	);
}

/**
 * A URL fit for output. Some image hosts hand out URLs that carry the caller's key
 * (`?key=<api key>`): such a query parameter keeps its name and gets `***` as its value, and a
 * secret anywhere else in the URL becomes `***` too. Everything else stays byte for byte, so the
 * signature of a signed URL still holds.
 */
export function maskSecretsInUrl(url: string, secrets: readonly string[]): string {
	const active = secrets.filter((secret) => secret !== '');
	if (active.length === 0) return url;
	const holdsSecret = (part: string) => active.some((secret) => decodeQueryPart(part).includes(secret));
	const maskParameter = (parameter: string) => {
		const equals = parameter.indexOf('=');
		const name = equals === -1 ? parameter : parameter.slice(0, equals);
		if (holdsSecret(name)) return MASK;
		return equals !== -1 && holdsSecret(parameter.slice(equals + 1)) ? `${name}=${MASK}` : parameter;
	};

	const hashAt = url.indexOf('#');
	const main = hashAt === -1 ? url : url.slice(0, hashAt);
	const fragment = hashAt === -1 ? '' : url.slice(hashAt);
	const queryAt = main.indexOf('?');
	const beforeQuery = queryAt === -1 ? main : main.slice(0, queryAt);
	const query = queryAt === -1 ? '' : `?${main.slice(queryAt + 1).split('&').map(maskParameter).join('&')}`;
	return `${replaceSecrets(beforeQuery, active)}${query}${replaceSecrets(fragment, active)}`;
}
