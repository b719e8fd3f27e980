import type { INodeProperties } from 'n8n-workflow';

import * as create from './create.operation';
import * as deleteElement from './delete.operation';
import * as list from './list.operation';

export { create, deleteElement, list };

/** The element library (subjects Omni-Image and kling-v3 take by id): the official API only. */
export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		// Like Account: only the official credential offers the resource; a gateway run fails naming the operation.
		displayOptions: { show: { resource: ['element'] } },
		options: [
			{ name: 'Create', value: 'create', action: 'Create an element', description: 'Add a subject to the element library from a frontal image and 1 to 3 more views' },
			{ name: 'Delete', value: 'delete', action: 'Delete an element', description: 'Remove one of your elements from the library' },
			{ name: 'List', value: 'list', action: 'List elements', description: "List your elements or Kling's preset elements" },
		],
		default: 'list',
	},
	...create.description,
	...list.description,
	...deleteElement.description,
];
