import { NodeOperationError } from 'n8n-workflow';
import type { ILoadOptionsFunctions, IN8nHttpFullResponse } from 'n8n-workflow';

import { tryParseJson } from '../wire/answers';
import { parseElementList } from '../wire/elements';
import type { ElementList, ElementSummary } from '../wire/elements';
import { CREDENTIAL_OF } from '../wire/mode';
import { authorizationFor, officialBaseUrl } from './auth';
import { ELEMENT_LIST_PATHS } from './endpoints';

/** The list is read while someone waits in the editor: it answers at once or not at all. */
const SEARCH_TIMEOUT_MS = 15_000;
/** The most one page may hold; the editor shows the first page of each list. */
const SEARCH_PAGE_SIZE = 500;

/**
 * The account's own elements, then Kling's presets, read for the editor's element list. The answer
 * is parsed from its text so the long ids keep every digit. A refused credential is said, not hidden.
 */
export async function readElementsForSearch(ctx: ILoadOptionsFunctions): Promise<ElementSummary[]> {
	const credentials = await ctx.getCredentials(CREDENTIAL_OF.official);
	const baseUrl = officialBaseUrl(credentials);
	const authorization = authorizationFor('official', credentials);
	const read = async (list: ElementList): Promise<ElementSummary[]> => {
		const response = (await ctx.helpers.httpRequest({
			method: 'GET',
			url: `${baseUrl}${ELEMENT_LIST_PATHS[list]}`,
			qs: { pageNum: 1, pageSize: SEARCH_PAGE_SIZE },
			headers: { Authorization: authorization(), Accept: 'application/json' },
			encoding: 'text',
			json: false,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			timeout: SEARCH_TIMEOUT_MS,
		})) as IN8nHttpFullResponse;
		const parsed = tryParseJson(String(response.body ?? ''));
		const code = parsed.ok && typeof parsed.value === 'object' && parsed.value !== null ? (parsed.value as { code?: unknown }).code : undefined;
		if (response.statusCode < 200 || response.statusCode >= 300 || !parsed.ok || (code !== undefined && code !== 0)) {
			const what = list === 'own' ? 'your elements' : "Kling's preset elements";
			throw new NodeOperationError(ctx.getNode(), `Kling did not list ${what} (HTTP ${response.statusCode}${typeof code === 'number' ? `, code ${code}` : ''}): check the Kling AI credential`);
		}
		return parseElementList(parsed.value);
	};
	const [own, presets] = await Promise.all([read('own'), read('presets')]);
	return [...own, ...presets];
}
