import type { INodeProperties } from 'n8n-workflow';

/**
 * Elements (saved subjects of Kling's element library), by id: each picked from the account's own
 * and Kling's preset elements, or typed. Ids are 64-bit: they stay text (see wire/elementIds.ts).
 */
export function elementsProperty(description: string, displayOptions?: INodeProperties['displayOptions']): INodeProperties {
	return {
		displayName: 'Elements',
		name: 'elements',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Element',
		default: {},
		description,
		...(displayOptions && { displayOptions }),
		options: [
			{
				name: 'element',
				displayName: 'Element',
				values: [
					{
						displayName: 'Element',
						name: 'id',
						type: 'resourceLocator',
						default: { mode: 'list', value: '' },
						description: 'An element of the account or one of Kling\'s presets',
						modes: [
							{
								displayName: 'From List',
								name: 'list',
								type: 'list',
								typeOptions: { searchListMethod: 'searchElements', searchable: true },
							},
							{ displayName: 'By ID', name: 'id', type: 'string', placeholder: 'e.g. 860321453218791424' },
						],
					},
				],
			},
		],
	};
}

/** Where an item's element ids are read: the entries of `elements`, each a resource locator. */
export const ELEMENT_IDS_PARAMETER = 'elements.element';
