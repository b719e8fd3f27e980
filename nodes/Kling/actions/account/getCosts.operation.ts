import { updateDisplayOptions } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { optionsProperty } from '../../parameters/options';
import { buildCostsQuery } from '../../wire/accountCosts';
import { runItems } from '../runItems';

const properties: INodeProperties[] = [
	{
		displayName: 'Start Time',
		name: 'startTime',
		type: 'dateTime',
		required: true,
		default: '',
		description: 'Start of the period to report',
	},
	{
		displayName: 'End Time',
		name: 'endTime',
		type: 'dateTime',
		required: true,
		default: '',
		description: 'End of the period to report',
	},
	{
		displayName: 'Resource Pack Name',
		name: 'resourcePackName',
		type: 'string',
		default: '',
		description: 'Only the pack of this name; all packs when empty',
	},
	optionsProperty(['maxRetries', 'timeout']),
];

export const option: INodePropertyOptions = {
	name: 'Get Costs',
	value: 'getCosts',
	action: 'Get the resource packs of the account',
	description: 'List the resource packs of the account: their size, what is left, and when they expire',
};
export const officialOnly = true;

export const description = updateDisplayOptions({ show: { resource: ['account'], operation: ['getCosts'] } }, properties);

/** One output item per resource pack, as the API describes it. */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	return await runItems<IDataObject>(this, {
		prepare: async (itemIndex) =>
			buildCostsQuery({
				start: this.getNodeParameter('startTime', itemIndex, ''),
				end: this.getNodeParameter('endTime', itemIndex, ''),
				packName: this.getNodeParameter('resourcePackName', itemIndex, ''),
			}),
		run: async (session, query, itemIndex) => {
			const { packs } = await session.accountCosts(query, itemIndex);
			return packs.map((pack) => ({ json: pack, pairedItem: { item: itemIndex } }));
		},
	});
}
