import { updateDisplayOptions } from 'n8n-workflow';
import type { IExecuteFunctions, INodeExecutionData, INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { ELEMENT_LIMIT } from '../../parameters/elements';
import { numberProperty } from '../../parameters/numbers';
import { optionsProperty } from '../../parameters/options';
import { ELEMENT_LISTS, elementsOfTasks } from '../../wire/elements';
import type { ElementList } from '../../wire/elements';
import { FieldError } from '../../wire/fieldError';
import { API_NUMBERS, checkNumber } from '../../wire/numbers';
import { runItems } from '../runItems';
import { elementJson } from './create.operation';

const properties: INodeProperties[] = [
	{
		displayName: 'Elements',
		name: 'elementList',
		type: 'options',
		default: 'own',
		options: [
			{ name: 'Mine', value: 'own', description: 'The elements this account made, newest first (element tasks that succeeded)' },
			{ name: 'Kling Presets', value: 'presets', description: 'The elements Kling offers to every account' },
		],
	},
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
	},
	numberProperty(ELEMENT_LIMIT, { displayOptions: { show: { returnAll: [false] } } }),
	optionsProperty(['maxRetries', 'timeout']),
];

export const option: INodePropertyOptions = {
	name: 'List',
	value: 'list',
	action: 'List elements',
	description: 'List your elements or Kling\'s preset elements',
};
export const officialOnly = true;

export const description = updateDisplayOptions({ show: { resource: ['element'], operation: ['list'] } }, properties);

interface ListRequest {
	list: ElementList;
	returnAll: boolean;
	limit: number;
}

const { pageNum, pageSize } = API_NUMBERS;

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	return await runItems<ListRequest>(this, {
		prepare: async (itemIndex) => {
			const list = this.getNodeParameter('elementList', itemIndex, 'own');
			if (!(ELEMENT_LISTS as readonly unknown[]).includes(list)) {
				throw new FieldError('Elements', `must be one of ${ELEMENT_LISTS.join(', ')}, got ${JSON.stringify(list)}`);
			}
			const returnAll = this.getNodeParameter('returnAll', itemIndex, false) === true;
			const limit = returnAll ? pageSize.max : checkNumber(ELEMENT_LIMIT, this.getNodeParameter(ELEMENT_LIMIT.name, itemIndex, ELEMENT_LIMIT.default));
			return { list: list as ElementList, returnAll, limit };
		},
		run: async (session, request, itemIndex) => {
			const tasks = [];
			// Pages of `limit` tasks (at most the API's page size); a short page is the only end signal.
			for (let page = 1; page <= pageNum.max; page++) {
				const batch = await session.listElementTasks(request.list, page, request.limit, itemIndex);
				tasks.push(...batch);
				if (!request.returnAll || batch.length < request.limit) break;
			}
			// An element per succeeded task; tasks still running or failed made none yet.
			const elements = elementsOfTasks(tasks, request.list);
			const shown = request.returnAll ? elements : elements.slice(0, request.limit);
			return shown.map((element) => ({ json: elementJson(element, session.secrets), pairedItem: { item: itemIndex } }));
		},
	});
}
