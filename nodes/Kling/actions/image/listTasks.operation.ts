import { updateDisplayOptions } from 'n8n-workflow';
import type { IExecuteFunctions, INodeExecutionData, INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { taskFamilyOf, taskTypeProperty } from '../../parameters/taskParameters';
import { numberProperty } from '../../parameters/numbers';
import { optionsProperty } from '../../parameters/options';
import { taskJson } from '../../wire/answers';
import { API_NUMBERS, checkNumber } from '../../wire/numbers';
import type { TaskFamily } from '../../wire/taskFamilies';
import { runItems } from '../runItems';

const { pageNum, pageSize } = API_NUMBERS;

const properties: INodeProperties[] = [
	taskTypeProperty,
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
	},
	numberProperty(pageNum, { displayOptions: { show: { returnAll: [false] } } }),
	numberProperty(pageSize, { displayOptions: { show: { returnAll: [false] } } }),
	optionsProperty(['maxRetries', 'timeout']),
];

export const option: INodePropertyOptions = {
	name: 'List Tasks',
	value: 'listTasks',
	action: 'List image tasks',
	description: 'List the image tasks of the account, newest first',
};

export const description = updateDisplayOptions({ show: { resource: ['image'], operation: ['listTasks'] } }, properties);

interface ListRequest {
	family: TaskFamily;
	returnAll: boolean;
	pageNum: number;
	pageSize: number;
}

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	return await runItems<ListRequest>(this, {
		prepare: async (itemIndex, mode) => {
			const family = taskFamilyOf(this.getNodeParameter('taskType', itemIndex, 'generation'), mode);
			const returnAll = this.getNodeParameter('returnAll', itemIndex, false) === true;
			if (returnAll) return { family, returnAll, pageNum: 1, pageSize: pageSize.max };
			return {
				family,
				returnAll,
				pageNum: checkNumber(pageNum, this.getNodeParameter(pageNum.name, itemIndex, pageNum.default)),
				pageSize: checkNumber(pageSize, this.getNodeParameter(pageSize.name, itemIndex, pageSize.default)),
			};
		},
		run: async (session, request, itemIndex) => {
			const tasks = [];
			for (let page = request.pageNum; page <= pageNum.max; page++) {
				const batch = await session.listTasks(request.family, page, request.pageSize, itemIndex);
				tasks.push(...batch);
				if (!request.returnAll || batch.length < request.pageSize) break;
			}
			return tasks.map((task) => ({ json: taskJson(task), pairedItem: { item: itemIndex } }));
		},
	});
}
