import type { INodeListSearchItems } from 'n8n-workflow';

import type { TaskFamily } from './taskFamilies';

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

/**
 * The official API's models per task family, as Kling's docs name them now: `current` first, the
 * first of them the default; `older` ones the docs no longer name, which some accounts may keep.
 * Expand takes no model.
 */
export const FAMILY_MODELS = {
	generation: { current: ['kling-v3', 'kling-v2-1'], older: ['kling-v2-new', 'kling-v2', 'kling-v1-5', 'kling-v1'] },
	multiImage: { current: ['kling-v2-1'], older: ['kling-v2'] },
	omniImage: { current: ['kling-image-o1', 'kling-v3-omni'], older: [] },
	tryOn: { current: ['kolors-virtual-try-on-v1', 'kolors-virtual-try-on-v1-5'], older: [] },
} as const satisfies Partial<Record<TaskFamily, { current: readonly string[]; older: readonly string[] }>>;

/** A family's models, current ones first. */
export function modelsOf(family: keyof typeof FAMILY_MODELS): readonly string[] {
	return [...FAMILY_MODELS[family].current, ...FAMILY_MODELS[family].older];
}

/** The current models of the family an endpoint belongs to, if it takes a model. */
export function currentModelsOf(family: TaskFamily): readonly string[] | undefined {
	return family in FAMILY_MODELS ? FAMILY_MODELS[family as keyof typeof FAMILY_MODELS].current : undefined;
}

const DISCONTINUED_TEXT = /\bdiscontinued\b|\bno longer\b/i;
const QUOTED_MODEL = /['"‘“]([a-z0-9][\w.-]*)['"’”]/i;

/**
 * The model an error message says Kling no longer offers ("The model 'kling-v1' has been
 * discontinued"), or undefined when it says nothing of the kind. The message must speak of a
 * model, or name the one sent; a model it does not quote is the one sent.
 */
export function discontinuedModel(message: string | undefined, sentModel: string | undefined): string | undefined {
	if (!message || !DISCONTINUED_TEXT.test(message)) return undefined;
	const namesSent = sentModel !== undefined && sentModel !== '' && message.includes(sentModel);
	if (!namesSent && !/\bmodel/i.test(message)) return undefined;
	if (namesSent) return sentModel;
	return QUOTED_MODEL.exec(message)?.[1] ?? sentModel;
}
