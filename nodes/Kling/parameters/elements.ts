import type { IDisplayOptions, INodeProperties } from 'n8n-workflow';

import { ELEMENT_TAGS, MAX_ELEMENTS_PER_REQUEST, elementIdList, elementIdValue } from '../wire/elements';
import type { NumberSpec } from '../wire/numbers';

/** The editor's list method for elements (actions/listSearch.ts `searchElements`). */
export const SEARCH_ELEMENTS = 'searchElements';

/** An element picked from the account's own elements and Kling's presets, or typed by ID (kept as text). */
export function elementLocatorProperty(name: string, displayName: string, description: string): INodeProperties {
	return {
		displayName,
		name,
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		description,
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				typeOptions: { searchListMethod: SEARCH_ELEMENTS, searchable: true },
			},
			{
				displayName: 'By ID',
				name: 'id',
				type: 'string',
				placeholder: 'e.g. 860321453218791424123',
				validation: [{ type: 'regex', properties: { regex: '^\\s*\\d+\\s*$', errorMessage: 'An element ID is digits only' } }],
			},
		],
	};
}

/**
 * A list of 0 to 10 elements for a request's `element_list` (Omni-Image, Generate with kling-v3),
 * each from the list or by ID. Read it with `elementIdsOf(getNodeParameter(name))`.
 */
export function elementIdsProperty(options: { name?: string; displayName?: string; description?: string; displayOptions?: IDisplayOptions } = {}): INodeProperties {
	const { name = 'elements', displayName = 'Elements', displayOptions } = options;
	return {
		displayName,
		name,
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Element',
		default: {},
		description:
			options.description ??
			`Subjects from the element library (yours or Kling's presets), up to ${MAX_ELEMENTS_PER_REQUEST} together with the reference images`,
		...(displayOptions && { displayOptions }),
		options: [
			{
				name: 'element',
				displayName: 'Element',
				values: [elementLocatorProperty('id', 'Element', 'The element, from the list or by its ID')],
			},
		],
	};
}

/** A resource locator's value (or a plain value from an expression). */
function locatorValue(value: unknown): unknown {
	if (typeof value === 'object' && value !== null && '__rl' in value) return (value as { value?: unknown }).value;
	return value;
}

/** One element id from an `elementLocatorProperty` value, as text. */
export function elementIdOf(field: string, value: unknown): string {
	return elementIdValue(field, locatorValue(value));
}

/**
 * The element ids of an `elementIdsProperty` value (`{element: [{id}]}`), as text, checked:
 * at most `max`, no repeats. `field` names it in errors.
 */
export function elementIdsOf(value: unknown, field = 'Elements', max = MAX_ELEMENTS_PER_REQUEST): string[] {
	const entries = typeof value === 'object' && value !== null ? (value as { element?: unknown }).element : undefined;
	if (entries === undefined) return [];
	if (!Array.isArray(entries)) return elementIdList(field, [locatorValue(entries)], max);
	return elementIdList(
		field,
		entries.map((entry) => locatorValue(typeof entry === 'object' && entry !== null ? (entry as { id?: unknown }).id : entry)),
		max,
	);
}

export const elementTagsProperty: INodeProperties = {
	displayName: 'Tags',
	name: 'tags',
	type: 'multiOptions',
	default: [],
	description: 'What kind of element this is',
	options: ELEMENT_TAGS.map((tag) => ({ name: tag.name, value: tag.id })),
};

/** List's page size when Return All is off. */
export const ELEMENT_LIMIT: NumberSpec = {
	name: 'limit',
	displayName: 'Limit',
	default: 50,
	min: 1,
	max: 500,
	integer: true,
	description: 'Max number of results to return',
};
