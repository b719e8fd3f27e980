import type { INodeListSearchItems } from 'n8n-workflow';

/**
 * The models of an OpenAI-style `GET /v1/models` answer (`{data: [{id}]}`), matching `filter`
 * (any part of the id, case-insensitive), sorted by id. Anything else lists nothing: a gateway
 * that does not serve the list leaves the model to be typed as text.
 */
export function modelListItems(answer: unknown, filter = ''): INodeListSearchItems[] {
	const data = typeof answer === 'object' && answer !== null ? (answer as { data?: unknown }).data : undefined;
	if (!Array.isArray(data)) return [];
	const wanted = filter.trim().toLowerCase();
	const ids = data
		.map((entry) => (typeof entry === 'object' && entry !== null ? (entry as { id?: unknown }).id : undefined))
		.filter((id): id is string => typeof id === 'string' && id !== '' && id.toLowerCase().includes(wanted));
	return [...new Set(ids)].sort().map((id) => ({ name: id, value: id }));
}
