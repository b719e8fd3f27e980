import type { INodeProperties } from 'n8n-workflow';

import { MAX_PROMPT_LENGTH } from '../wire/validation';

/** The Prompt of an operation (saved as `prompt`); its length is checked by wire/validation.ts promptText. */
export function promptProperty(prompt: { required: boolean; description: string; placeholder?: string; hint?: string }): INodeProperties {
	return {
		displayName: 'Prompt',
		name: 'prompt',
		type: 'string',
		...(prompt.required && { required: true }),
		default: '',
		typeOptions: { rows: 4 },
		...(prompt.placeholder && { placeholder: prompt.placeholder }),
		...(prompt.hint && { hint: prompt.hint }),
		description: `${prompt.description}, at most ${MAX_PROMPT_LENGTH} characters${prompt.required ? '' : '; optional'}`,
	};
}
