import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IHttpRequestOptions,
	INodeProperties,
} from 'n8n-workflow';

import {
	REGION_BASE_URLS,
	SIGN_IN_ACCESS_KEY,
	SIGN_IN_API_KEY,
	SIGN_IN_FIELD,
	officialBearer,
} from '../nodes/Kling/transport/auth';

/**
 * The access key and secret key, shown under `displayOptions`. With `saved`, each is shown only
 * while it holds a value (an older credential's keys, under the API Key choice).
 */
function accessKeyFields(displayOptions: { show: Record<string, string[]> }, saved = false): INodeProperties[] {
	// A hide rule on the field itself, not a show rule: n8n resolves a field's own value only after
	// checking that it is shown, and a hide rule on a value not resolved yet does not hide.
	const shownWhenSet = (name: string) => (saved ? { ...displayOptions, hide: { [name]: [''] } } : displayOptions);
	const note = saved ? ' Saved before API keys existed: used while the API key is empty.' : '';
	return [
		{
			displayName: 'Access Key',
			name: 'accessKey',
			type: 'string',
			default: '',
			description: `The Access Key of your Kling AI developer account.${note}`,
			displayOptions: shownWhenSet('accessKey'),
		},
		{
			displayName: 'Secret Key',
			name: 'secretKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: `Signs a fresh token for every request; it never leaves n8n.${note}`,
			displayOptions: shownWhenSet('secretKey'),
		},
	];
}

export class KlingAiApi implements ICredentialType {
	name = 'klingAiApi';

	displayName = 'Kling AI (Official) API';

	icon = { light: 'file:../nodes/Kling/kling.svg', dark: 'file:../nodes/Kling/kling.dark.svg' } as const;

	documentationUrl = 'https://github.com/n8n-nodes-kling/n8n-nodes-kling#official-api';

	/**
	 * API key first. A credential saved before "Sign In With" existed has no value for it, so n8n
	 * reads it as the default, API Key, and drops every field hidden under that choice when it
	 * decrypts the credential. That is why the access key and secret key appear twice: once for
	 * "Access Key + Secret Key", and once under API Key whenever they hold a value, as only such an
	 * older credential's do. officialSignIn (transport/auth.ts) then signs with them while the API
	 * key is empty, exactly as before.
	 */
	properties: INodeProperties[] = [
		{
			displayName: 'Sign In With',
			name: SIGN_IN_FIELD,
			type: 'options',
			default: SIGN_IN_API_KEY,
			options: [
				{ name: 'API Key', value: SIGN_IN_API_KEY, description: 'The API key from the Kling AI console; Kling takes it for all models' },
				{
					name: 'Access Key + Secret Key',
					value: SIGN_IN_ACCESS_KEY,
					description:
						"Kling's older way in, still taken by the image endpoints: a fresh token signed with the secret key for every request",
				},
			],
		},
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'The API key from the Kling AI developer console; sent as Authorization: Bearer',
			displayOptions: { show: { [SIGN_IN_FIELD]: [SIGN_IN_API_KEY] } },
		},
		...accessKeyFields({ show: { [SIGN_IN_FIELD]: [SIGN_IN_ACCESS_KEY] } }),
		...accessKeyFields({ show: { [SIGN_IN_FIELD]: [SIGN_IN_API_KEY] } }, true),
		{
			displayName: 'Region',
			name: 'region',
			type: 'options',
			default: 'singapore',
			options: [
				{ name: 'Singapore (Global)', value: 'singapore' },
				{ name: 'Beijing', value: 'beijing' },
				{ name: 'Custom', value: 'custom' },
			],
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: '',
			placeholder: 'https://api-singapore.klingai.com',
			displayOptions: { show: { region: ['custom'] } },
		},
	];

	// A fresh token per request: Kling's tokens expire after 30 minutes, so none is stored.
	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		const token = officialBearer(credentials, Math.floor(Date.now() / 1000));
		return { ...requestOptions, headers: { ...requestOptions.headers, Authorization: `Bearer ${token}` } };
	}

	// Listing one task costs nothing and needs a valid token.
	test: ICredentialTestRequest = {
		request: {
			// The region table the node uses, written into the expression so the URLs live in one place.
			baseURL: `={{$credentials.region === "custom" ? $credentials.baseUrl.replace(/\\/+$/, "") : (${JSON.stringify(REGION_BASE_URLS)}[$credentials.region] ?? "${REGION_BASE_URLS.singapore}")}}`,
			url: '/v1/images/generations',
			qs: { pageNum: 1, pageSize: 1 },
			method: 'GET',
		},
		rules: [{ type: 'responseCode', properties: { value: 401, message: 'Kling refused the API key, or the access key and secret key (401)' } }],
	};
}
