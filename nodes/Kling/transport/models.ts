import { NodeOperationError } from 'n8n-workflow';
import type { ILoadOptionsFunctions, IN8nHttpFullResponse } from 'n8n-workflow';

import { CREDENTIAL_OF } from '../wire/mode';
import { authorizationFor } from './auth';
import { normalizeBaseUrl } from './client';

/** The model list is read while someone waits in the editor: it answers at once or not at all. */
const MODEL_LIST_TIMEOUT_MS = 15_000;

/**
 * The gateway's `GET /v1/models` answer as parsed JSON, or undefined when the gateway does not
 * serve a list (any other HTTP error): the editor then offers the model as text instead. A refused
 * key is said, not hidden behind an empty list.
 */
export async function readGatewayModels(ctx: ILoadOptionsFunctions): Promise<unknown> {
	const credentials = await ctx.getCredentials(CREDENTIAL_OF.gateway);
	const response = (await ctx.helpers.httpRequest({
		method: 'GET',
		url: `${normalizeBaseUrl(credentials.baseUrl)}/v1/models`,
		headers: { Authorization: authorizationFor('gateway', credentials)(), Accept: 'application/json' },
		json: true,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		timeout: MODEL_LIST_TIMEOUT_MS,
	})) as IN8nHttpFullResponse;
	if (response.statusCode === 401 || response.statusCode === 403) {
		throw new NodeOperationError(ctx.getNode(), `The gateway refused the API key (HTTP ${response.statusCode}): check the Kling API credential`);
	}
	return response.statusCode >= 200 && response.statusCode < 300 ? response.body : undefined;
}
