import { updateDisplayOptions } from 'n8n-workflow';
import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { FieldError } from '../../wire/validation';
import { runItems } from '../runItems';

/** The API's own bounds on paging. */
const MAX_PAGE_SIZE = 500;
const MAX_PAGE_NUM = 1000;

const properties: INodeProperties[] = [
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
	},
	{
		displayName: 'Page',
		name: 'pageNum',
		type: 'number',
		default: 1,
		typeOptions: { minValue: 1, maxValue: MAX_PAGE_NUM },
		description: 'Which page of tasks to return, newest first',
		displayOptions: { show: { returnAll: [false] } },
	},
	{
		displayName: 'Page Size',
		name: 'pageSize',
		type: 'number',
		default: 30,
		typeOptions: { minValue: 1, maxValue: MAX_PAGE_SIZE },
		description: 'How many tasks a page holds',
		displayOptions: { show: { returnAll: [false] } },
	},
];

export const description = updateDisplayOptions({ show: { resource: ['image'], operation: ['listTasks'] } }, properties);

interface ListRequest {
	returnAll: boolean;
	pageNum: number;
	pageSize: number;
}

function whole(field: string, value: unknown, max: number): number {
	const number = Number(value);
	if (!Number.isInteger(number) || number < 1 || number > max) {
		throw new FieldError(field, `must be a whole number from 1 to ${max}, got ${JSON.stringify(value)}`);
	}
	return number;
}

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	return await runItems<ListRequest>(this, {
		prepare: async (itemIndex) => {
			const returnAll = this.getNodeParameter('returnAll', itemIndex, false) === true;
			if (returnAll) return { returnAll, pageNum: 1, pageSize: MAX_PAGE_SIZE };
			return {
				returnAll,
				pageNum: whole('Page', this.getNodeParameter('pageNum', itemIndex, 1), MAX_PAGE_NUM),
				pageSize: whole('Page Size', this.getNodeParameter('pageSize', itemIndex, 30), MAX_PAGE_SIZE),
			};
		},
		run: async (session, request, itemIndex) => {
			const tasks = [];
			for (let page = request.pageNum; page <= MAX_PAGE_NUM; page++) {
				const batch = await session.listTasks(page, request.pageSize, itemIndex);
				tasks.push(...batch);
				if (!request.returnAll || batch.length < request.pageSize) break;
			}
			return tasks.map((task) => ({ json: task.raw, pairedItem: { item: itemIndex } }));
		},
	});
}
