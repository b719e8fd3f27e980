import { updateDisplayOptions } from 'n8n-workflow';
import type { IExecuteFunctions, INodeExecutionData, INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { taskImages, taskJson } from '../../wire/answers';
import { imageItems } from './imageItems';
import { FieldError, textValue } from '../../wire/validation';
import { runItems } from '../runItems';
import { ANY_TASK_TYPE, getTaskTypeProperty, outputFieldProperty, taskFamilyOf } from '../../parameters/taskParameters';
import { TASK_FAMILIES, familySpec } from '../../wire/taskFamilies';
import type { TaskFamily } from '../../wire/taskFamilies';
import { taskNotFoundError } from '../../transport/errors';
import { optionsProperty } from '../../parameters/options';

const properties: INodeProperties[] = [
	getTaskTypeProperty,
	{
		displayName: 'Task ID',
		name: 'taskId',
		type: 'string',
		required: true,
		default: '',
		description: 'The task_id Generate returned, or the External Task ID given when it was created',
	},
	{
		displayName: 'Output',
		name: 'taskOutput',
		type: 'options',
		default: 'task',
		options: [
			{ name: 'Task', value: 'task', description: 'The task as the API describes it' },
			{ name: 'Image URLs', value: 'url', description: 'One item per image of a finished task' },
			{ name: 'Binary Files', value: 'binary', description: 'One item per image, downloaded' },
		],
	},
	outputFieldProperty({ taskOutput: ['binary'] }),
	optionsProperty(['concurrency', 'downloadTimeout', 'maxImageSize', 'maxRetries', 'timeout']),
];

export const option: INodePropertyOptions = {
	name: 'Get Task',
	value: 'getTask',
	action: 'Get an image task',
	description: 'Read an asynchronous task by its ID, optionally with its images',
};

export const description = updateDisplayOptions({ show: { resource: ['image'], operation: ['getTask'] } }, properties);

interface TaskRequest {
	family: TaskFamily | typeof ANY_TASK_TYPE;
	taskId: string;
	output: string;
	binaryField: string;
}

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	return await runItems<TaskRequest>(this, {
		prepare: async (itemIndex, mode) => {
			const family = taskFamilyOf(this.getNodeParameter('taskType', itemIndex, ANY_TASK_TYPE), mode, true);
			const taskId = textValue('Task ID', this.getNodeParameter('taskId', itemIndex, '')).trim();
			if (!taskId) throw new FieldError('Task ID', 'is empty');
			const output = String(this.getNodeParameter('taskOutput', itemIndex, 'task'));
			const binaryField = textValue('Put Output in Field', this.getNodeParameter('binaryPropertyOutput', itemIndex, 'data')).trim() || 'data';
			return { family, taskId, output, binaryField };
		},
		run: async (session, request, itemIndex) => {
			const { family, taskId } = request;
			const task = family === ANY_TASK_TYPE ? (await session.findTask(taskId, itemIndex))?.task : await session.lookupTask(family, taskId, itemIndex);
			if (task === undefined) {
				const asked = session.mode === 'official' && family !== ANY_TASK_TYPE ? familySpec(family).label : undefined;
				const others = TASK_FAMILIES.filter((other) => other !== family).map((other) => familySpec(other).label);
				throw taskNotFoundError(taskId, asked === undefined ? undefined : { label: asked, others }, { node: this.getNode(), itemIndex, secrets: session.secrets });
			}
			if (request.output === 'task' || task.images.length === 0) return [{ json: taskJson(task), pairedItem: { item: itemIndex } }];
			const batch = { ...taskImages(task), model: '', prompt: '' };
			const output = request.output === 'binary' ? 'binary' : 'url';
			const choice = { output, binaryField: request.binaryField, secrets: session.secrets } as const;
			return await imageItems(session.images, batch, choice, itemIndex);
		},
	});
}
