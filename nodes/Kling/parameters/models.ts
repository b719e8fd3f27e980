import type { INodePropertyOptions } from 'n8n-workflow';

import { FAMILY_MODELS } from '../wire/models';

/**
 * A Model choice: Kling's current models first, then the older ones, marked, still selectable for
 * accounts that keep them.
 */
export function modelOptions(family: keyof typeof FAMILY_MODELS): INodePropertyOptions[] {
	const { current, older } = FAMILY_MODELS[family];
	return [
		...current.map((model: string) => ({ name: model, value: model })),
		...older.map((model: string) => ({
			name: `${model} (older)`,
			value: model,
			description: "Kling's current docs no longer name it; some accounts may keep it",
		})),
	];
}
