import { NodeOperationError } from 'n8n-workflow';
import type { ILoadOptionsFunctions, IN8nHttpFullResponse } from 'n8n-workflow';

import { parseTaskList, readNoImages, tryParseJson } from '../wire/answers';
import { elementsOfTasks, parseElementList } from '../wire/elements';
import type { ElementSummary } from '../wire/elements';
import { CREDENTIAL_OF } from '../wire/mode';
import { authorizationFor, officialBaseUrl } from './auth';
import { ELEMENT_LIST_PATHS } from './endpoints';

/** The list is read while someone waits in the editor: it answers at once or not at all. */
const SEARCH_TIMEOUT_MS = 15_000;
/** The most one page may hold; the editor shows the first page of each list. */
const SEARCH_PAGE_SIZE = 500;

const WHAT: Record<keyof typeof ELEMENT_LIST_PATHS, string> = {
	own: 'your elements',
	presets: "Kling's preset elements",
	older: 'your elements of the older element API',
};

/**
 * The account's own elements, then Kling's presets (both listed as element tasks), then the
 * account's elements of the older element API, read for the editor's element list. Answers are
 * parsed from their text so the long ids keep every digit. A refused credential is said, not
 * hidden; the older list is only a courtesy, so its failure leaves it out.
 */
export async function readElementsForSearch(ctx: ILoadOptionsFunctions): Promise<ElementSummary[]> {
	const credentials = await ctx.getCredentials(CREDENTIAL_OF.official);
	const baseUrl = officialBaseUrl(credentials);
	const authorization = authorizationFor('official', credentials);
	const read = async (list: keyof typeof ELEMENT_LIST_PATHS): Promise<unknown> => {
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
			throw new NodeOperationError(ctx.getNode(), `Kling did not list ${WHAT[list]} (HTTP ${response.statusCode}${typeof code === 'number' ? `, code ${code}` : ''}): check the Kling AI credential`);
		}
		return parsed.value;
	};
	const older = async () => {
		try {
			return parseElementList(await read('older'), 'older');
		} catch {
			return [];
		}
	};
	const [own, presets, olderOwn] = await Promise.all([read('own'), read('presets'), older()]);
	return [
		...elementsOfTasks(parseTaskList(own, readNoImages), 'own'),
		...elementsOfTasks(parseTaskList(presets, readNoImages), 'presets'),
		...olderOwn,
	];
}
