import { updateDisplayOptions } from 'n8n-workflow';
import type { IExecuteFunctions, INodeExecutionData, INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { elementIdOf, elementLocatorProperty } from '../../parameters/elements';
import { optionsProperty } from '../../parameters/options';
import { runItems } from '../runItems';

const properties: INodeProperties[] = [
	{ ...elementLocatorProperty('elementId', 'Element', 'The element to delete: one of your own (Kling presets cannot be deleted)'), required: true },
	optionsProperty(['maxRetries', 'timeout']),
];

export const option: INodePropertyOptions = {
	name: 'Delete',
	value: 'delete',
	action: 'Delete an element',
	description: 'Remove one of your elements from the library',
};
export const officialOnly = true;

export const description = updateDisplayOptions({ show: { resource: ['element'], operation: ['delete'] } }, properties);

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	return await runItems<string>(this, {
		prepare: async (itemIndex) => elementIdOf('Element', this.getNodeParameter('elementId', itemIndex, '')),
		run: async (session, elementId, itemIndex) => {
			await session.deleteElement(elementId, itemIndex);
			return [{ json: { elementId, deleted: true }, pairedItem: { item: itemIndex } }];
		},
	});
}
