import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IHttpRequestOptions,
	INodeProperties,
} from 'n8n-workflow';

import { REGION_BASE_URLS, officialBearer } from '../nodes/Kling/transport/auth';

export class KlingAiApi implements ICredentialType {
	name = 'klingAiApi';

	displayName = 'Kling AI (Official) API';

	icon = { light: 'file:../nodes/Kling/kling.svg', dark: 'file:../nodes/Kling/kling.dark.svg' } as const;

	documentationUrl = 'https://github.com/n8n-nodes-kling/n8n-nodes-kling#official-api';

	properties: INodeProperties[] = [
		{
			displayName: 'Access Key',
			name: 'accessKey',
			type: 'string',
			default: '',
			description: 'The Access Key of your Kling AI developer account',
		},
		{
			displayName: 'Secret Key',
			name: 'secretKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'Signs a fresh token for every request; it never leaves n8n',
		},
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
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'Optional. A plain API key, sent as is instead of a signed token when set.',
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
		rules: [{ type: 'responseCode', properties: { value: 401, message: 'Kling refused the access key, secret key or API key (401)' } }],
	};
}
