import type { ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';

import { readElementsForSearch } from '../transport/elementSearch';
import { readGatewayModels } from '../transport/models';
import { elementPickerItems } from '../wire/elements';
import { modelListItems } from '../wire/models';

/** The Model list of the gateway mode: the models `GET /v1/models` names, or none (then the model is typed). */
export async function searchModels(this: ILoadOptionsFunctions, filter?: string): Promise<INodeListSearchResult> {
	return { results: modelListItems(await readGatewayModels(this), filter) };
}

/** The Elements list (official API): the account's own elements, then Kling's presets, matching the search text. */
export async function searchElements(this: ILoadOptionsFunctions, filter?: string): Promise<INodeListSearchResult> {
	return { results: elementPickerItems(await readElementsForSearch(this), filter) };
}
