import { updateDisplayOptions } from 'n8n-workflow';
import type { IExecuteFunctions, INodeExecutionData, INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { taskImages, taskJson } from '../../wire/answers';
import { imageItems } from './imageItems';
import { FieldError, textValue } from '../../wire/validation';
import { runItems } from '../runItems';
import { outputFieldProperty, taskFamilyOf, taskTypeProperty } from '../../parameters/taskParameters';
import type { TaskFamily } from '../../wire/taskFamilies';
import { optionsProperty } from '../../parameters/options';

const properties: INodeProperties[] = [
	taskTypeProperty,
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
	family: TaskFamily;
	taskId: string;
	output: string;
	binaryField: string;
}

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	return await runItems<TaskRequest>(this, {
		prepare: async (itemIndex, mode) => {
			const family = taskFamilyOf(this.getNodeParameter('taskType', itemIndex, 'generation'), mode);
			const taskId = textValue('Task ID', this.getNodeParameter('taskId', itemIndex, '')).trim();
			if (!taskId) throw new FieldError('Task ID', 'is empty');
			const output = String(this.getNodeParameter('taskOutput', itemIndex, 'task'));
			const binaryField = textValue('Put Output in Field', this.getNodeParameter('binaryPropertyOutput', itemIndex, 'data')).trim() || 'data';
			return { family, taskId, output, binaryField };
		},
		run: async (session, request, itemIndex) => {
			const task = await session.readTask(request.family, request.taskId, itemIndex);
			if (request.output === 'task' || task.images.length === 0) return [{ json: taskJson(task), pairedItem: { item: itemIndex } }];
			const batch = { ...taskImages(task), model: '', prompt: '' };
			const output = request.output === 'binary' ? 'binary' : 'url';
			const choice = { output, binaryField: request.binaryField, secrets: session.secrets } as const;
			return await imageItems(session.images, batch, choice, itemIndex);
		},
	});
}
