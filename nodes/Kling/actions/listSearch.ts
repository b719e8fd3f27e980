import type { ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';

import { readGatewayModels } from '../transport/models';
import { modelListItems } from '../wire/models';

/** The Model list of the gateway mode: the models `GET /v1/models` names, or none (then the model is typed). */
export async function searchModels(this: ILoadOptionsFunctions, filter?: string): Promise<INodeListSearchResult> {
	return { results: modelListItems(await readGatewayModels(this), filter) };
}
